"""The engine as a whole: lifecycle, escalation, waivers, idempotency, cost, increments."""

import io
import json
import threading
import time
from datetime import date, timedelta

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from compliance import services
from compliance.models import ComplianceFlag, FlagEvent, RegionDailyRollup, ScanDecision, ScanRun
from compliance.rules import Clock
from compliance.scanning import (
    DECISION_COLUMNS,
    MAX_EXPOSURE_DAYS,
    SCORE_COLUMNS,
    ScanResult,
    _opening_score,
    evaluate_marked_projects,
    scan_projects,
)
from projects.models import MAX_PLANNED_WORKFORCE, Project
from reference.rupiah import MAX_AMOUNT
from tests import factories

from .conftest import WIB, at
from .test_rules import SPK, only, open_flags, register

Rule = ComplianceFlag.Rule


@pytest.fixture
def overdue(contractor_a):
    return factories.make_project(
        contractor=contractor_a,
        spk_date=SPK,
        start_date=SPK + timedelta(days=28),
        end_date=SPK + timedelta(days=200),
        planned_workforce=12,
    )


def test_a_second_scan_at_the_same_state_changes_nothing(overdue):
    now = at(overdue.registration_due_on + timedelta(days=3))
    first = scan_projects(now=now)
    assert first.opened >= 1
    second = scan_projects(now=now + timedelta(minutes=5))
    assert (second.opened, second.resolved, second.escalated) == (0, 0, 0)
    assert second.open_total == first.open_total


