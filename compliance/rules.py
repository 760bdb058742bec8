"""The compliance rules as querysets: which active projects a rule holds for, and how badly.

Each rule returns the active projects (optionally only some ids) for which its condition holds,
annotated with `is_violation` (severity). The scanner turns these sets into flags. Thresholds
come from settings (domain.md part 0); no rule fires on a finished or terminated project.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.db.models import (
    BooleanField,
    Case,
    Count,
    DecimalField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Round
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from projects.models import Project
from reference.calendar import add_working_days, holidays_between, subtract_working_days
from workers.models import Enrollment

from .models import ComplianceFlag, Registration, Tariff

Rule = ComplianceFlag.Rule
MONEY = DecimalField(max_digits=20, decimal_places=2)


@dataclass(frozen=True)
class Clock:
    """The instant a scan evaluates, and the dates derived from it in one holiday lookup."""

    now: datetime
    today: date
    warn_horizon: date  # unregistered: warn when the due date is this close (working days)
    no_workers_started_by: date  # no_workers: started at least N working days ago
    unverified_created_before: datetime  # unverified: waiting more than N working days
    rejected_before: datetime  # rejected: rejected more than N days ago

    @classmethod
    def at(cls, now: datetime) -> "Clock":
        today = timezone.localdate(now)
        holidays = holidays_between(today - timedelta(days=120), today + timedelta(days=60))
        unverified_day = subtract_working_days(
            today, settings.PANTAU_UNVERIFIED_AFTER_WORKING_DAYS, holidays=holidays
        )
        return cls(
            now=now,
            today=today,
            warn_horizon=add_working_days(
                today, settings.PANTAU_UNREGISTERED_WARNING_WORKING_DAYS, holidays=holidays
            ),
            no_workers_started_by=subtract_working_days(
                today, settings.PANTAU_NO_WORKERS_AFTER_WORKING_DAYS, holidays=holidays
            ),
            unverified_created_before=timezone.make_aware(
                datetime.combine(unverified_day, time.min), timezone.get_current_timezone()
            ),
            rejected_before=now - timedelta(days=settings.PANTAU_REJECTED_GRACE_DAYS),
        )


def active_projects(project_ids=None) -> QuerySet:
    projects = Project.objects.active()
    if project_ids is not None:
        projects = projects.filter(pk__in=project_ids)
    return projects


def _covering(project_ref: str = "pk"):
    return Exists(Registration.objects.covering().filter(project=OuterRef(project_ref)))


def is_covered():
    """Covered by its own registration or, for a subcontract, by its main project's
    (domain.md part 0), unless PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION."""
    if settings.PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION:
        return _covering()
    return _covering() | (Q(parent__isnull=False) & _covering("parent_id"))


def not_covered():
    """The negation of is_covered(), written as NOT EXISTS conditions side by side, which
    PostgreSQL plans as anti-joins. (~is_covered() is a NOT over an OR: a subplan per project
    that the planner costs as an index probe per row; over a million projects it then walked
    a dashboard index instead, 2-4x slower: bench/README.md.)"""
    if settings.PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION:
        return ~_covering()
    # A main project's parent_id is NULL, which no registration's project_id equals.
    return ~_covering() & ~_covering("parent_id")


def _unanswered_rejection(clock: Clock):
    """A rejection older than N days with no live registration since: the `rejected` rule's
    condition as one EXISTS (so `unregistered` can exclude it with one anti-join)."""
    return Exists(
        Registration.objects.filter(
            project=OuterRef("pk"),
            status=Registration.Status.REJECTED,
            verified_at__lte=clock.rejected_before,
        ).filter(
            ~Exists(
                Registration.objects.exclude(status=Registration.Status.REJECTED).filter(
                    project=OuterRef("project_id")
                )
            )
        )
    )


def unregistered(clock: Clock, project_ids=None) -> QuerySet:
    """No covering registration, from N working days before the due date; a violation from the
    day after it (Permenaker 44/2015: 14 working days after the SPK; before work starts)."""
    return (
        active_projects(project_ids)
        .filter(registration_due_on__lte=clock.warn_horizon)
        .filter(not_covered())
        # A rejection left unanswered is the `rejected` rule's, never both.
        .filter(~_unanswered_rejection(clock))
        .annotate(is_violation=_bool(Q(registration_due_on__lt=clock.today)))
    )


def rejected(clock: Clock, project_ids=None) -> QuerySet:
    """The registration was rejected and nothing new was submitted within N days."""
    return (
        active_projects(project_ids)
        .filter(_unanswered_rejection(clock))
        .filter(not_covered())
        .annotate(is_violation=Value(True))
    )


def coverage_gap(clock: Clock, project_ids=None) -> QuerySet:
    """Coverage ends before the project's current end date (an addendum extended it: Perdir
    22/2022), or lapsed while work goes on. Judged on the project that holds the registration
    (its one covering registration: compliance_registration_one_live_per_project)."""
    short = Registration.objects.covering().filter(
        Q(coverage_end__lt=OuterRef("current_end_date")) | Q(coverage_end__lt=clock.today),
        project=OuterRef("pk"),
    )
    return active_projects(project_ids).filter(Exists(short)).annotate(is_violation=Value(True))


def tariffs_newest_first() -> list[Tariff]:
    """Every tariff with its tiers (two queries): what contribution_due_expression turns into SQL."""
    return list(Tariff.objects.prefetch_related("tiers").order_by("-valid_from"))


def contribution_due_expression(prefix: str = "", tariffs: list[Tariff] | None = None):
    """The contribution due on a project's current DPP, in SQL, with the tariff of its SPK date:
    the marginal tiers of compliance.contribution, each program's part rounded half up (or the
    wage basis). Lets the underpaid rule compare columns for a million projects at once.
    `prefix` reaches the project through a relation (e.g. "project__").

    Written as the piecewise-linear function the marginal tiers make: in tier k, the sum of the
    tiers below (a constant) plus (value - lower_k) x rate_k. Exact in numeric arithmetic like
    the slice-by-slice sum, so the rounding is the same; one comparison and one product per
    program where the sum of slices took a LEAST, a GREATEST and a product per tier (2.1 s per
    pass over 1M projects before; bench/README.md). `tariffs`: tariffs_newest_first(), read
    here when not given."""
    if tariffs is None:
        tariffs = tariffs_newest_first()
    whens = []
    for tariff in tariffs:
        tiers = tariff.as_tiers()
        on_value = _flat_sum(
            Round(_piecewise(prefix, tiers, "jkk_rate")),
            Round(_piecewise(prefix, tiers, "jkm_rate")),
        )
        wages = F(f"{prefix}wage_total")
        on_wages = Round(wages * Value(tariff.wage_jkk_rate / 100)) + Round(
            wages * Value(tariff.wage_jkm_rate / 100)
        )
        period = Q(**{f"{prefix}spk_date__gte": tariff.valid_from})
        if tariff.valid_until:
            period &= Q(**{f"{prefix}spk_date__lte": tariff.valid_until})
        on_wage_basis = Q(
            **{f"{prefix}contribution_basis": "wages", f"{prefix}wage_total__isnull": False}
        )
        whens.append(When(period & on_wage_basis, then=on_wages))
        whens.append(When(period, then=on_value))
    return Case(*whens, default=Value(None), output_field=MONEY)


def _piecewise(prefix: str, tiers, rate: str):
    """One program's unrounded part: CASE WHEN value <= upper_k THEN below_k + (value -
    lower_k) * rate_k … END (an edge value belongs to the lower tier, as in
    compliance.contribution)."""
    column = f"{prefix}current_base_value"
    whens, lower, below = [], Decimal(0), Decimal(0)
    for tier in tiers:
        share = getattr(tier, rate) / 100
        part = _flat_sum(
            Value(below), ExpressionWrapper((F(column) - Value(lower)) * Value(share), MONEY)
        )
        if tier.upper is None:
            return Case(*whens, default=part, output_field=MONEY)
        whens.append(When(Q(**{f"{column}__lte": tier.upper}), then=part))
        below += (tier.upper - lower) * share
        lower = tier.upper
    # A last tier with a bound: above it nothing more is due, as in compliance.contribution
    # (no tariff in force has one).
    return Case(*whens, default=Value(below), output_field=MONEY)


def underpaid(clock: Clock, project_ids=None, *, tariffs: list[Tariff] | None = None) -> QuerySet:
    """Paid below the contribution due on the current value by more than the tolerance
    (Permenaker 5/2021 tiers; an addendum raises the due amount: Perdir 22/2022). What was paid
    is the payments_total of the project's live registration, which covers it when above 0: a plain
    join (one live registration per project), not a subquery, so SQLite's parser copes with the
    tiers' expression inside the scanner's EXISTS."""
    live = [Registration.Status.SUBMITTED, Registration.Status.VERIFIED]  # not rejected
    return (
        active_projects(project_ids)
        .alias(contribution_due=contribution_due_expression(tariffs=tariffs))
        .filter(
            registrations__status__in=live,
            registrations__payments_total__gt=0,
            registrations__payments_total__lt=F("contribution_due")
            - Value(settings.PANTAU_UNDERPAID_TOLERANCE),
        )
        .annotate(is_violation=Value(True))
    )


def active_enrollments_expression():
    return Coalesce(
        Subquery(
            Enrollment.objects.active()
            .filter(project=OuterRef("pk"))
            .values("project")
            .annotate(n=Count("id"))
            .values("n")[:1],
            output_field=IntegerField(),
        ),
        0,
    )


def no_workers(clock: Clock, project_ids=None) -> QuerySet:
    """Running N working days with no active enrollment, or fewer than half the planned
    workforce (Perdir 22/2022: worker data within 30 working days)."""
    share = settings.PANTAU_NO_WORKERS_MIN_SHARE
    return (
        active_projects(project_ids)
        .filter(start_date__lte=clock.no_workers_started_by)
        .annotate(active_workers=active_enrollments_expression())
        .filter(
            Q(active_workers=0)
            | Q(planned_workforce__isnull=False, active_workers__lt=F("planned_workforce") * share)
        )
        .annotate(is_violation=Value(False))
    )


def unverified(clock: Clock, project_ids=None) -> QuerySet:
    """A registration has waited more than N working days for verification (for the office)."""
    return (
        active_projects(project_ids)
        .filter(
            Exists(
                Registration.objects.filter(
                    project=OuterRef("pk"),
                    status=Registration.Status.SUBMITTED,
                    created_at__lt=clock.unverified_created_before,
                )
            )
        )
        .annotate(is_violation=Value(False))
    )


def _flat_sum(*terms):
    return Func(*terms, template="(%(expressions)s)", arg_joiner=" + ", output_field=MONEY)


def _bool(condition: Q):
    return Case(
        When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
    )


RULES = {
    Rule.UNREGISTERED: unregistered,
    Rule.REJECTED: rejected,
    Rule.COVERAGE_GAP: coverage_gap,
    Rule.UNDERPAID: underpaid,
    Rule.NO_WORKERS: no_workers,
    Rule.UNVERIFIED: unverified,
}


def decisions(
    clock: Clock,
    project_ids=None,
    *,
    tariffs: list[Tariff] | None = None,
    columns: tuple[str, ...] = (),
    with_open_flag: bool = False,
) -> QuerySet:
    """(project id, rule, is_violation, *columns) for every rule that holds: the rules'
    querysets in one UNION ALL (what the engine compares with the open flags of a few projects,
    or of all of them in a sweep: scanning.materialize_decisions). `with_open_flag` adds
    whether the project has an open flag of the rule, last."""
    checks = {**RULES, Rule.UNDERPAID: partial(underpaid, tariffs=tariffs)}
    parts = []
    for rule, check in checks.items():
        holds = check(clock, project_ids).order_by()
        extra = ()
        if with_open_flag:
            holds = holds.annotate(
                has_open_flag=Exists(
                    ComplianceFlag.objects.open().filter(project=OuterRef("pk"), rule=rule)
                )
            )
            extra = ("has_open_flag",)
        parts.append(holds.values_list("pk", Value(rule), "is_violation", *columns, *extra))
    return parts[0].union(*parts[1:], all=True).order_by()


# Rules whose violations climb the ladder of warning letters (domain.md part 0, §8.3).
ESCALATING = {Rule.UNREGISTERED, Rule.REJECTED, Rule.COVERAGE_GAP, Rule.UNDERPAID}

# Plain-language explanation and fix, shared by the engine's flags and the portal's notices.
RULE_TEXT = {
    Rule.UNREGISTERED: (
        _("No BPJS Ketenagakerjaan registration with a payment covers this project."),
        _("Register the project with BPJS Ketenagakerjaan, pay the contribution and record it."),
    ),
    Rule.REJECTED: (
        _("The registration was rejected and no new one was submitted."),
        _("Correct the registration and submit it again with the certificate and receipt."),
    ),
    Rule.COVERAGE_GAP: (
        _("The BPJS coverage ends before the project does."),
        _("Report the addendum to BPJS Ketenagakerjaan and extend the coverage period."),
    ),
    Rule.UNDERPAID: (
        _("The contribution paid is below the contribution due on the current contract value."),
        _("Pay the shortfall to BPJS Ketenagakerjaan and record the receipt."),
    ),
    Rule.NO_WORKERS: (
        _("Fewer workers are enrolled than the project needs."),
        _("Enroll the project's workers (harian lepas, borongan, PKWT)."),
    ),
    Rule.UNVERIFIED: (
        _("The registration is waiting for verification by the office."),
        _("The labour office or BPJS branch verifies the certificate and receipt."),
    ),
}
