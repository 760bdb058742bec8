"""The compliance engine: turn the rules' project sets into flags, set-based.

A scan is a fixed number of SQL statements per rule, whatever the number of projects: flags are
opened with INSERT … SELECT, moved and resolved with UPDATE … WHERE (NOT) EXISTS, and every
transition is written as a FlagEvent by INSERT … SELECT over the same condition, before the
change, in the same transaction. It is idempotent (a flag opens only where none is open for
the project and rule, and compliance_flag_one_open_per_rule guards that) and serialised:
PostgreSQL takes a transaction-level advisory lock (a full scan waits for it up to
SCAN_LOCK_WAIT, an incremental pass skips at once, deleting a project waits for it:
lock_engine_for_project_delete); SQLite's IMMEDIATE transactions queue writers.
"""

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import OperationalError, connection, connections, transaction
from django.db.models import (
    BigIntegerField,
    Case,
    DateField,
    DateTimeField,
    Exists,
    F,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Ceil, Coalesce, Greatest, Least, TruncDate
from django.utils import timezone

from projects.models import MAX_PLANNED_WORKFORCE, Project

from . import rules
from .decisions import decision_rows
from .flag_version import flags_changed
from .models import ComplianceFlag, FlagEvent, ScanDecision, ScanRun, StaleRollup

logger = logging.getLogger(__name__)

Flag = ComplianceFlag
Event = FlagEvent.Kind
SCAN_LOCK_KEY = 0x5A4A4B4E  # "ZJKN": one engine write at a time
# How long a full scan waits for the engine lock before it skips. A scan whose worker process
# was killed (OOM, SIGKILL) is redelivered within a second, while the dead process's session
# still holds the lock until PostgreSQL notices, at the end of the statement it was running
# (seconds at a million projects): skipping at once would drop the scan until the next beat.
SCAN_LOCK_WAIT = timedelta(minutes=2)
# The exposure score counts days overdue up to a century: a due date further back is a typo in
# the dates. With the weight at most 10^13 (weight_expression) the score stays below
# 10^13 × 36,525 ≈ 3.7 × 10^17, well within a bigint (9.2 × 10^18); uncapped, a due date typed
# in year 202 would overflow it (PostgreSQL fails the scan, SQLite clamps the score).
MAX_EXPOSURE_DAYS = 36_525


@dataclass(frozen=True)
class ScanResult:
    scanned: int = 0
    opened: int = 0
    resolved: int = 0
    escalated: int = 0
    open_total: int | None = 0  # None: an incremental run, which does not count them
    skipped: bool = False
    run_id: int | None = None

    def as_json(self) -> dict:
        data = asdict(self)
        return {k: data[k] for k in ("scanned", "opened", "resolved", "escalated", "open_total")}


class DaysBetween(Func):
    """Whole days from `start` to `end` (dates). PostgreSQL subtracts dates; SQLite uses
    julianday()."""

    arity = 2
    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.source_expressions)
        return f"({end[0]} - {start[0]})", [*end[1], *start[1]]

    def as_sqlite(self, compiler, connection, **extra):
        end, start = (compiler.compile(e) for e in self.source_expressions)
        return (
            f"CAST(julianday({end[0]}) - julianday({start[0]}) AS INTEGER)",
            [*end[1], *start[1]],
        )


def insert_from_select(model, columns: list[str], queryset: QuerySet) -> int:
    """INSERT INTO model (columns) SELECT …, from an ORM queryset whose values_list() yields
    the columns in order. One statement; rows never travel to Python.

    No ON CONFLICT: the callers select only rows that cannot conflict (new events; flags whose
    project has none open for the rule, under the engine lock), and a unique constraint that
    still fired means a bug, which must fail the run rather than be skipped in silence. At 1M
    projects ON CONFLICT cost 2.5-3 s of the first scan's `unregistered` INSERT (speculative
    insertion: every row probes each unique index first; bench/README.md)."""
    select_sql, params = queryset.query.sql_with_params()
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "
        f"{select_sql}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def _events_from(flags: QuerySet, kind: str, clock: rules.Clock, run: ScanRun | None, **details):
    """Write one FlagEvent per flag of `flags` (before the transition changes them)."""
    return insert_from_select(
        FlagEvent,
        ["flag_id", "kind", "at", "note", "details", "scan_run_id"],
        flags.order_by().values_list(
            "pk",
            Value(kind),
            Value(clock.now, output_field=DateTimeField()),
            Value(""),
            Value(details, output_field=JSONField()),
            Value(run.pk if run else None, output_field=IntegerField()),
        ),
    )


def _open_flags(rule: str, project_ids) -> QuerySet:
    flags = Flag.objects.filter(rule=rule, resolved_at__isnull=True)
    if project_ids is not None:
        flags = flags.filter(project_id__in=project_ids)
    return flags


def _with_event(flags: QuerySet, run: ScanRun | None, kind: str, **details) -> QuerySet:
    """The flags of `flags` that got a `kind` event (with these details) in `run`."""
    events = FlagEvent.objects.filter(scan_run=run, kind=kind)
    if details:
        events = events.filter(**{f"details__{key}": value for key, value in details.items()})
    return flags.filter(pk__in=events.values("flag_id"))


