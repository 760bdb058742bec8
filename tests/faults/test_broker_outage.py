"""Redis stops, or freezes (SIGSTOP: the TCP connection stays open and nothing answers), while
a contractor saves the project's BPJS registration through gunicorn.

The page answers within 5 s and the registration is saved: the engine's nudge is best effort
(one attempt, bounded by the broker's socket timeouts) and the project carries its mark in the
database. Once Redis is back, the every-minute beat tasks (sent here as beat would, several
times) re-evaluate the project once, resolve its flag once, and mail the contractor once.
"""

from datetime import date

import pytest
from django.urls import reverse

from compliance.models import ComplianceFlag, FlagEvent, Notification, Registration, ScanRun
from compliance.scanning import evaluate_marked_projects
from projects.models import Project
from tests import factories

from .conftest import Browser
from .processes import wait_until

pytestmark = pytest.mark.faults

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BEAT_TICKS = [
    "compliance.tasks.evaluate_marked_projects_task",
    "compliance.tasks.deliver_notifications_task",
]


@pytest.fixture
def overdue_project(database):
    """A project past its due date with an open 'unregistered' violation, whose contractor has
    already been told (the mail of that evaluation is sent)."""
    contractor = factories.make_contractor()
    user = factories.make_contractor_user("kontraktor.a", contractor=contractor)
    user.email, user.preferred_language = "kontraktor.a@example.id", "en"
    user.save()
    project = factories.make_project(contractor=contractor, spk_date=date(2026, 3, 2))
    evaluate_marked_projects()
    Notification.objects.update(status=Notification.Status.SENT, sent_at=project.created_at)
    assert project.flags.filter(rule=ComplianceFlag.Rule.UNREGISTERED).exists()
    return project, user


def registration_form(project) -> dict:
    # SimpleUploadedFile-like objects for encode_multipart: name, read() and content type.
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {
        "bpjs_project_number": "2300012345678",
        "registered_on": "2026-03-10",
        "coverage_start": project.start_date.isoformat(),
        "coverage_end": project.current_end_date.isoformat(),
        "amount": "1.375.000",
        "paid_on": "2026-03-10",
        "receipt_number": "KWT-0001",
        "certificate": SimpleUploadedFile("sertifikat.pdf", PDF, "application/pdf"),
        "receipt": SimpleUploadedFile("kwitansi.png", PNG, "image/png"),
    }


@pytest.mark.parametrize("fault", ["stopped", "frozen"])
def test_redis_down_while_a_contractor_saves_a_registration(
    fault, overdue_project, redis_server, start_web, start_worker, send_task
):
    project, user = overdue_project
    worker = start_worker(wait=False)
    web = start_web()
    worker.wait_ready()
    browser = Browser(web, user)
    url = reverse("compliance:registration_create", args=[project.pk])
    assert browser.request("GET", url).status == 200

    if fault == "stopped":
        redis_server.stop()
    else:
        redis_server.freeze()
    response = browser.post_form(url, registration_form(project))

    # The contractor's page: saved, within 5 s, although the engine could not be nudged.
    assert response.status == 302, response.text[:2000]
    assert response.seconds < 5
    assert response.getheader("Location") == project.get_absolute_url()
    page = browser.request("GET", project.get_absolute_url())
    assert "The registration is recorded and waits for verification" in page.text
    registration = Registration.objects.get(project=project)
    assert registration.status == Registration.Status.SUBMITTED
    assert Project.objects.get(pk=project.pk).needs_evaluation_at is not None
    assert "_nudge_engine" in web.log()  # the lost nudge is logged

    if fault == "stopped":
        redis_server.start()  # the same port, empty: whatever was queued is gone
    else:
        redis_server.thaw()
    flag = project.flags.get(rule=ComplianceFlag.Rule.UNREGISTERED)

    def told_once() -> bool:
        for task in BEAT_TICKS:
            send_task(task)
        return Notification.objects.filter(status=Notification.Status.SENT).count() == 2

    wait_until(told_once, timeout=60, interval=1, message="the flag to resolve and the mail")
    for _tick in range(2):  # beat goes on: nothing more happens
        for task in BEAT_TICKS:
            send_task(task)
    wait_until(lambda: worker.is_idle(redis_server), timeout=30, message="the worker to idle")

    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.resolution == ComplianceFlag.Resolution.AUTO
    assert list(flag.events.values_list("kind", flat=True).order_by("pk")) == [
        FlagEvent.Kind.OPENED,  # as a violation, letter I due with it
        FlagEvent.Kind.RESOLVED,
    ]
    assert ScanRun.objects.filter(resolved__gt=0).count() == 1
    assert Project.objects.get(pk=project.pk).needs_evaluation_at is None
    mail = Notification.objects.exclude(sent_at=project.created_at).get()
    assert (mail.recipient, mail.kind, mail.attempts) == (
        "kontraktor.a@example.id",
        Notification.Kind.CONTRACTOR_SUMMARY,
        1,
    )
    assert worker.log().count(mail.message_id) == 1