def test_a_violation_opens_with_letter_i_due_in_one_event_that_the_history_page_shows(
    overdue, client, bekasi_office_user
):
    result = scan_projects(now=at(overdue.registration_due_on + timedelta(days=1)))
    flag = only(overdue, Rule.UNREGISTERED)
    assert (flag.severity, flag.letter_due_step, result.escalated) == ("violation", 1, 1)
    assert list(flag.events.values_list("kind", "details")) == [
        (FlagEvent.Kind.OPENED, {"letter_due_step": 1})
    ]

    client.force_login(bekasi_office_user)
    history = reverse("projects:history", args=[overdue.pk])
    page = client.get(history, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Dibuka; Surat teguran I jatuh tempo" in page


def test_a_warning_opens_with_a_plain_opened_event(overdue):
    scan_projects(now=at(overdue.registration_due_on - timedelta(days=1)))
    flag = only(overdue, Rule.UNREGISTERED)
    assert list(flag.events.values_list("kind", "details")) == [(FlagEvent.Kind.OPENED, {})]


def test_the_lifecycle_opens_escalates_resolves_and_reopens_with_history(
    overdue, bekasi_office_user
):
    due = overdue.registration_due_on
    scan_projects(now=at(due - timedelta(days=1)))
    flag = only(overdue, Rule.UNREGISTERED)
    assert flag.severity == "warning" and flag.letter_due_step == 0

    result = scan_projects(now=at(due + timedelta(days=1)))
    flag.refresh_from_db()
    assert flag.severity == "violation"
    assert flag.letter_due_step == 1  # warning letter I is due when the violation opens
    assert result.escalated == 1

    letter_day = due + timedelta(days=2)
    services.record_warning_letter(
        flag=flag, step=1, number="560/001/Disnaker", sent_on=letter_day, user=bekasi_office_user
    )
    flag.refresh_from_db()
    assert (flag.escalation_step, flag.letter_due_step) == (1, 0)
    assert flag.next_letter_due_on == letter_day + timedelta(days=10)

    assert scan_projects(now=at(letter_day + timedelta(days=9))).escalated == 0
    assert scan_projects(now=at(letter_day + timedelta(days=10))).escalated == 1
    flag.refresh_from_db()
    assert flag.letter_due_step == 2

    register(overdue, on=letter_day + timedelta(days=11))
    scan_projects(now=at(letter_day + timedelta(days=11)))
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.letter_due_step == 0

    # The condition returns (the project's value doubles, leaving the payment short; or here:
    # the registration is rejected and a week passes): a new flag opens, the old one stays.
    registration = overdue.registrations.get()
    services.reject_registration(registration=registration, user=bekasi_office_user, reason="Palsu")
    scan_projects(now=at(letter_day + timedelta(days=12)))
    assert ComplianceFlag.objects.filter(project=overdue, rule=Rule.UNREGISTERED).count() == 2
    kinds = set(FlagEvent.objects.filter(flag=flag).values_list("kind", flat=True))
    assert {"opened", "severity_changed", "letter_due", "escalated", "resolved"} <= kinds


def test_a_letter_for_the_wrong_step_is_refused(overdue, bekasi_office_user):
    scan_projects(now=at(overdue.registration_due_on + timedelta(days=1)))
    flag = only(overdue, Rule.UNREGISTERED)
    with pytest.raises(services.ValidationError):
        services.record_warning_letter(
            flag=flag, step=2, number="X", sent_on=date(2026, 7, 1), user=bekasi_office_user
        )


def test_letters_are_dated_from_the_finding_to_today_each_after_the_previous_one(
    overdue, bekasi_office_user
):
    scan_projects(now=at(overdue.registration_due_on + timedelta(days=1)))
    flag = only(overdue, Rule.UNREGISTERED)
    opened_on = flag.opened_at.astimezone(WIB).date()
    today = opened_on + timedelta(days=30)

    def send(step, sent_on):
        return services.record_warning_letter(
            flag=flag, step=step, number=f"560/{step}", sent_on=sent_on, user=bekasi_office_user
        )

    def refusal(step, sent_on):
        with pytest.raises(services.ValidationError) as refused:
            send(step, sent_on)
        return [error.code for error in refused.value.error_dict["sent_on"]]

    with time_machine.travel(at(today), tick=False):
        assert refusal(1, today + timedelta(days=1)) == ["future"]
        assert refusal(1, opened_on - timedelta(days=1)) == ["before_flag"]
        send(1, opened_on + timedelta(days=5))
        assert refusal(2, opened_on + timedelta(days=4)) == ["before_previous_letter"]
        # PP 86/2013: ten days to comply with letter I before letter II.
        assert refusal(2, opened_on + timedelta(days=14)) == ["before_previous_letter"]
        send(2, today)
    assert list(flag.letters.values_list("step", "sent_on")) == [
        (1, opened_on + timedelta(days=5)),
        (2, today),
    ]


def test_a_waived_flag_stays_open_is_not_counted_and_asks_for_no_letter(
    overdue, bekasi_office_user
):
    now = at(overdue.registration_due_on + timedelta(days=1))
    scan_projects(now=now)
    flag = only(overdue, Rule.UNREGISTERED)
    services.waive_flag(flag=flag, user=bekasi_office_user, reason="Proyek dihentikan sementara")
    assert not ComplianceFlag.objects.counted_violations().filter(pk=flag.pk).exists()
    scan_projects(now=now + timedelta(days=1))
    flag.refresh_from_db()
    assert flag.resolved_at is None and flag.letter_due_step == 0

    services.undo_waiver(flag=flag, user=bekasi_office_user, reason="Proyek berjalan lagi")
    scan_projects(now=now + timedelta(days=2))
    flag.refresh_from_db()
    assert ComplianceFlag.objects.counted_violations().filter(pk=flag.pk).exists()
    assert flag.letter_due_step == 1


def test_the_being_handled_mark_keeps_the_flag_counted_and_clears_on_resolution(
    overdue, contractor_a_user
):
    now = at(overdue.registration_due_on + timedelta(days=1))
    scan_projects(now=now)
    flag = only(overdue, Rule.UNREGISTERED)
    services.mark_flag_handling(flag=flag, user=contractor_a_user, note="Sedang daftar di e-Jakon")
    assert ComplianceFlag.objects.counted_violations().filter(pk=flag.pk).exists()
    register(overdue, on=now.date())
    scan_projects(now=now + timedelta(hours=1))
    flag.refresh_from_db()
    assert flag.resolved_at is not None and flag.handling_since is None


def test_exposure_ranks_bigger_longer_and_more_crowded_gaps_first(contractor_a):
    small = factories.make_project(
        contractor=contractor_a, spk_date=SPK, contract_value=100_000_000, planned_workforce=5
    )
    big = factories.make_project(
        contractor=contractor_a, spk_date=SPK, contract_value=5_000_000_000, planned_workforce=80
    )
    scan_projects(now=at(big.registration_due_on + timedelta(days=10)))
    ranked = list(ComplianceFlag.objects.filter(rule=Rule.UNREGISTERED).order_by("-exposure_score"))
    assert [f.project_id for f in ranked] == [big.pk, small.pk]
    assert ranked[1].exposure_score == 100 * 5 * (
        10 + (big.registration_due_on - small.registration_due_on).days
    )


def test_the_largest_project_overdue_for_centuries_scores_within_a_bigint(contractor_a):
    # Rp100 trillion with no planned workforce (estimated from the value: 1.25 million workers
    # before the cap) and a due date typed two centuries back: uncapped, the score passed the
    # bigint maximum (PostgreSQL failed the scan, SQLite stored 9223372036854775807).
    project = factories.make_project(
        contractor=contractor_a, spk_date=SPK, contract_value=MAX_AMOUNT
    )
    Project.objects.filter(pk=project.pk).update(registration_due_on=date(1800, 1, 2))
    worst = 10**8 * MAX_PLANNED_WORKFORCE * MAX_EXPOSURE_DAYS

    scan_projects(now=at(SPK + timedelta(days=60)))  # opens the flag with its score
    flag = only(project, Rule.UNREGISTERED)
    assert flag.exposure_score == worst
    scan_projects(now=at(SPK + timedelta(days=61)))  # the day's rescore
    flag.refresh_from_db()
    assert flag.exposure_score == worst < 2**63 - 1


def test_the_scan_costs_the_same_number_of_queries_for_3_or_30_projects(contractor_a, settings):
    settings.PANTAU_FULL_SWEEP_HOURS = 0  # every full scan sweeps all projects

    def queries_for(count, day):
        """The queries of a first scan (no flag yet) and of the next day's sweep."""
        for _ in range(count):
            factories.make_project(contractor=contractor_a, spk_date=SPK)
        # Each first scan starts from no flag, and the next day's from the same rules' flags:
        # a sweep skips the statements that could only move flags of a rule that has none.
        ComplianceFlag.objects.all().delete()
        counts = []
        for now in (at(day), at(day + timedelta(days=1))):
            with CaptureQueriesContext(connection) as context:
                scan_projects(now=now)
            counts.append(len(context.captured_queries))
        return counts

    assert queries_for(3, SPK + timedelta(days=60)) == queries_for(27, SPK + timedelta(days=62))


def test_a_delta_scan_costs_the_same_number_of_queries_for_3_or_30_changed_projects(
    contractor_a,
):
    day = at(SPK + timedelta(days=60))
    scan_projects(now=day)  # the day's sweep

    def queries_for(count, later):
        for _ in range(count):
            factories.make_project(contractor=contractor_a, spk_date=SPK)
        # Once unmeasured, so every candidate has its open flags: a delta scan skips the
        # statements that could only move flags its projects do not have.
        scan_projects(now=day + later - timedelta(minutes=1))
        with CaptureQueriesContext(connection) as context:
            result = scan_projects(now=day + later)
        assert ScanRun.objects.get(pk=result.run_id).kind == ScanRun.Kind.DELTA
        return len(context.captured_queries)

    assert queries_for(3, timedelta(hours=1)) == queries_for(27, timedelta(hours=2))


def test_a_delta_scan_finds_rows_changed_since_the_previous_scan_without_a_mark(contractor_a):
    """Between the day's sweeps, a scan evaluates only the projects whose rows changed (even
    without a mark) or whose dates crossed a threshold since the previous scan."""
    with time_machine.travel(at(SPK), tick=False):
        project = factories.make_project(contractor=contractor_a, spk_date=SPK)
    day = at(project.registration_due_on + timedelta(days=5))
    scan_projects(now=day)
    only(project, Rule.UNREGISTERED)
    Project.objects.filter(pk=project.pk).update(needs_evaluation_at=None)  # as the pass would

    quiet = scan_projects(now=day + timedelta(hours=1))
    assert ScanRun.objects.get(pk=quiet.run_id).kind == ScanRun.Kind.DELTA
    assert (quiet.scanned, quiet.opened, quiet.resolved) == (0, 0, 0)

    with time_machine.travel(day + timedelta(minutes=90), tick=False):
        factories.make_registration(project)  # no mark: written straight to the tables
    changed = scan_projects(now=day + timedelta(hours=2))
    assert (changed.scanned, changed.resolved) == (1, 1)
    assert not open_flags(project, Rule.UNREGISTERED).exists()


def test_the_scan_keeps_a_daily_rollup_per_kab_kota(overdue, project_of_contractor_b):
    register(project_of_contractor_b)
    scan_projects(now=at(overdue.registration_due_on + timedelta(days=1)))
    bekasi = RegionDailyRollup.objects.get(regency__code="32.75")
    tanbu = RegionDailyRollup.objects.get(regency__code="63.10")
    assert (bekasi.projects_total, bekasi.projects_covered) == (1, 0)
    assert (tanbu.projects_total, tanbu.projects_covered) == (1, 1)
    assert bekasi.open_flags[Rule.UNREGISTERED] == 1
    assert tanbu.contribution_paid == tanbu.contribution_due == 1375000


def test_the_rollup_counts_only_what_was_paid_on_the_live_registration(overdue, bekasi_office_user):
    rejected = register(overdue)  # paid in full, then rejected
    services.reject_registration(registration=rejected, user=bekasi_office_user, reason="Palsu")
    register(overdue, amount=1000)
    scan_projects(now=at(overdue.registration_due_on + timedelta(days=1)))
    bekasi = RegionDailyRollup.objects.get(regency__code="32.75")
    assert rejected.payments.exists()
    assert bekasi.contribution_paid == 1000


def test_scan_runs_are_recorded_with_their_counts(overdue):
    result = scan_projects(now=at(overdue.registration_due_on + timedelta(days=1)))
    run = ScanRun.objects.get(pk=result.run_id)
    assert run.status == ScanRun.Status.FINISHED
    assert (run.opened, run.open_total) == (result.opened, result.open_total)
    assert run.finished_at >= run.started_at


def test_the_command_prints_the_counts_as_json_on_its_last_line(overdue):
    out = io.StringIO()
    call_command("scan_compliance", "--json", stdout=out)
    last = json.loads(out.getvalue().strip().splitlines()[-1])
    assert set(last) == {"scanned", "opened", "resolved", "escalated", "open_total"}
    assert last["scanned"] == 1


class TestIncremental:
    def test_a_recorded_payment_resolves_the_flag_without_a_full_scan(self, overdue):
        now = at(overdue.registration_due_on + timedelta(days=3))
        scan_projects(now=now)
        other = factories.make_project(contractor=overdue.contractor, spk_date=SPK)
        evaluate_marked_projects(now=now)  # clears the marks of the setup
        register(overdue, on=now.date())

        result = evaluate_marked_projects(now=now + timedelta(seconds=5))
        assert result.scanned == 1 and result.resolved >= 1
        assert not open_flags(overdue, Rule.UNREGISTERED).exists()
        assert open_flags(other).exists()  # untouched
        overdue.refresh_from_db()
        assert overdue.needs_evaluation_at is None
        assert evaluate_marked_projects(now=now + timedelta(seconds=6)) == ScanResult()

    def test_the_lifecycle_through_marks_alone_matches_the_sweep(self, overdue):
        """The incremental path plans its statements from the rules' verdicts and the open
        flags (plan_rules); each transition must still happen, with its events."""

        def evaluate(now):
            Project.objects.filter(pk=overdue.pk).update(needs_evaluation_at=now)
            return evaluate_marked_projects(now=now)

        due = overdue.registration_due_on
        assert evaluate(at(due - timedelta(days=1))).opened == 1
        flag = only(overdue, Rule.UNREGISTERED)
        assert flag.severity == "warning"

        assert evaluate(at(due + timedelta(days=1))).escalated == 1  # warning -> violation
        flag.refresh_from_db()
        assert (flag.severity, flag.letter_due_step) == ("violation", 1)
        assert flag.violation_since is not None

        quiet = evaluate(at(due + timedelta(days=2)))
        assert (quiet.scanned, quiet.opened, quiet.resolved, quiet.escalated) == (1, 0, 0, 0)

        register(overdue, on=due + timedelta(days=3))
        assert evaluate(at(due + timedelta(days=3))).resolved == 1
        flag.refresh_from_db()
        assert flag.resolved_at is not None and flag.resolution == "auto"
        kinds = list(
            FlagEvent.objects.filter(flag=flag).order_by("pk").values_list("kind", flat=True)
        )
        assert kinds == ["opened", "severity_changed", "letter_due", "resolved"]

    def test_the_dashboards_rollup_follows_right_after_the_evaluation(self, overdue):
        from compliance.models import StaleRollup
        from compliance.tasks import evaluate_marked_projects_task

        now = at(overdue.registration_due_on + timedelta(days=3))
        scan_projects(now=now)  # today's rollups
        assert RegionDailyRollup.objects.get(regency__code="32.75").projects_covered == 0
        register(overdue, on=now.date())  # marks the project

        with time_machine.travel(now + timedelta(seconds=5), tick=False):
            evaluate_marked_projects_task.apply()  # as the worker runs it
        rollup = RegionDailyRollup.objects.get(regency__code="32.75")
        assert (rollup.projects_covered, rollup.open_flags.get(Rule.UNREGISTERED)) == (1, None)
        assert not StaleRollup.objects.exists()

    def test_a_full_scan_rebuilds_the_rollups_an_evaluation_left_behind(self, overdue):
        from compliance.models import StaleRollup

        now = at(overdue.registration_due_on + timedelta(days=3))
        scan_projects(now=now)
        register(overdue, on=now.date())
        evaluate_marked_projects(now=now + timedelta(seconds=5))
        assert StaleRollup.objects.filter(regency__code="32.75").exists()
        assert RegionDailyRollup.objects.get(regency__code="32.75").projects_covered == 0

        scan_projects(now=now + timedelta(hours=1))  # a delta scan
        assert RegionDailyRollup.objects.get(regency__code="32.75").projects_covered == 1
        assert not StaleRollup.objects.exists()

    def test_a_change_made_during_an_evaluation_keeps_its_mark(self, overdue):
        from compliance import scanning
        from projects.models import Project

        seen = list(Project.objects.filter(pk=overdue.pk).values_list("pk", "needs_evaluation_at"))
        Project.objects.filter(pk=overdue.pk).update(
            needs_evaluation_at=seen[0][1] + timedelta(seconds=1)
        )
        scanning._clear_marks(seen)
        overdue.refresh_from_db()
        assert overdue.needs_evaluation_at is not None


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_scans_on_postgresql_leave_the_same_rows_as_one(
    reference_data, contractor_a
):
    for _ in range(30):
        factories.make_project(contractor=contractor_a, spk_date=SPK)
    now = at(SPK + timedelta(days=60))
    results, errors = [], []
    barrier = threading.Barrier(2)

    def scan():
        try:
            barrier.wait()
            results.append(scan_projects(now=now))
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    opened = ComplianceFlag.objects.count()
    assert sum(r.opened for r in results) == opened
    assert ComplianceFlag.objects.values("project", "rule").distinct().count() == opened
    assert FlagEvent.objects.filter(kind="opened").count() == opened
    again = scan_projects(now=now + timedelta(minutes=1))
    assert again.opened == 0 and again.resolved == 0


@pytest.mark.services("postgres")
def test_a_sweep_on_postgresql_decides_every_rule_in_one_statement(overdue, contractor_a):
    covered = factories.make_project(contractor=contractor_a, spk_date=SPK)
    register(covered, paid=True)
    with CaptureQueriesContext(connection) as captured:
        first = scan_projects(now=at(SPK + timedelta(days=60)))
        score = ComplianceFlag.objects.get(project=overdue).exposure_score
        # The table lives until the transaction ends: a second sweep in the same one (this
        # test's) replaces it. The next day the overdue project's flag stays, rescored.
        second = scan_projects(now=at(SPK + timedelta(days=61)))
    statements = [query["sql"] for query in captured.captured_queries]
    assert sum("CREATE TEMPORARY TABLE" in sql for sql in statements) == 2
    assert {f.rule for f in open_flags(overdue)} == {Rule.UNREGISTERED}
    assert not open_flags(covered, Rule.UNREGISTERED)
    assert first.opened >= 1 and (second.opened, second.resolved) == (0, 0)
    assert ComplianceFlag.objects.get(project=overdue).exposure_score > score


def test_the_decisions_table_copies_every_column_an_opening_score_reads(reference_data):
    # A PostgreSQL sweep opens flags from ScanDecision rows (scanning.SCORE_COLUMNS): a score
    # that read another project column would fail only there. Compiled on any database.
    clock = Clock.at(at(SPK + timedelta(days=60)))
    for rule in Rule.values:
        str(ScanDecision.objects.annotate(score=_opening_score(rule, clock)).query)
    columns = {field.column for field in ScanDecision._meta.concrete_fields}
    assert columns == {"project_id", "rule", "is_violation", *SCORE_COLUMNS, "has_open_flag"}
    assert columns == set(DECISION_COLUMNS)


@pytest.mark.services("postgres")
def test_a_sweep_opens_flags_without_reading_the_flag_table_it_writes(overdue, contractor_a):
    # Planned on an empty flag table with statistics (after an ANALYZE), an INSERT that also
    # read that table could rescan it for every row while the rows it adds grow it (at 1M
    # projects: 5-6 s instead of 0.3 s for the first rule's 30,000 flags, over 10 minutes for
    # the 330,000 `unregistered` ones). The sweep reads the open flags once, into its decisions
    # table, before it writes any.
    reopened = factories.make_project(contractor=contractor_a, spk_date=SPK)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE compliance_complianceflag")
    with CaptureQueriesContext(connection) as captured:
        scan_projects(now=at(SPK + timedelta(days=60)))
        ComplianceFlag.objects.filter(project=reopened).update(
            resolved_at=at(SPK + timedelta(days=60)), resolution="staff"
        )
        second = scan_projects(now=at(SPK + timedelta(days=61)))
    statements = [query["sql"] for query in captured.captured_queries]
    openings = [sql for sql in statements if sql.lstrip().startswith("WITH new_flags")]
    assert openings
    for sql in openings:
        inserted_rows = sql.split("RETURNING")[0].split("SELECT", 1)[1]
        assert "compliance_complianceflag" not in inserted_rows
    # A flag stays open once; one resolved by staff while its gap stays opens anew.
    assert second.opened >= 1
    assert len(open_flags(overdue, Rule.UNREGISTERED)) == 1
    assert len(open_flags(reopened, Rule.UNREGISTERED)) == 1
    assert ComplianceFlag.objects.filter(project=reopened, rule=Rule.UNREGISTERED).count() == 2


@pytest.mark.services("postgres")
def test_flag_pages_keep_room_for_the_daily_rescore_on_postgresql(db):
    # Half-empty pages (migration compliance 0016): the day's rescore then updates in place.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = 'compliance_complianceflag'"
        )
        assert cursor.fetchone() == (["fillfactor=50"],)