def weight_expression(prefix: str = ""):
    """A project's weight in the exposure score: its value in millions (rounded up) × its
    workforce (the planned one, else one worker per PANTAU_RUPIAH_PER_ESTIMATED_WORKER, at
    most MAX_PLANNED_WORKFORCE like a planned one). At most 10^8 × 10^5 = 10^13
    (projects_project_base_value_max, projects_project_workforce_max)."""
    per_worker = settings.PANTAU_RUPIAH_PER_ESTIMATED_WORKER
    value = F(f"{prefix}current_base_value")
    estimate = Least(
        Greatest(Cast(value / Value(per_worker), BigIntegerField()), 1), MAX_PLANNED_WORKFORCE
    )
    workforce = Coalesce(f"{prefix}planned_workforce", estimate, output_field=BigIntegerField())
    return Cast(Ceil(value / Value(Decimal(1_000_000))) * workforce, BigIntegerField())


def exposure_days(days):
    """Days overdue as the score counts them: at least 1, at most MAX_EXPOSURE_DAYS."""
    return Least(Greatest(days, 1), MAX_EXPOSURE_DAYS)


def exposure_expression(clock: rules.Clock):
    """Exposure = uncovered value in millions × days overdue × workforce, so offices work the
    riskiest first. Days: since the registration due date for unregistered/rejected, since the
    flag opened otherwise; warnings score 0. (For a flag row joined to its project; _opening_score
    is the same for a flag the INSERT opens.)"""
    today = Value(clock.today, output_field=DateField())
    days = Case(
        When(severity=Flag.Severity.WARNING, then=Value(0)),
        When(
            rule__in=[Flag.Rule.UNREGISTERED, Flag.Rule.REJECTED],
            then=exposure_days(DaysBetween(today, F("project__registration_due_on"))),
        ),
        default=exposure_days(DaysBetween(today, TruncDate("opened_at"))),
        output_field=IntegerField(),
    )
    return Cast(weight_expression("project__") * days, BigIntegerField())


def _opening_score(rule: str, clock: rules.Clock):
    """exposure_expression() for a flag this run opens, read straight from the row that opens it
    (the rule's project row, or on a PostgreSQL sweep its ScanDecision row, which copies
    SCORE_COLUMNS): opened today, so one day unless it is an unregistered/rejected one."""
    if rule in (Flag.Rule.UNREGISTERED, Flag.Rule.REJECTED):
        today = Value(clock.today, output_field=DateField())
        days = exposure_days(DaysBetween(today, F("registration_due_on")))
    else:
        days = Value(1)
    return Case(
        When(is_violation=True, then=Cast(weight_expression() * days, BigIntegerField())),
        default=Value(0),
        output_field=BigIntegerField(),
    )


@dataclass(frozen=True)
class RuleNeeds:
    """For one rule, the projects each step of apply_rule must change (plan_rules)."""

    resolve: tuple[int, ...] = ()
    worse: tuple[int, ...] = ()  # warning -> violation
    better: tuple[int, ...] = ()  # violation -> warning
    open: tuple[int, ...] = ()

    def any(self) -> bool:
        return bool(self.resolve or self.worse or self.better or self.open)


def plan_rules(clock: rules.Clock, project_ids) -> tuple[dict[str, RuleNeeds], bool, bool]:
    """For a few projects (the incremental path, a delta scan): one statement says which rules
    hold and how badly (the rules' querysets in one UNION ALL, compiled once per process:
    compliance.decisions), one more reads the projects' open flags; the difference is what
    apply_rule must change, so it builds and runs only the statements that change something. Returns the needs per rule, and whether escalate() and
    rescore() have flags that stay open to look at."""
    holds = {
        (pk, rule): is_violation for pk, rule, is_violation in decision_rows(clock, project_ids)
    }
    flagged = {
        (pk, rule): severity == Flag.Severity.VIOLATION
        for pk, rule, severity in Flag.objects.filter(
            project_id__in=project_ids, resolved_at__isnull=True
        ).values_list("project_id", "rule", "severity")
    }
    steps = {rule: {"resolve": [], "worse": [], "better": [], "open": []} for rule in rules.RULES}
    for (pk, rule), violation in flagged.items():
        if (pk, rule) not in holds:
            steps[rule]["resolve"].append(pk)
        elif holds[pk, rule] != violation:
            steps[rule]["worse" if holds[pk, rule] else "better"].append(pk)
    for pk, rule in holds.keys() - flagged.keys():
        steps[rule]["open"].append(pk)
    needs = {
        rule: RuleNeeds(**{step: tuple(sorted(ids)) for step, ids in lists.items()})
        for rule, lists in steps.items()
    }
    staying = holds.keys() & flagged.keys()
    # Letters come due for violations that stay open or that a warning becomes.
    escalating = any(rule in rules.ESCALATING and holds[pk, rule] for pk, rule in staying)
    return needs, escalating, bool(staying)


