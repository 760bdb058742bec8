def test_personas_see_only_their_own_projects(
    contractor_a_user,
    contractor_b_user,
    bekasi_office_user,
    tanbu_office_user,
    jabar_office_user,
    project_of_contractor_a,
    tanbu_project_of_contractor_a,
    project_of_contractor_b,
):
    from projects.models import Project

    def visible(user):
        return set(Project.objects.visible_to(user))

    assert visible(contractor_a_user) == {project_of_contractor_a, tanbu_project_of_contractor_a}
    assert visible(contractor_b_user) == {project_of_contractor_b}
    assert visible(bekasi_office_user) == {project_of_contractor_a}
    assert visible(tanbu_office_user) == {tanbu_project_of_contractor_a, project_of_contractor_b}
    assert visible(jabar_office_user) == {project_of_contractor_a}
