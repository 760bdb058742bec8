"""Office staff are signed out after 30 idle minutes; contractors keep the normal session; the
user of each request is loaded in one query."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests import factories

pytestmark = [pytest.mark.django_db]


def test_office_staff_are_signed_out_after_30_idle_minutes(client, bekasi_office_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(bekasi_office_user)
        assert client.get(reverse("projects:list")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=29), tick=False):
        assert client.get(reverse("projects:list")).status_code == 200  # restarts the clock
    with time_machine.travel(start + timedelta(minutes=58), tick=False):
        assert client.get(reverse("projects:list")).status_code == 200
    with time_machine.travel(start + timedelta(minutes=89), tick=False):
        response = client.get(reverse("projects:list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_a_contractor_is_still_signed_in_after_an_idle_hour(client, contractor_a_user):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        client.force_login(contractor_a_user)
        client.get(reverse("projects:list"))
    with time_machine.travel(start + timedelta(hours=1), tick=False):
        assert client.get(reverse("projects:list")).status_code == 200


# The user of each request is loaded with its office, region and company membership
# (accounts.backends.UserBackend): one query, where the pages used to take four.


def queries_reading(client, url, table):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [query["sql"] for query in queries if f'FROM "{table}"' in query["sql"]]


def test_an_office_page_loads_the_user_office_and_region_in_one_query(client, bekasi_office_user):
    client.force_login(bekasi_office_user)
    users = queries_reading(client, "/office/", "accounts_user")
    assert len(users) == 1
    assert '"accounts_office"' in users[0] and '"reference_region"' in users[0]
    assert queries_reading(client, "/office/", "accounts_office") == []  # no second read
    assert queries_reading(client, "/office/", "projects_contractormembership") == []


def test_a_contractor_page_loads_the_membership_with_the_user(
    client, contractor_a, contractor_a_user
):
    factories.make_project(contractor=contractor_a, name="Jembatan Kali Bekasi")
    client.force_login(contractor_a_user)
    assert queries_reading(client, "/projects/", "projects_contractormembership") == []
    assert queries_reading(client, "/projects/", "projects_contractor") == []  # the company too
    assert "Jembatan Kali Bekasi" in client.get("/projects/").content.decode()


def test_a_deactivated_user_is_signed_out_on_the_next_request(client, contractor_a_user):
    client.force_login(contractor_a_user)
    contractor_a_user.is_active = False
    contractor_a_user.save(update_fields=["is_active"])
    response = client.get("/projects/")
    assert response.status_code == 302 and "/login/" in response["Location"]