def apply_rule(
    rule: str,
    clock: rules.Clock,
    run: ScanRun | None,
    project_ids=None,
    *,
    needs: RuleNeeds | None = None,
    decided: bool = False,
    flagged: bool = True,
) -> tuple:
    """Bring the open flags of one rule in line with its condition; returns (opened, resolved,
    letters due). With `needs` (plan_rules), each step changes exactly the planned projects
    and the rule's queryset is built only to open flags. `decided`: a sweep that found where
    the rule holds already (materialize_decisions); its steps read that. `flagged` False: a
    sweep that found no open flag of the rule, so it only opens them.

    A violation opens with its exposure score and letter I due today (escalate() would say so
    in the same run), which its 'opened' event records, so nothing UPDATEs it again."""
    open_flags = _open_flags(rule, project_ids)
    warnings = open_flags.filter(severity=Flag.Severity.WARNING)
    violations = open_flags.filter(severity=Flag.Severity.VIOLATION)
    # The project's id in the rows the rule holds for.
    project = "project_id" if decided else "pk"
    if needs is None:
        holds = rules.RULES[rule](clock, project_ids)
        # A rule of one severity (is_violation a constant) can move only towards it.
        fixed = holds.query.annotations["is_violation"]
        fixed = fixed.value if isinstance(fixed, Value) else None
        if decided:
            holds = ScanDecision.objects.filter(rule=rule)
        gone = worse = better = None
        if flagged:
            holding = holds.filter(**{project: OuterRef("project_id")})
            gone = open_flags.exclude(Exists(holding))
            if fixed is not False:
                worse = warnings.filter(Exists(holding.filter(is_violation=True)))
            if fixed is not True:
                better = violations.filter(Exists(holding.filter(is_violation=False)))
    else:
        gone = open_flags.filter(project_id__in=needs.resolve) if needs.resolve else None
        worse = warnings.filter(project_id__in=needs.worse) if needs.worse else None
        better = violations.filter(project_id__in=needs.better) if needs.better else None

    def moved(kind: str, flags: QuerySet, **details) -> QuerySet:
        """After their events: the flags that got one in this run (an index lookup on this
        run's events), or the condition again when there is no run to look events up by."""
        return flags if run is None else _with_event(open_flags, run, kind, **details)

    # Resolve: the condition stopped holding (or the project finished). The 'being handled'
    # mark clears with it.
    resolved = 0
    if gone is not None and _events_from(gone, Event.RESOLVED, clock, run, resolution="auto"):
        resolved = moved(Event.RESOLVED, gone, resolution="auto").update(
            resolved_at=clock.now,
            resolution=Flag.Resolution.AUTO,
            handling_since=None,
            letter_due_step=0,
            next_letter_due_on=None,
        )

    # Severity in place: warning -> violation records violation_since; back to warning is rare
    # (a due date moved by a new holiday) and keeps the history in events.
    if worse is not None and _events_from(
        worse, Event.SEVERITY_CHANGED, clock, run, severity="violation"
    ):
        moved(Event.SEVERITY_CHANGED, worse, severity="violation").filter(
            severity=Flag.Severity.WARNING
        ).update(severity=Flag.Severity.VIOLATION, violation_since=clock.now)
    if better is not None and _events_from(
        better, Event.SEVERITY_CHANGED, clock, run, severity="warning"
    ):
        moved(Event.SEVERITY_CHANGED, better, severity="warning").filter(
            severity=Flag.Severity.VIOLATION
        ).update(severity=Flag.Severity.WARNING, letter_due_step=0, next_letter_due_on=None)

    if needs is not None:
        if not needs.open:
            return 0, resolved, 0
        holds = rules.RULES[rule](clock, needs.open)
    # Open: the condition holds and no flag is open for it. A returning condition opens a new
    # flag; the resolved one stays as history. The engine lock keeps another run from opening
    # the same flag between the read and the write (insert_from_select). A sweep read the open
    # flags when it wrote its decisions: the INSERT must not read the table it writes, which
    # PostgreSQL may plan as a nested loop that rescans it for every row while the rows the
    # statement adds grow it. That plan came when the table was empty at its last ANALYZE: at
    # 1M projects the first rule's 30,000 flags took 5-6 s instead of 0.3 s, and `unregistered`
    # planned so ran for over 10 minutes before it was stopped.
    if decided:
        new = holds.filter(has_open_flag=False)
    else:
        new = holds.exclude(
            Exists(
                Flag.objects.filter(project=OuterRef(project), rule=rule, resolved_at__isnull=True)
            )
        )
    now = Value(clock.now, output_field=DateTimeField())
    escalates = rule in rules.ESCALATING
    opener = (
        open_flags_with_events if connection.vendor == "postgresql" else _open_flags_then_events
    )
    opened, letters = opener(
        rule,
        [
            "project_id",
            "rule",
            "severity",
            "opened_at",
            "violation_since",
            "resolution",
            "resolution_reason",
            "waiver_reason",
            "handling_note",
            "escalation_step",
            "letter_due_step",
            "next_letter_due_on",
            "exposure_score",
            "details",
        ],
        new.order_by().values_list(
            project,
            Value(rule),
            Case(
                When(is_violation=True, then=Value(Flag.Severity.VIOLATION.value)),
                default=Value(Flag.Severity.WARNING.value),
            ),
            now,
            Case(
                When(is_violation=True, then=now), default=Value(None), output_field=DateTimeField()
            ),
            Value(""),
            Value(""),
            Value(""),
            Value(""),
            Value(0),
            # escalate(): letter I is due from the day the violation starts.
            Case(
                When(is_violation=True, then=Value(Flag.Step.LETTER_1 if escalates else 0)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            Case(
                When(is_violation=True, then=Value(clock.today, output_field=DateField())),
                default=Cast(Value(None), DateField()),
                output_field=DateField(),
            )
            if escalates
            else Cast(Value(None), DateField()),
            _opening_score(rule, clock),
            Value({}, output_field=JSONField()),
        ),
        clock=clock,
        run=run,
        project_ids=project_ids,
    )
    return opened, resolved, letters


OPENING_COLUMNS = ["flag_id", "kind", "at", "note", "details", "scan_run_id"]


def open_flags_with_events(
    rule: str, columns: list[str], rows: QuerySet, *, clock, run, project_ids
) -> tuple[int, int]:
    """PostgreSQL: insert the new flags and, from the rows the INSERT returns, their 'opened'
    events, in ONE statement (data-modifying CTEs): no second pass over the flag table to find
    what was just inserted. A violation that opens with letter I due says so in its 'opened'
    event (details.letter_due_step): one event for one transition, not a second row per flag.
    Returns (opened, letters due)."""
    select_sql, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    # Table and column names are quoted; every value is a parameter.
    sql = f"""
        WITH new_flags AS (
            INSERT INTO {quote(Flag._meta.db_table)} ({", ".join(quote(c) for c in columns)})
            {select_sql} RETURNING id, letter_due_step
        ), new_events AS (
            INSERT INTO {quote(FlagEvent._meta.db_table)}
                ({", ".join(quote(c) for c in OPENING_COLUMNS)})
            SELECT id, %s, %s::timestamptz, '',
                CASE WHEN letter_due_step > 0
                THEN jsonb_build_object('letter_due_step', letter_due_step)
                ELSE '{{}}'::jsonb END,
                %s::integer
            FROM new_flags
        )
        SELECT count(*), count(*) FILTER (WHERE letter_due_step > 0) FROM new_flags
    """  # noqa: S608
    run_id = run.pk if run else None
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, Event.OPENED.value, clock.now, run_id])
        opened, letters = cursor.fetchone()
    return opened, letters


