"""Office staff are signed out after 30 idle minutes; contractors keep the normal session."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

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
