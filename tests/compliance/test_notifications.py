"""The notification outbox: rows written with the change, delivered at least once, in the
recipient's language, retried with backoff, never lost while the mail server is down."""

import os
import smtplib
import socket
import time
from datetime import date, timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext

from compliance import notifications, scanning, services
from compliance.models import ComplianceFlag, Notification
from compliance.notifications import claim, deliver_pending, queue_office_digests
from compliance.scanning import scan_projects
from compliance.tasks import deliver_notifications_task, send_office_digests_task
from config.celery import app
from tests import factories

from .conftest import at
from .test_rules import register

SPK = date(2026, 6, 8)  # registration due on 2026-06-29
DAY0 = at(date(2026, 7, 1))  # two days late: the unregistered flag opens as a violation
Kind = Notification.Kind
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}


class BrokenMailer(BaseEmailBackend):
    """A mail server that refuses everything."""

    def send_messages(self, messages):
        raise smtplib.SMTPException("421 service not available")


BROKEN = {"default": {"BACKEND": f"{__name__}.BrokenMailer"}}


def make_overdue(contractor, **fields):
    return factories.make_project(
        contractor=contractor,
        spk_date=SPK,
        start_date=SPK + timedelta(days=28),
        end_date=SPK + timedelta(days=200),
        planned_workforce=12,
        **fields,
    )


@pytest.fixture
def overdue(contractor_a):
    return make_overdue(contractor_a)


@pytest.fixture
def budi(contractor_a_user):
    contractor_a_user.email = "budi@karya-bekasi.co.id"
    contractor_a_user.first_name = "Budi"
    contractor_a_user.save()
    return contractor_a_user


@pytest.fixture
def siti(contractor_a):
    user = factories.make_contractor_user("siti", contractor=contractor_a, is_company_admin=False)
    user.email, user.first_name, user.preferred_language = "siti@karya-bekasi.co.id", "Siti", "en"
    user.save()
    return user


def summaries(**filters):
    return Notification.objects.filter(kind=Kind.CONTRACTOR_SUMMARY, **filters)


def test_a_scan_that_opens_flags_writes_one_summary_per_company_user_with_an_email(
    overdue, budi, siti
):
    factories.make_contractor_user("no.email", contractor=overdue.contractor)

    scan_projects(now=DAY0)

    rows = {row.recipient: row for row in summaries()}
    assert set(rows) == {"budi@karya-bekasi.co.id", "siti@karya-bekasi.co.id"}
    assert rows["budi@karya-bekasi.co.id"].language == "id"
    assert rows["siti@karya-bekasi.co.id"].language == "en"
    assert rows["budi@karya-bekasi.co.id"].recipient_user == budi
    assert all(row.status == "pending" and row.attempts == 0 for row in rows.values())
    assert overdue.name in rows["budi@karya-bekasi.co.id"].body


def test_a_scan_that_rolls_back_leaves_no_notification(overdue, budi, monkeypatch):
    def crash(run, result):
        raise RuntimeError("the database went away before the scan finished")

    monkeypatch.setattr(scanning, "_finish", crash)
    with pytest.raises(RuntimeError):
        scan_projects(now=DAY0)

    assert not Notification.objects.exists()
    assert not ComplianceFlag.objects.exists()


def test_a_second_scan_at_the_same_state_writes_nothing_new(overdue, budi):
    scan_projects(now=DAY0)
    count = Notification.objects.count()

    scan_projects(now=DAY0 + timedelta(minutes=5))

    assert Notification.objects.count() == count == 1


def test_delivery_sends_the_summary_once_with_its_stable_message_id_in_indonesian(
    overdue, budi, mailoutbox
):
    scan_projects(now=DAY0)
    row = summaries().get()

    result = deliver_pending(now=DAY0)

    assert result["sent"] == 1
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == ["budi@karya-bekasi.co.id"]
    assert mail.message()["Message-ID"] == row.message_id == f"<notification-{row.pk}@pantau-jakon>"
    assert "Budi" in mail.body and "PT Karya Bekasi Utama" in mail.subject
    assert "1 Juli 2026" in mail.body  # rendered in Indonesian (month names need no catalog)
    row.refresh_from_db()
    assert (row.status, row.sent_at, row.attempts) == ("sent", DAY0, 1)
    assert deliver_pending(now=DAY0 + timedelta(hours=1))["sent"] == 0
    assert len(mailoutbox) == 1


def test_a_user_who_chose_english_gets_the_summary_in_english(overdue, siti, mailoutbox):
    scan_projects(now=DAY0)
    deliver_pending(now=DAY0)

    assert len(mailoutbox) == 1
    assert "1 July 2026" in mailoutbox[0].body
    assert "Hello Siti," in mailoutbox[0].body
    assert "Not registered with BPJS Ketenagakerjaan" in mailoutbox[0].body