def _open_flags_then_events(
    rule: str, columns: list[str], rows: QuerySet, *, clock, run, project_ids
) -> tuple[int, int]:
    """Other databases: insert the flags, then find them again for their 'opened' events (with
    letter I due for the violations of an escalating rule, as on PostgreSQL)."""
    opened = insert_from_select(Flag, columns, rows)
    letters = 0
    if opened:
        # The flags this run inserted: opened at its instant and without an 'opened' event yet
        # (a run repeated with the same clock must not log earlier flags again).
        just_opened = _open_flags(rule, project_ids).filter(opened_at=clock.now)
        just_opened = just_opened.exclude(
            Exists(FlagEvent.objects.filter(flag=OuterRef("pk"), kind=Event.OPENED))
        )
        letter_due = Q(letter_due_step__gt=0)
        if rule in rules.ESCALATING:
            letters = _events_from(
                just_opened.filter(letter_due),
                Event.OPENED,
                clock,
                run,
                letter_due_step=Flag.Step.LETTER_1.value,
            )
        _events_from(just_opened.exclude(letter_due), Event.OPENED, clock, run)
    return opened, letters


def escalate(clock: rules.Clock, run: ScanRun | None, project_ids=None) -> int:
    """Say which warning letter is due (domain.md part 0, PP 86/2013): letter I when a violation
    opens; the next ones follow from recorded letters (services.record_warning_letter). The
    engine never advances the step itself. Returns how many letters became due in this run
    (violations this run opened carry letter I already: apply_rule counts those)."""
    violations = Flag.objects.filter(
        rule__in=rules.ESCALATING,
        resolved_at__isnull=True,
        severity=Flag.Severity.VIOLATION,
        waived_at__isnull=True,
    )
    if project_ids is not None:
        violations = violations.filter(project_id__in=project_ids)
    violations.filter(escalation_step=0, next_letter_due_on__isnull=True).update(
        next_letter_due_on=TruncDate("violation_since")
    )
    # Waiting for a letter: none due now (compliance_flag_letter_due_is_next), written as the
    # column comparison of the partial index flag_letter_waiting.
    became_due = violations.filter(
        next_letter_due_on__lte=clock.today,
        escalation_step__lt=Flag.Step.SANCTION,
        letter_due_step__lte=F("escalation_step"),
    )
    if not _events_from(became_due, Event.LETTER_DUE, clock, run):
        return 0
    due_now = became_due if run is None else _with_event(became_due, run, Event.LETTER_DUE)
    return due_now.update(letter_due_step=F("escalation_step") + 1)


