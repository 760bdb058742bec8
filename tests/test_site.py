"""Site-wide invariants: migrations complete, login required, both languages, scoping, headers."""

import io

import pytest
from django.core.management import call_command
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_no_model_change_lacks_its_migration():
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


@pytest.mark.parametrize("url_name", ["home"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, url_name):
    response = client.get(reverse(url_name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_anonymous_visitors_cannot_open_a_project(client, project_of_contractor_a):
    response = client.get(project_of_contractor_a.get_absolute_url())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_login_page_speaks_indonesian_by_default(client):
    response = client.get(reverse("accounts:login"))
    assert response.status_code == 200
    assert '<html lang="id">' in response.content.decode()
    assert "Masuk" in response.content.decode()


def test_the_login_page_speaks_english_when_the_browser_asks(client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="en">' in response.content.decode()
    assert "Log in" in response.content.decode()


def test_the_language_switcher_changes_the_language(client, contractor_a_user):
    client.force_login(contractor_a_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "No projects yet." in client.get(reverse("home"), follow=True).content.decode()


def test_a_users_preferred_language_is_used_after_login(client, contractor_a_user):
    contractor_a_user.preferred_language = "en"
    contractor_a_user.save()
    client.force_login(contractor_a_user)
    assert '<html lang="en">' in client.get(reverse("home"), follow=True).content.decode()


def test_pages_carry_a_content_security_policy_without_inline_script(client):
    response = client.get(reverse("accounts:login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Frame-Options"] == "DENY"


def test_healthz_answers_without_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.content == b"ok"


def test_a_contractor_sees_its_own_project(client, contractor_a_user, project_of_contractor_a):
    client.force_login(contractor_a_user)
    response = client.get(project_of_contractor_a.get_absolute_url())
    assert response.status_code == 200
    assert project_of_contractor_a.name in response.content.decode()


def test_another_contractor_gets_404_for_a_project_that_is_not_its_own(
    client, contractor_b_user, project_of_contractor_a
):
    client.force_login(contractor_b_user)
    assert client.get(project_of_contractor_a.get_absolute_url()).status_code == 404


def test_an_office_of_another_region_gets_404(client, tanbu_office_user, project_of_contractor_a):
    client.force_login(tanbu_office_user)
    assert client.get(project_of_contractor_a.get_absolute_url()).status_code == 404


def test_the_province_office_sees_projects_of_its_kab_kota(
    client, jabar_office_user, bekasi_office_user, project_of_contractor_a
):
    for user in (jabar_office_user, bekasi_office_user):
        client.force_login(user)
        assert client.get(project_of_contractor_a.get_absolute_url()).status_code == 200


def test_the_home_page_leads_to_the_users_own_projects_only(
    client, contractor_b_user, project_of_contractor_a, project_of_contractor_b
):
    client.force_login(contractor_b_user)
    response = client.get(reverse("home"), follow=True)
    assert response.redirect_chain == [(reverse("projects:list"), 302)]
    page = response.content.decode()
    assert project_of_contractor_b.name in page
    assert project_of_contractor_a.name not in page


def test_amounts_are_written_the_indonesian_way(client, contractor_a_user, project_of_contractor_a):
    client.force_login(contractor_a_user)
    page = client.get(project_of_contractor_a.get_absolute_url()).content.decode()
    assert "Rp750.000.000" in page


def test_no_module_or_class_body_translates_at_import():
    """gettext() in a module or class body runs once, at import, in whatever language is active
    then: a form's label or a constant stays in that language for every user. Such strings are
    gettext_lazy; gettext and ngettext belong inside functions."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    eager = {"gettext", "ngettext", "pgettext", "npgettext"}
    found = []
    for path in root.glob("*/**/*.py"):
        if path.relative_to(root).parts[0] in {".venv", "tests", "bench", "node_modules"}:
            continue
        tree = ast.parse(path.read_text(), str(path))
        names = {
            alias.asname or alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation"
            for alias in node.names
            if alias.name in eager
        }
        found += [
            f"{path.relative_to(root)}:{call.lineno}"
            for call in _calls_run_at_import(tree)
            if isinstance(call.func, ast.Name) and call.func.id in names
        ]
    assert found == []


def _calls_run_at_import(node):
    """The calls in a module or class body, and in default values and decorators: not those
    inside a function or lambda body."""
    import ast

    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
            for expr in [*child.args.defaults, *child.args.kw_defaults, *child.decorator_list]:
                if expr is not None:
                    yield from (n for n in ast.walk(expr) if isinstance(n, ast.Call))
            continue
        if isinstance(child, ast.Lambda):
            continue
        if isinstance(child, ast.Call):
            yield child
        yield from _calls_run_at_import(child)
