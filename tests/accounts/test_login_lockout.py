"""Login throttling (django-axes): repeated failures lock the username from that address."""

from datetime import timedelta

import pytest
import time_machine
from axes.models import AccessAttempt, AccessFailureLog
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

RIGHT = "test-pass-2026"
LIMIT = 3


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AXES_COOLOFF_TIME = timedelta(minutes=15)


def log_in(client, username, password, **extra):
    return client.post(
        reverse("accounts:login"), {"username": username, "password": password}, **extra
    )


def fail(client, username, times):
    for _attempt in range(times):
        response = log_in(client, username, "wrong-password")
    return response


def test_failures_below_the_limit_still_allow_the_right_password(client, contractor_a_user):
    assert fail(client, contractor_a_user.username, LIMIT - 1).status_code == 200
    assert log_in(client, contractor_a_user.username, RIGHT).status_code == 302


def test_the_limit_locks_out_with_a_clear_message(client, contractor_a_user, caplog):
    fail(client, contractor_a_user.username, LIMIT - 1)
    response = log_in(client, contractor_a_user.username, "wrong", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 429
    text = response.content.decode()
    assert "Too many failed login attempts" in text
    assert "blocked for 15 minutes" in text
    # The page is still the login page, with a form to try again later.
    assert 'name="username"' in text
    assert any("locked out" in record.getMessage() for record in caplog.records)


def test_the_right_password_is_refused_during_a_lockout(client, contractor_a_user):
    fail(client, contractor_a_user.username, LIMIT)
    response = log_in(client, contractor_a_user.username, RIGHT)
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_failures_are_recorded_for_the_admin(client, contractor_a_user):
    fail(client, contractor_a_user.username, LIMIT)
    attempt = AccessAttempt.objects.get()
    assert attempt.username == contractor_a_user.username
    assert attempt.failures_since_start == LIMIT
    assert "wrong-password" not in attempt.post_data  # the password is never stored
    assert AccessFailureLog.objects.filter(locked_out=True).count() == 1


def test_an_email_address_counts_as_one_whatever_its_case(client, reference_data):
    for username in ("Budi@Example.id", "budi@example.id", "BUDI@example.id"):
        log_in(client, username, "wrong-password")
    assert AccessAttempt.objects.get().username == "budi@example.id"
    assert log_in(client, "budi@example.id", "x").status_code == 429


def test_the_lock_holds_per_address_only(client, contractor_a_user):
    fail(client, contractor_a_user.username, LIMIT)
    response = log_in(client, contractor_a_user.username, RIGHT, REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 302


def test_another_account_from_the_same_address_is_not_locked(
    client, contractor_a_user, contractor_b_user
):
    fail(client, contractor_a_user.username, LIMIT)
    assert log_in(client, contractor_b_user.username, RIGHT).status_code == 302


def test_the_lockout_expires_after_the_cool_off(client, contractor_a_user):
    fail(client, contractor_a_user.username, LIMIT)
    with time_machine.travel(timezone.now() + timedelta(minutes=16)):
        assert log_in(client, contractor_a_user.username, RIGHT).status_code == 302


def test_an_admin_unblocks_an_account_by_deleting_its_attempts(
    client, contractor_a_user, superuser
):
    fail(client, contractor_a_user.username, LIMIT)
    attempt = AccessAttempt.objects.get()
    admin = client.__class__()
    admin.force_login(superuser)
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert contractor_a_user.username in admin.get(changelist).content.decode()
    # Read-only fields: the admin can look and delete, not rewrite the record.
    change = admin.get(reverse("admin:axes_accessattempt_change", args=[attempt.pk]))
    assert 'name="username"' not in change.content.decode()
    admin.post(
        changelist, {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert not AccessAttempt.objects.exists()
    assert log_in(client, contractor_a_user.username, RIGHT).status_code == 302


def test_a_successful_login_resets_the_count(client, contractor_a_user):
    fail(client, contractor_a_user.username, LIMIT - 1)
    assert log_in(client, contractor_a_user.username, RIGHT).status_code == 302
    client.logout()
    fail(client, contractor_a_user.username, LIMIT - 1)
    assert log_in(client, contractor_a_user.username, RIGHT).status_code == 302