def rescore(clock: rules.Clock, project_ids=None, *, run: ScanRun | None = None) -> None:
    """Recompute the exposure score of open flags. A full scan recomputes every flag once a day
    (the days overdue grow daily); a later full scan the same day only the flags whose severity
    it changed (flags open with their score: apply_rule). A project edit marks the project, and
    the incremental path rescores its flags."""
    flags = Flag.objects.filter(resolved_at__isnull=True)
    if project_ids is not None:
        flags = flags.filter(project_id__in=project_ids)
    elif run is not None and _rescored_today(clock, run):
        flags = _with_event(flags, run, Event.SEVERITY_CHANGED)
    elif run is not None:
        # Flags opened today carry today's score already (apply_rule).
        changed = FlagEvent.objects.filter(scan_run=run, kind=Event.SEVERITY_CHANGED)
        flags = flags.filter(
            Q(opened_at__lt=_start_of_day(clock)) | Q(pk__in=changed.values("flag_id"))
        )
    # UPDATE … FROM the flags joined to their projects (one hash join; Django's update() cannot
    # join, and a subquery per flag and column took 25-40 % longer for a day's ~420,000 at 1M
    # projects). SQLite has UPDATE … FROM too (3.33).
    scored = (
        flags.annotate(score=exposure_expression(clock))
        .exclude(exposure_score=F("score"))
        .order_by()
        .values_list("pk", "score")
    )
    select_sql, params = scored.query.sql_with_params()
    table = connection.ops.quote_name(Flag._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET exposure_score = scored.score FROM ({select_sql}) AS scored "  # noqa: S608
            f"WHERE {table}.id = scored.pk",
            params,
        )


def _start_of_day(clock: rules.Clock) -> datetime:
    return timezone.make_aware(
        datetime.combine(clock.today, time.min), timezone.get_current_timezone()
    )


def _rescored_today(clock: rules.Clock, run: ScanRun) -> bool:
    """Whether a full scan finished earlier the same day (and so rescored every flag)."""
    return (
        ScanRun.objects.filter(
            kind=ScanRun.Kind.FULL,
            status=ScanRun.Status.FINISHED,
            started_at__gte=_start_of_day(clock),
            started_at__lte=clock.now,
        )
        .exclude(pk=run.pk)
        .exists()
    )


def _take_lock(*, wait: timedelta = timedelta(0)) -> bool:
    """One engine write at a time. PostgreSQL: False when another holds the lock for longer
    than `wait`. SQLite: the IMMEDIATE transaction already holds the database's write lock."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        if not wait:
            cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
            return cursor.fetchone()[0]
        cursor.execute(
            "SELECT set_config('lock_timeout', %s, true)", [f"{wait.total_seconds():.0f}s"]
        )
        try:
            with transaction.atomic():  # a savepoint: a timeout must not abort the transaction
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
        except OperationalError as error:
            if getattr(error.__cause__, "sqlstate", None) != "55P03":  # lock_not_available
                raise
            return False
        finally:
            cursor.execute("SELECT set_config('lock_timeout', '0', true)")
    return True


def lock_engine_for_project_delete(sender, instance, using, **kwargs) -> None:
    """pre_delete of a project (connected in compliance.apps). ComplianceFlag.project has no
    database constraint (see the model), and the engine lock stands in for it: while the
    deleting transaction holds the lock no run can open a flag for the project, and the flags a
    run opened after Django collected the project's (a run that committed in between) go too."""
    connection = connections[using]
    if connection.vendor == "postgresql":  # SQLite: the IMMEDIATE transaction is the lock
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [SCAN_LOCK_KEY])
    Flag.objects.using(using).filter(project=instance).delete()


def _evaluate(
    clock: rules.Clock, run: ScanRun | None, project_ids=None, *, escalate_all: bool = False
) -> tuple[int, int, int]:
    opened = resolved = escalated = 0
    nothing = project_ids is not None and not project_ids  # a delta scan with no candidates
    # A sweep on PostgreSQL finds where every rule holds in one statement first.
    decided = project_ids is None and connection.vendor == "postgresql"
    if decided:
        materialize_decisions(clock)
    # A few projects: plan which statements can change anything (plan_rules).
    needs, escalating, staying = None, True, True
    if project_ids is not None and not nothing:
        needs, escalating, staying = plan_rules(clock, project_ids)
    # A sweep: the rules with open flags. Only those have flags to resolve, move, escalate or
    # rescore: a first scan only opens (each of those statements read the flag table, 0.5 s
    # of nothing at 1M projects). Only the engine opens flags, under its lock.
    flagged = set(rules.RULES)
    if project_ids is None:
        flagged = set(Flag.objects.open().order_by().values_list("rule", flat=True).distinct())
        escalating = staying = bool(flagged)
    # `rejected` before `unregistered`, so a project moving between them swaps in one run.
    for rule in [Flag.Rule.REJECTED, *[r for r in rules.RULES if r != Flag.Rule.REJECTED]]:
        rule_needs = None if needs is None else needs[rule]
        if nothing or (rule_needs is not None and not rule_needs.any()):
            continue
        rule_opened, rule_resolved, letters = apply_rule(
            rule,
            clock,
            run,
            project_ids,
            needs=rule_needs,
            decided=decided,
            flagged=rule in flagged,
        )
        opened += rule_opened
        resolved += rule_resolved
        escalated += letters
    # A delta scan: letters come due by date on any project (the 10 days after a letter).
    # Violations this run opened carry their letter I already.
    if escalate_all or escalating:
        escalated += escalate(clock, run, None if escalate_all else project_ids)
    if not nothing and staying:
        rescore(clock, project_ids, run=run)
    return opened, resolved, escalated