def test_deleting_a_project_takes_its_flags_and_their_history(overdue, contractor_a):
    # The flag's project has no database constraint (compliance.models): Django's collector
    # and scanning.lock_engine_for_project_delete must leave no flag behind.
    other = factories.make_project(contractor=contractor_a, spk_date=SPK)
    scan_projects(now=at(overdue.registration_due_on + timedelta(days=3)))
    deleted = set(ComplianceFlag.objects.filter(project=overdue).values_list("pk", flat=True))
    assert deleted and FlagEvent.objects.filter(flag__in=deleted).exists()
    kept = set(ComplianceFlag.objects.filter(project=other).values_list("pk", flat=True))
    assert kept

    pk = overdue.pk
    overdue.delete()  # Django sets overdue.pk to None

    assert not ComplianceFlag.objects.filter(project_id=pk).exists()
    assert not FlagEvent.objects.filter(flag_id__in=deleted).exists()
    assert set(ComplianceFlag.objects.values_list("pk", flat=True)) == kept


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_a_project_deleted_while_a_run_opens_its_flag_leaves_no_flag_behind(
    reference_data, contractor_a
):
    """A run holds the engine lock and opens a flag after Django collected the project's
    flags: the delete waits for the lock, then takes that flag too."""
    from compliance.scanning import SCAN_LOCK_KEY

    project = factories.make_project(contractor=contractor_a, spk_date=SPK)
    project = Project.objects.get(pk=project.pk)
    locked, opened, errors = threading.Event(), threading.Event(), []

    def engine_run():
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
                locked.set()
                time.sleep(1.0)  # the delete collects (nothing yet), then waits for the lock
                ComplianceFlag.objects.create(
                    project_id=project.pk,
                    rule=Rule.UNREGISTERED,
                    severity="warning",
                    opened_at=at(SPK + timedelta(days=1)),
                )
            opened.set()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    runner = threading.Thread(target=engine_run)
    runner.start()
    assert locked.wait(10)
    pk = project.pk
    project.delete()  # Django sets project.pk to None
    assert opened.is_set()  # the delete waited for the run to commit its flag
    runner.join(30)
    assert not errors
    assert not ComplianceFlag.objects.filter(project_id=pk).exists()


