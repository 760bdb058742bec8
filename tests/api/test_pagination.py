"""Keyset pagination: pages follow `next` in id order; rows inserted between two pages neither
repeat nor hide the rows already read; a forged cursor is a 400."""

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def test_pages_are_stable_when_rows_are_inserted_between_them(api_a, contractor_a):
    first_five = [factories.make_project(contractor=contractor_a).pk for _ in range(5)]

    page = api_a.get("/projects", {"limit": 2}).json()
    seen = [row["id"] for row in page["items"]]
    # Another system adds projects while the client pages: they come after, nothing shifts.
    added = [factories.make_project(contractor=contractor_a).pk for _ in range(2)]
    while page["next"]:
        page = api_a.get("/projects", {"limit": 2, "cursor": page["next"]}).json()
        seen += [row["id"] for row in page["items"]]

    assert seen == sorted(first_five + added)
    assert len(seen) == len(set(seen))


def test_the_last_page_has_no_next(api_a, contractor_a):
    factories.make_project(contractor=contractor_a)
    page = api_a.get("/projects", {"limit": 1}).json()

    assert len(page["items"]) == 1 and page["next"] is None


@pytest.mark.parametrize("limit", [0, 201, "many"])
def test_limit_is_between_1_and_200(api_a, reference_data, limit):
    response = api_a.get("/projects", {"limit": limit})

    assert response.status_code == 400
    assert "limit" in response.json()["error"]["fields"]


def test_a_forged_cursor_is_a_400(api_a, reference_data):
    response = api_a.get("/projects", {"cursor": "MTIz"})

    assert response.status_code == 400
    assert response.json()["error"]["fields"]["cursor"] == [
        "This cursor is not valid; start again from the first page."
    ]


@pytest.mark.parametrize("path", ["/projects", "/registrations", "/enrollments", "/flags"])
def test_a_page_costs_a_fixed_number_of_queries(
    api_bekasi, contractor_a, path, django_assert_max_num_queries
):
    from workers.services import enroll_worker

    for _ in range(4):
        project = factories.make_project(contractor=contractor_a)
        factories.make_registration(project)
        enroll_worker(
            project=project,
            nik=factories.make_nik(),
            full_name="Budi Santoso",
            started_on=project.start_date,
        )
    api_bekasi.get(path)  # records the token's use
    # token (with user, office, region), the page, its prefetches: whatever the page size.
    with django_assert_max_num_queries(4):
        response = api_bekasi.get(path, {"limit": 3})
    assert response.status_code == 200
    assert len(response.json()["items"]) == (0 if path == "/flags" else 3)  # no scan: no flags