# The project columns the exposure score of a flag the sweep opens reads (_opening_score).
SCORE_COLUMNS = ("registration_due_on", "current_base_value", "planned_workforce")
# ScanDecision's columns, in the order of rules.decisions(columns=SCORE_COLUMNS,
# with_open_flag=True).
DECISION_COLUMNS = ("project_id", "rule", "is_violation", *SCORE_COLUMNS, "has_open_flag")


def materialize_decisions(clock: rules.Clock) -> None:
    """PostgreSQL, a sweep: where each rule holds, for every project, into the temporary table
    of ScanDecision, dropped when the scan's transaction ends. The rules' UNION ALL is one
    read-only statement, which PostgreSQL can run in parallel (CREATE TABLE AS), unlike the
    INSERTs that write flags. Then every step of apply_rule (resolve, worse, better, open) joins
    this table instead of computing the rule's condition again: a sweep computes each condition
    once, not up to four times.

    It also records whether each project had an open flag of the rule (has_open_flag), which
    the opening step reads instead of the flag table it writes into.

    So every step sees the rules and the open flags as they stood when the table was written,
    seconds before the step (before, each step read them anew). A registration committed
    meanwhile can still get its project flagged; its stamp is later than the sweep's start, so
    the next delta scan or incremental pass resolves that flag. (Only the engine opens and
    resolves flags. A flag resolved by hand during a sweep while its gap remains would open
    again at the next sweep, not in this one.)"""
    decisions = rules.decisions(clock, columns=SCORE_COLUMNS, with_open_flag=True)
    select_sql, params = decisions.query.sql_with_params()
    table = f"pg_temp.{connection.ops.quote_name(ScanDecision._meta.db_table)}"
    with connection.cursor() as cursor:
        # A second sweep in one transaction (tests) finds the first one's table. (After a DROP
        # psycopg forgets the connection's prepared statements: once per sweep, in a worker.)
        cursor.execute(f"DROP TABLE IF EXISTS {table}")
        # Each rule gathers its rows from the parallel workers at a tenth of the planner's
        # default cost (0.1 a row), which is closer to what it costs here: at the default the
        # `unregistered` rule's ~330,000 rows kept it on one core (1.3 s against 0.7 s on two
        # at 1M projects). For this statement only.
        cursor.execute("SELECT current_setting('parallel_tuple_cost')")
        (default_cost,) = cursor.fetchone()
        cursor.execute("SELECT set_config('parallel_tuple_cost', '0.01', true)")
        cursor.execute(
            f"CREATE TEMPORARY TABLE {table} ({', '.join(DECISION_COLUMNS)}) ON COMMIT DROP "
            f"AS {select_sql}",
            params,
        )
        cursor.execute("SELECT set_config('parallel_tuple_cost', %s, true)", [default_cost])
        # Temporary tables get no statistics from autovacuum: the joins need them.
        cursor.execute(f"ANALYZE {table}")


def _tune_for_bulk() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Keep the anti-joins of a million rows in memory (perf notes: 4 MB spills to disk).
            cursor.execute("SET LOCAL work_mem = '64MB'")
            # JIT compiles each big statement for 0.2-1 s, more than it saves here.
            cursor.execute("SET LOCAL jit = off")


# A full scan sweeps every project when the last sweep is this many hours old or from an
# earlier day (the first scan of each day rescores every flag and rebuilds every rollup);
# otherwise it evaluates only the projects that changed or crossed a date threshold since the
# previous scan (_changed_since). 0: every full scan sweeps.
FULL_SWEEP_HOURS = 24
# A delta scan reads changes from slightly before the previous scan started: a transaction
# that stamped its rows before that scan's snapshot but committed after it is seen again.
DELTA_SLACK = timedelta(minutes=10)
# More candidates than this: sweep instead (a long gap between scans, a bulk import; every
# statement carries the ids, which costs more than a sweep beyond a few thousand).
DELTA_MAX_PROJECTS = 2_000


def _previous_scans(clock: rules.Clock) -> tuple[ScanRun | None, ScanRun | None]:
    """The latest finished full or delta scan, and the latest finished sweep, before now."""
    finished = ScanRun.objects.filter(
        status=ScanRun.Status.FINISHED, started_at__lte=clock.now
    ).order_by("-started_at", "-pk")
    previous = finished.filter(kind__in=[ScanRun.Kind.FULL, ScanRun.Kind.DELTA]).first()
    sweep = finished.filter(kind=ScanRun.Kind.FULL).first()
    return previous, sweep