def test_a_contractor_without_users_is_mailed_at_its_own_address_in_indonesian(reference_data):
    contractor = factories.make_contractor(name="CV Tanpa Akun", email="kantor@tanpa-akun.id")
    make_overdue(contractor)

    scan_projects(now=DAY0)

    row = summaries().get()
    assert (row.recipient, row.language, row.recipient_user) == (
        "kantor@tanpa-akun.id",
        "id",
        None,
    )


def test_a_company_nobody_can_be_mailed_at_gets_no_row(overdue):
    scan_projects(now=DAY0)
    assert not summaries().exists()


def test_a_summary_lists_a_capped_number_of_projects_and_says_how_many_more(
    contractor_a, budi, monkeypatch
):
    monkeypatch.setattr(notifications, "LIST_CAP", 2)
    for _ in range(3):
        make_overdue(contractor_a)

    scan_projects(now=DAY0)

    body = summaries().get().body
    assert body.count("(SPK SPK/") == 2
    assert "…dan 1 lainnya." in body  # budi reads Indonesian


def test_writing_the_rows_costs_the_same_queries_for_one_or_many_companies(
    reference_data, monkeypatch
):
    real = notifications.queue_scan_notifications
    captured = {}

    def counted(**kwargs):
        with CaptureQueriesContext(connection) as queries:
            rows = real(**kwargs)
        captured.update(rows=rows, queries=len(queries))
        return rows

    monkeypatch.setattr(notifications, "queue_scan_notifications", counted)

    def queries_of_a_scan_with(companies):
        for n in range(companies):
            contractor = factories.make_contractor(email=f"c{companies}.{n}@example.id")
            make_overdue(contractor, work_unit=factories.make_work_unit(ppk_email="ppk@pu.id"))
        scan_projects(now=DAY0 + timedelta(minutes=companies))
        return dict(captured)

    one = queries_of_a_scan_with(1)
    four = queries_of_a_scan_with(4)
    assert (one["rows"], four["rows"]) == (2, 8)
    assert one["queries"] == four["queries"] <= 13


def test_a_failed_send_stays_pending_with_backoff_and_a_later_run_sends_it_once(
    overdue, budi, settings, mailoutbox
):
    scan_projects(now=DAY0)
    row = summaries().get()

    settings.MAILERS = BROKEN
    result = deliver_pending(now=DAY0)

    assert result["retrying"] == 1
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at == DAY0 + timedelta(minutes=2)
    assert "SMTPException: 421 service not available" in row.last_error
    assert not mailoutbox

    settings.MAILERS = LOCMEM
    assert deliver_pending(now=DAY0 + timedelta(minutes=1))["sent"] == 0  # still backing off
    assert deliver_pending(now=DAY0 + timedelta(minutes=2))["sent"] == 1
    assert deliver_pending(now=DAY0 + timedelta(minutes=30))["sent"] == 0
    assert len(mailoutbox) == 1
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_the_backoff_doubles_up_to_six_hours_and_the_tenth_failure_is_final(
    overdue, budi, settings
):
    scan_projects(now=DAY0)
    row = summaries().get()
    settings.MAILERS = BROKEN

    Notification.objects.filter(pk=row.pk).update(attempts=8)
    deliver_pending(now=DAY0)
    row.refresh_from_db()
    assert row.next_attempt_at == DAY0 + timedelta(hours=6)  # 2**9 minutes, capped

    result = deliver_pending(now=row.next_attempt_at)
    row.refresh_from_db()
    assert result["failed"] == 1
    assert (row.status, row.attempts) == ("failed", 10)
    assert deliver_pending(now=DAY0 + timedelta(days=2))["failed"] == 0


def test_the_batch_stops_after_three_failures_in_a_row_and_the_rest_keeps_its_attempts(
    reference_data, settings
):
    for n in range(5):
        make_overdue(factories.make_contractor(email=f"c{n}@example.id"))
    scan_projects(now=DAY0)
    settings.MAILERS = BROKEN

    result = deliver_pending(now=DAY0)

    assert result["retrying"] == 3
    assert sorted(Notification.objects.values_list("attempts", flat=True)) == [0, 0, 1, 1, 1]


def test_of_two_concurrent_claims_of_the_same_row_only_one_wins(overdue, budi):
    scan_projects(now=DAY0)
    row = summaries().get()

    first = claim(row.pk, now=DAY0)
    second = claim(row.pk, now=DAY0)

    assert first is not None and first.status == "sending" and first.attempts == 1
    assert second is None
    assert deliver_pending(now=DAY0)["sent"] == 0  # the row is the first sender's


