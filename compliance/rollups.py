"""Per kab/kota daily rollups: what dashboards and monthly trends read.

Each figure is one GROUP BY over the region's rows (a handful of statements in all), upserted
into at most 514 rows a day. Values count main contracts only (a subcontract's value is part of
its main contract's), so nothing is counted twice.
"""

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db.models import Count, FilteredRelation, Q, Sum
from django.utils import timezone

from projects.models import Project
from reference.models import Region
from workers.models import Enrollment

from . import rules
from .models import ComplianceFlag, RegionDailyRollup, Registration, StaleRollup

Status = Registration.Status


def refresh_rollups(day: date, *, regency_ids=None) -> int:
    """Recompute the rollups of `day` for all kab/kota (or only `regency_ids`)."""
    projects = Project.objects.filter(parent__isnull=True)
    if regency_ids is not None:
        projects = projects.filter(regency_id__in=regency_ids)
    # Main projects only, so "covered" is the project's own live registration (the one not
    # rejected: compliance_registration_one_live_per_project) with a payment: one LEFT JOIN
    # instead of coverage subqueries per figure.
    covered = Q(live__payments_total__gt=0)
    # Grouped by funding source too, so the dashboards' breakdown needs no query of its own;
    # the kab/kota figures are the sums of its sources.
    figures: dict[int, dict] = {}
    by_funding: dict[int, dict] = defaultdict(dict)
    for row in (
        projects.annotate(
            live=FilteredRelation(
                "registrations",
                condition=Q(registrations__status__in=[Status.SUBMITTED, Status.VERIFIED]),
            )
        )
        .values("regency_id", "funding_source")
        .annotate(
            projects_total=Count("pk"),
            projects_active=Count("pk", filter=Q(status__in=["planned", "running"])),
            projects_covered=Count("pk", filter=covered),
            projects_verified=Count("pk", filter=covered & Q(live__status=Status.VERIFIED)),
            value_total=Sum("current_base_value"),
            value_covered=Sum("current_base_value", filter=covered),
            contribution_due=Sum(rules.contribution_due_expression()),
            # What was paid: the payments of the live registrations (payments_total), read
            # through the same join rather than by a second pass over the registrations.
            contribution_paid=Sum("live__payments_total"),
        )
        .order_by()
    ):
        regency_id = row.pop("regency_id")
        source = row.pop("funding_source")
        by_funding[regency_id][source] = {
            "total": row["projects_total"],
            "covered": row["projects_covered"],
        }
        total = figures.setdefault(regency_id, dict.fromkeys(row, 0))
        for name, value in row.items():
            total[name] += value or 0
    # Rows of the region's projects, found through the projects' ids (an index lookup per
    # project), not by joining every open flag or enrollment to its project first.
    scope = (
        Q()
        if regency_ids is None
        else Q(project__in=Project.objects.filter(regency_id__in=regency_ids).values("pk"))
    )
    workers = dict(
        Enrollment.objects.active()
        .filter(scope)
        .values_list("project__regency_id")
        .annotate(n=Count("worker_id", distinct=True))
    )
    # Open flags per rule, counted violations per letter step, letters due: one pass over the
    # open flags and their projects (three GROUP BYs each joined a million projects).
    by_rule = defaultdict(dict)
    by_step = defaultdict(dict)
    letters_due = defaultdict(int)
    counted = Q(severity="violation", waived_at__isnull=True)
    for regency_id, rule, step, n, violations, due in (
        ComplianceFlag.objects.open()
        .filter(scope)
        .values_list("project__regency_id", "rule", "escalation_step")
        .annotate(
            n=Count("pk"),
            violations=Count("pk", filter=counted),
            due=Count("pk", filter=Q(letter_due_step__gt=0)),
        )
        .order_by()
    ):
        by_rule[regency_id][rule] = by_rule[regency_id].get(rule, 0) + n
        if violations:
            key = str(step)
            by_step[regency_id][key] = by_step[regency_id].get(key, 0) + violations
        letters_due[regency_id] += due
    regency_ids = set(figures) | set(workers) | set(by_rule)
    provinces = dict(Region.objects.filter(pk__in=regency_ids).values_list("pk", "parent_id"))
    rows = []
    for regency_id in regency_ids:
        row = figures.get(regency_id, {})
        rows.append(
            RegionDailyRollup(
                regency_id=regency_id,
                province_id=provinces[regency_id],
                day=day,
                projects_total=row.get("projects_total", 0),
                projects_active=row.get("projects_active", 0),
                projects_covered=row.get("projects_covered", 0),
                projects_verified=row.get("projects_verified", 0),
                value_total=row.get("value_total") or Decimal(0),
                value_covered=row.get("value_covered") or Decimal(0),
                contribution_due=row.get("contribution_due") or Decimal(0),
                contribution_paid=row.get("contribution_paid") or Decimal(0),
                workers_enrolled=workers.get(regency_id, 0),
                open_flags=by_rule.get(regency_id, {}),
                open_by_step=by_step.get(regency_id, {}),
                letters_due=letters_due.get(regency_id, 0),
                by_funding=by_funding.get(regency_id, {}),
            )
        )
    RegionDailyRollup.objects.bulk_create(
        rows,
        batch_size=600,
        update_conflicts=True,
        unique_fields=["regency", "day"],
        update_fields=[
            "province",
            "projects_total",
            "projects_active",
            "projects_covered",
            "projects_verified",
            "value_total",
            "value_covered",
            "contribution_due",
            "contribution_paid",
            "workers_enrolled",
            "open_flags",
            "open_by_step",
            "letters_due",
            "by_funding",
            "updated_at",
        ],
    )
    return len(rows)


def mark_rollups_stale(regency_ids, *, now) -> None:
    """Queue the rollups of these kab/kota for refresh_stale_rollups() (one upsert)."""
    StaleRollup.objects.bulk_create(
        [StaleRollup(regency_id=pk, marked_at=now) for pk in regency_ids],
        update_conflicts=True,
        unique_fields=["regency"],
        update_fields=["marked_at"],
    )


def refresh_stale_rollups(*, now=None) -> int:
    """Rebuild today's rollups of the queued kab/kota, then unqueue each one whose mark did not
    move meanwhile (compare-and-set, as for projects' marks). Returns how many were rebuilt."""
    seen = list(StaleRollup.objects.values_list("regency_id", "marked_at"))
    if not seen:
        return 0
    refresh_rollups(timezone.localdate(now or timezone.now()), regency_ids={pk for pk, _ in seen})
    done = Q(pk__in=[])
    for pk, marked_at in seen:
        done |= Q(pk=pk, marked_at=marked_at)
    StaleRollup.objects.filter(done).delete()
    return len(seen)