def _delta_candidates(clock: rules.Clock) -> list[int] | None:
    """The projects a delta scan must evaluate, or None when a sweep is due (see
    FULL_SWEEP_HOURS). Every input of a rule either changed since the previous scan (rows
    stamped after it, projects marked for evaluation) or is a date the clocks of the previous
    scan and of this one put on different sides of a threshold. Tariffs, holidays and settings
    are not inputs tracked here: a change to them waits for the next sweep (the next day)."""
    hours = getattr(settings, "PANTAU_FULL_SWEEP_HOURS", FULL_SWEEP_HOURS)
    previous, sweep = _previous_scans(clock)
    if (
        hours <= 0
        or previous is None
        or sweep is None
        or sweep.started_at < clock.now - timedelta(hours=hours)
        or timezone.localdate(sweep.started_at) != clock.today
    ):
        return None
    from projects.models import Amendment
    from workers.models import Enrollment

    from .models import Payment, Registration

    since = previous.started_at - DELTA_SLACK
    before = rules.Clock.at(previous.started_at)
    registrations = Registration.objects.filter(
        Q(updated_at__gte=since)
        # rejected: the grace period ran out between the two scans
        | Q(
            status=Registration.Status.REJECTED,
            verified_at__gt=before.rejected_before,
            verified_at__lte=clock.rejected_before,
        )
        # coverage_gap: the coverage lapsed between the two scans
        | Q(coverage_end__gte=before.today, coverage_end__lt=clock.today)
        # unverified: the wait passed the threshold between the two scans
        | Q(
            status=Registration.Status.SUBMITTED,
            created_at__gte=before.unverified_created_before,
            created_at__lt=clock.unverified_created_before,
        )
    ).values("project_id")
    paid = Payment.objects.filter(created_at__gte=since).values("registration__project_id")
    if clock.now < previous.started_at:
        return None  # a clock going back: thresholds in reverse are not tracked
    # One part per source, each read through its own index (the *_updated/created, *_start,
    # *_due_on and coverage indexes), in a UNION. As one OR over the projects, PostgreSQL read
    # every project and every registration twice: 0.9-1.7 s at 1M projects, every hour.
    parts = [
        Project.objects.filter(
            Q(updated_at__gte=since)
            | Q(needs_evaluation_at__isnull=False)
            # unregistered: a due date entered the warning horizon, or passed
            | Q(
                registration_due_on__gt=before.warn_horizon,
                registration_due_on__lte=clock.warn_horizon,
            )
            | Q(registration_due_on__gte=before.today, registration_due_on__lt=clock.today)
            # no_workers: running long enough since the previous scan
            | Q(
                start_date__gt=before.no_workers_started_by,
                start_date__lte=clock.no_workers_started_by,
            )
        ).values_list("pk"),
        registrations.values_list("project_id"),
        paid.values_list("registration__project_id"),
        # a subcontract is covered by its main project's registration
        Project.objects.filter(parent_id__in=registrations).values_list("pk"),
        Project.objects.filter(parent_id__in=paid).values_list("pk"),
        Enrollment.objects.filter(updated_at__gte=since).values_list("project_id"),
        Amendment.objects.filter(created_at__gte=since).values_list("project_id"),
    ]
    parts = [part.order_by() for part in parts]
    changed = parts[0].union(*parts[1:]).order_by()
    ids = [pk for (pk,) in changed[: DELTA_MAX_PROJECTS + 1]]
    return None if len(ids) > DELTA_MAX_PROJECTS else ids


def scan_projects(*, now: datetime | None = None) -> ScanResult:
    """Full scan: evaluate every rule for every project (a sweep), or only for the projects
    that changed or crossed a date threshold since the previous scan (a delta, between the
    sweeps: _delta_candidates); resolve what closed; say which letters are due; recompute
    exposure and the regional rollups.

    Set-based (a few statements per rule, whatever the number of projects) and idempotent: a
    second or concurrent run changes nothing (the engine lock, then the open flags it finds).
    """
    from .notifications import queue_scan_notifications
    from .rollups import refresh_rollups

    now = now or timezone.now()
    clock = rules.Clock.at(now)
    run = ScanRun.objects.create(kind=ScanRun.Kind.FULL, started_at=now)
    try:
        with transaction.atomic():
            # This run's own row stays locked until it ends: while it waits for the engine lock,
            # a run that took the lock first can tell it is alive (_close_interrupted_runs).
            list(ScanRun.objects.select_for_update().filter(pk=run.pk).values_list("pk"))
            if not _take_lock(wait=SCAN_LOCK_WAIT):
                ScanRun.objects.filter(pk=run.pk).update(
                    status=ScanRun.Status.SKIPPED, finished_at=timezone.now()
                )
                return ScanResult(skipped=True, run_id=run.pk)
            _tune_for_bulk()
            ids = _delta_candidates(clock)
            # Rollups queued by incremental runs are rebuilt here too (they committed before
            # this run took the lock).
            stale = StaleRollup.objects.all()
            if ids is None:
                scanned = Project.objects.count()
                opened, resolved, escalated = _evaluate(clock, run)
                refresh_rollups(clock.today)
            else:
                run.kind = ScanRun.Kind.DELTA
                ScanRun.objects.filter(pk=run.pk).update(kind=run.kind)
                scanned = len(ids)
                opened, resolved, escalated = _evaluate(clock, run, ids, escalate_all=True)
                regions = _touched_regions(run, ids)
                regions.update(stale.values_list("regency_id", flat=True))
                refresh_rollups(clock.today, regency_ids=regions)
            stale.delete()
            queue_scan_notifications(run=run, clock=clock)
            open_total = Flag.objects.filter(resolved_at__isnull=True).count()
            result = ScanResult(scanned, opened, resolved, escalated, open_total, run_id=run.pk)
            _close_interrupted_runs(run)
            _finish(run, result)
    except Exception as error:
        ScanRun.objects.filter(pk=run.pk).update(
            status=ScanRun.Status.FAILED, finished_at=timezone.now(), error=repr(error)[:2000]
        )
        raise
    return result