def test_running_the_scan_twice_concurrently_on_any_database_never_duplicates(overdue):
    # On SQLite the IMMEDIATE transaction queues the second writer; on PostgreSQL the advisory
    # lock makes it skip. Either way the flag table holds one open flag per project and rule.
    now = at(overdue.registration_due_on + timedelta(days=2))
    scan_projects(now=now)
    scan_projects(now=now)
    assert open_flags(overdue, Rule.UNREGISTERED).count() == 1


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_beat_scheduled_scan_runs_on_a_real_worker(reference_data, contractor_a, settings):
    from celery.contrib.testing.worker import start_worker
    from django.conf import settings as live

    from config.celery import app

    factories.make_project(contractor=contractor_a, spk_date=date(2025, 1, 6))
    entry = live.CELERY_BEAT_SCHEDULE["scan-projects"]
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        app.send_task(entry["task"])
        assert wait_until(lambda: ScanRun.objects.filter(kind="full", status="finished").exists())
    assert ComplianceFlag.objects.filter(rule=Rule.UNREGISTERED).exists()


@pytest.mark.django_db(transaction=True)
def test_a_change_nudges_a_real_worker_which_evaluates_the_project(
    reference_data, contractor_a, settings
):
    from celery.contrib.testing.worker import start_worker

    from config.celery import app

    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = True
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        project = factories.make_project(contractor=contractor_a, spk_date=date(2025, 1, 6))
        assert wait_until(
            lambda: ComplianceFlag.objects.filter(project=project, rule=Rule.UNREGISTERED).exists()
        )
    project.refresh_from_db()
    assert project.needs_evaluation_at is None


def test_a_run_repeated_with_the_same_clock_logs_each_opening_once(contractor_a):
    first = factories.make_project(contractor=contractor_a, spk_date=SPK)
    now = at(first.registration_due_on + timedelta(days=2))
    scan_projects(now=now)
    factories.make_project(contractor=contractor_a, spk_date=SPK)  # something new to open
    scan_projects(now=now)
    for flag in ComplianceFlag.objects.all():
        assert flag.events.filter(kind="opened").count() == 1