def test_a_row_left_sending_by_a_crashed_sender_is_recovered_and_sent(overdue, budi, mailoutbox):
    scan_projects(now=DAY0)
    row = summaries().get()
    claim(row.pk, now=DAY0)  # ... and the sender dies before sending or marking it

    assert deliver_pending(now=DAY0 + timedelta(minutes=9))["recovered"] == 0
    result = deliver_pending(now=DAY0 + timedelta(minutes=11))

    assert (result["recovered"], result["sent"]) == (1, 1)
    assert mailoutbox[0].message()["Message-ID"] == row.message_id
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 2)


@pytest.fixture
def silent_smtp_server():
    """A server that accepts connections and never says a word (a frozen mail server)."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(5)
    yield server.getsockname()[1]
    server.close()


def test_a_frozen_mail_server_costs_one_timeout_and_the_row_waits_for_the_next_run(
    overdue, budi, settings, silent_smtp_server
):
    scan_projects(now=DAY0)
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": silent_smtp_server, "timeout": 1},
        }
    }

    started = time.monotonic()
    result = deliver_pending(now=DAY0)

    assert time.monotonic() - started < 5
    assert result["retrying"] == 1
    row = summaries().get()
    assert row.status == "pending" and "timed out" in row.last_error


def test_the_ppk_hears_once_per_work_unit_when_violations_open(contractor_a, reference_data):
    with_address = factories.make_work_unit(ppk_name="Ir. Ratna", ppk_email="ppk@pupr.bekasi.id")
    make_overdue(contractor_a, work_unit=with_address)
    make_overdue(contractor_a, work_unit=with_address)
    make_overdue(contractor_a, work_unit=factories.make_work_unit())

    scan_projects(now=at(SPK + timedelta(days=19)))  # a warning: the PPK is not told
    assert not Notification.objects.filter(kind=Kind.PPK_VIOLATION).exists()
    scan_projects(now=DAY0)  # the warnings became violations

    row = Notification.objects.get(kind=Kind.PPK_VIOLATION)
    assert row.recipient == "ppk@pupr.bekasi.id"
    assert row.body.count("PT Karya Bekasi Utama") == 2
    assert "Ir. Ratna" in row.body


def test_the_ppk_hears_when_a_warning_letter_is_recorded(contractor_a, bekasi_office_user):
    work_unit = factories.make_work_unit(ppk_email="ppk@pupr.bekasi.id")
    project = make_overdue(contractor_a, work_unit=work_unit)
    scan_projects(now=DAY0)
    flag = ComplianceFlag.objects.get(project=project)

    services.record_warning_letter(
        flag=flag,
        step=1,
        number="560/017/Disnaker",
        sent_on=date(2026, 7, 2),
        user=bekasi_office_user,
    )

    row = Notification.objects.get(kind=Kind.PPK_LETTER)
    assert row.recipient == "ppk@pupr.bekasi.id" and row.status == "pending"
    assert "560/017/Disnaker" in row.subject
    assert "2 Juli 2026" in row.body and project.name in row.body


def test_an_open_violation_is_repeated_every_seven_days_until_it_resolves(overdue, siti):
    scan_projects(now=DAY0)
    assert summaries().count() == 1

    scan_projects(now=DAY0 + timedelta(days=3))
    assert summaries().count() == 1

    scan_projects(now=DAY0 + timedelta(days=8))
    reminder = summaries().latest("pk")
    assert summaries().count() == 2
    assert "Still open" in reminder.body and overdue.name in reminder.body
    assert "Reminder: 1 violation still open" in reminder.subject

    scan_projects(now=DAY0 + timedelta(days=10))
    assert summaries().count() == 2
    scan_projects(now=DAY0 + timedelta(days=15))
    assert summaries().count() == 3

    register(overdue, on=date(2026, 7, 17))
    scan_projects(now=DAY0 + timedelta(days=16))
    resolved = summaries().latest("pk")
    assert "Resolved" in resolved.body and "Still open" not in resolved.body
    scan_projects(now=DAY0 + timedelta(days=30))
    assert summaries().count() == 4


def test_the_office_digest_counts_only_the_offices_region(
    contractor_a, bekasi_office_user, tanbu_office_user, jabar_office_user
):
    make_overdue(contractor_a)
    make_overdue(contractor_a)
    make_overdue(contractor_a, regency="63.10")
    scan_projects(now=DAY0)
    for user in (bekasi_office_user, tanbu_office_user, jabar_office_user):
        user.email, user.preferred_language = f"{user.username}@disnaker.go.id", "en"
        user.save()
    bekasi_office_user.office.email = "disnaker@bekasikota.go.id"
    bekasi_office_user.office.save()

    assert queue_office_digests(date(2026, 7, 2)) == 4
    assert queue_office_digests(date(2026, 7, 2)) == 0  # a redelivered task writes nothing

    def body(address):
        return Notification.objects.get(kind=Kind.OFFICE_DIGEST, recipient=address).body

    assert "Open violations: 2" in body("dinas.bekasi@disnaker.go.id")
    assert "Open violations: 1" in body("dinas.tanbu@disnaker.go.id")
    assert "Open violations: 2" in body("dinas.jabar@disnaker.go.id")  # the province of Bekasi
    assert "Warning letters due: 2" in body("dinas.bekasi@disnaker.go.id")
    office_row = Notification.objects.get(recipient="disnaker@bekasikota.go.id")
    assert office_row.language == "id" and "2 Juli 2026" in office_row.subject


@pytest.fixture
def worker_queue(transactional_db):
    """A real worker on a queue of its own: other test sessions sharing the broker (the
    filesystem transport's folder) neither take its messages nor give it theirs."""
    queue = f"test-notifications-{os.getpid()}"
    queues = app.amqp.queues
    consume_from = queues._consume_from  # the worker's queues= option changes the app's
    try:
        with start_worker(
            app, pool="solo", perform_ping_check=False, shutdown_timeout=10, queues=[queue]
        ):
            yield queue
    finally:
        queues._consume_from = consume_from
        queues.pop(queue, None)


def wait_until(condition, timeout=20.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_digest_and_delivery_tasks_run_on_a_real_worker(
    overdue, budi, bekasi_office_user, worker_queue, mailoutbox
):
    bekasi_office_user.email = "dinas.bekasi@disnaker.go.id"
    bekasi_office_user.save()
    scan_projects(now=DAY0)

    send_office_digests_task.apply_async(queue=worker_queue)
    assert wait_until(lambda: Notification.objects.filter(kind=Kind.OFFICE_DIGEST).exists())
    deliver_notifications_task.apply_async(queue=worker_queue)

    assert wait_until(lambda: not Notification.objects.exclude(status="sent").exists())
    assert sorted(mail.to[0] for mail in mailoutbox) == [
        "budi@karya-bekasi.co.id",
        "dinas.bekasi@disnaker.go.id",
    ]


def test_the_summary_carries_a_single_use_upload_link_for_an_unregistered_project(
    overdue, siti, client, settings, tmp_path
):
    import re

    from django.core.files.uploadedfile import SimpleUploadedFile

    from compliance.models import Registration

    settings.MEDIA_ROOT = tmp_path
    settings.PANTAU_SITE_URL = "https://pantau.bekasikota.go.id"
    scan_projects(now=DAY0)
    body = summaries().get().body

    link = re.search(r"https://pantau\.bekasikota\.go\.id(/projects/upload/\S+/)", body)
    assert link, body
    assert "the link works once, for 14 days" in body
    path = link.group(1)
    assert overdue.name in client.get(path).content.decode()  # no login needed

    client.post(
        path,
        {
            "bpjs_project_number": "2300012345678",
            "registered_on": "2026-07-02",
            "coverage_start": overdue.start_date.isoformat(),
            "coverage_end": overdue.current_end_date.isoformat(),
            "certificate": SimpleUploadedFile("sertifikat.pdf", b"%PDF-1.4\n%%EOF\n"),
        },
    )
    assert Registration.objects.get(project=overdue).status == Registration.Status.SUBMITTED
    again = client.get(path, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This link was already used." in again


def test_a_violation_other_than_a_missing_registration_gets_no_upload_link(contractor_a, siti):
    project = make_overdue(contractor_a)
    factories.make_registration(project, coverage_end=project.current_end_date - timedelta(days=60))

    scan_projects(now=DAY0)

    body = summaries().get().body
    assert "coverage" in body.lower() or "Coverage" in body
    assert "/projects/upload/" not in body


def test_mails_give_the_time_of_the_check_in_the_recipients_zone(overdue, budi, contractor_b):
    # DAY0 is 10:00 in WIB (Kota Bekasi), 11:00 in WITA (Kabupaten Tanah Bumbu).
    tanbu = factories.make_contractor_user("tanbu", contractor=contractor_b)
    tanbu.email = "admin@tanbu-jaya.co.id"
    tanbu.save()
    work_unit = factories.make_work_unit(regency="63.10", ppk_email="ppk@pupr.tanbu.id")
    make_overdue(contractor_b, regency="63.10", work_unit=work_unit)

    scan_projects(now=DAY0)

    assert "10:00 WIB" in summaries(recipient="budi@karya-bekasi.co.id").get().body
    assert "11:00 WITA" in summaries(recipient="admin@tanbu-jaya.co.id").get().body
    ppk = Notification.objects.get(kind=Kind.PPK_VIOLATION, recipient="ppk@pupr.tanbu.id")
    assert "11:00 WITA" in ppk.body