def _close_interrupted_runs(run: ScanRun) -> None:
    """Earlier full scans still 'running' while this one holds the engine lock died with their
    worker process (a SIGKILL leaves no chance to record it; their transaction rolled back).

    A run still waiting for the engine lock is alive: it holds a lock on its own row, which
    SKIP LOCKED passes by (two scans sent at once used to close the one that started first but
    got the lock second). Called at the end of this run, not the start, so another run caught
    between writing its row and locking it (one statement) has long since locked it. On SQLite a
    waiting run holds nothing (the embedded default runs one worker)."""
    interrupted = list(
        ScanRun.objects.select_for_update(skip_locked=True)
        .filter(
            kind__in=[ScanRun.Kind.FULL, ScanRun.Kind.DELTA],
            status=ScanRun.Status.RUNNING,
            started_at__lt=run.started_at,
        )
        .values_list("pk", flat=True)
    )
    ScanRun.objects.filter(pk__in=interrupted).update(
        status=ScanRun.Status.FAILED,
        finished_at=timezone.now(),
        error="Interrupted: the worker process stopped during the run; nothing was kept.",
    )


def _touched_regions(run: ScanRun, ids: list[int]) -> set[int]:
    """The kab/kota of the evaluated projects and of every flag the run changed (escalate()
    reaches beyond them)."""
    regions = set(Project.objects.filter(pk__in=ids).values_list("regency_id", flat=True))
    regions.update(
        FlagEvent.objects.filter(scan_run=run)
        .values_list("flag__project__regency_id", flat=True)
        .distinct()
    )
    return regions


def evaluate_marked_projects(
    *, now: datetime | None = None, limit: int | None = None
) -> ScanResult:
    """Incremental path: evaluate only projects marked needs_evaluation_at, then clear the marks
    that were seen (compare-and-set: a change arriving meanwhile keeps its mark)."""
    from .notifications import queue_scan_notifications
    from .rollups import mark_rollups_stale

    now = now or timezone.now()
    limit = limit or settings.PANTAU_INCREMENTAL_BATCH
    marked = list(
        Project.objects.filter(needs_evaluation_at__isnull=False)
        .order_by("needs_evaluation_at")
        .values_list("pk", "needs_evaluation_at", "regency_id")[:limit]
    )
    if not marked:
        return ScanResult()
    ids = [pk for pk, _at, _regency in marked]
    clock = rules.Clock.at(now)
    with transaction.atomic():
        if not _take_lock():
            return ScanResult(skipped=True)
        _tune_for_bulk()
        run = ScanRun.objects.create(kind=ScanRun.Kind.INCREMENTAL, started_at=now)
        opened, resolved, escalated = _evaluate(clock, run, ids)
        # The dashboards' rollups of these kab/kota follow right after, outside this path
        # (refresh_stale_rollups, once per kab/kota for a burst of changes).
        mark_rollups_stale({regency for _pk, _at, regency in marked}, now=now)
        queue_scan_notifications(run=run, clock=clock)
        _clear_marks([(pk, seen_at) for pk, seen_at, _regency in marked])
        # open_total is not counted here: counting every open flag of the country (~70 ms at
        # 480,000) would be most of an evaluation; full and delta scans count it.
        result = ScanResult(len(ids), opened, resolved, escalated, None, run_id=run.pk)
        _finish(run, result)
    return result


def _clear_marks(seen: list[tuple[int, datetime]]) -> None:
    """Compare-and-set: clear a mark only if it is still the one we evaluated; a project changed
    meanwhile carries a newer mark and is evaluated in the next pass. A few statements per
    batch (500 rows each), not one per project."""
    for start in range(0, len(seen), 500):
        condition = Q()
        for pk, seen_at in seen[start : start + 500]:
            condition |= Q(pk=pk, needs_evaluation_at=seen_at)
        Project.objects.filter(condition).update(needs_evaluation_at=None)


def _finish(run: ScanRun, result: ScanResult) -> None:
    if result.scanned or result.opened or result.resolved or result.escalated:
        flags_changed()  # the office list's cached ranking
    ScanRun.objects.filter(pk=run.pk).update(
        status=ScanRun.Status.FINISHED,
        error="",
        finished_at=timezone.now(),
        scanned=result.scanned,
        opened=result.opened,
        resolved=result.resolved,
        escalated=result.escalated,
        open_total=result.open_total,
    )
