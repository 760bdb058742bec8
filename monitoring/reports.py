"""The monev report (monitoring and evaluation) for coordination meetings: for a period and the
office's scope, per owner (work unit) and per funding source, the packages, contract value,
registered count and share, value covered and contribution paid; and the unregistered projects
with who is responsible and how far the escalation went.

Main contracts only (a subcontract's value is within its main contract). A project is in the
period when its contract period overlaps it. Each table is one GROUP BY; payments are summed in
a second grouped query, so the report costs a handful of queries at any size.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Q, Sum
from django.utils.translation import gettext_lazy as _

from compliance.models import ComplianceFlag, Payment, Registration
from compliance.rules import is_covered, not_covered
from projects.models import Project

from .dashboard import percent


@dataclass
class Period:
    start: date
    end: date


def in_period(projects, period: Period):
    return projects.filter(
        parent__isnull=True, start_date__lte=period.end, current_end_date__gte=period.start
    )


def _grouped(projects, key: str, labels: dict | None = None) -> list[dict]:
    rows = (
        projects.values(key)
        .annotate(
            packages=Count("pk"),
            value=Sum("current_base_value"),
            registered=Count("pk", filter=is_covered()),
            value_covered=Sum("current_base_value", filter=is_covered()),
        )
        .order_by(key)
    )
    paid = dict(
        Payment.objects.filter(registration__project__in=projects.values("pk"))
        .exclude(registration__status=Registration.Status.REJECTED)
        .values_list(f"registration__project__{key}")
        .annotate(total=Sum("amount"))
    )
    return [
        {
            "label": (labels or {}).get(row[key], row[key]) or "–",
            "packages": row["packages"],
            "value": row["value"] or Decimal(0),
            "registered": row["registered"],
            "registered_percent": percent(row["registered"], row["packages"]),
            "value_covered": row["value_covered"] or Decimal(0),
            "paid": paid.get(row[key]) or Decimal(0),
        }
        for row in rows
    ]


def _total(rows: list[dict]) -> dict:
    total = {
        "label": _("Total"),
        **{k: sum((r[k] for r in rows), 0) for k in ("packages", "registered")},
        **{k: sum((r[k] for r in rows), Decimal(0)) for k in ("value", "value_covered", "paid")},
    }
    total["registered_percent"] = percent(total["registered"], total["packages"])
    return total


def unregistered_projects(projects, *, today: date):
    """Active projects past their due date with no covering registration."""
    open_flags = ComplianceFlag.objects.filter(resolved_at__isnull=True)
    return (
        projects.filter(status__in=[Project.Status.PLANNED, Project.Status.RUNNING])
        .filter(not_covered())
        .filter(registration_due_on__lt=today)
        .select_related("contractor", "work_unit")
        .annotate(
            step=Max(
                "flags__escalation_step",
                filter=Q(flags__in=open_flags, flags__rule__in=["unregistered", "rejected"]),
            )
        )
        .order_by("registration_due_on", "pk")
    )


def monev_report(projects, period: Period, *, today: date) -> dict:
    scoped = in_period(projects, period)
    by_owner = _grouped(scoped, "work_unit__name")
    by_funding = _grouped(scoped, "funding_source", dict(Project.FundingSource.choices))
    unregistered = [
        {
            "project": project,
            "days_overdue": (today - project.registration_due_on).days,
            "step": project.step or 0,
            "step_label": ComplianceFlag.Step(project.step or 0).label,
        }
        for project in unregistered_projects(scoped, today=today)[:5000]
    ]
    return {
        "period": period,
        "by_owner": by_owner,
        "by_owner_total": _total(by_owner),
        "by_funding": by_funding,
        "by_funding_total": _total(by_funding),
        "unregistered": unregistered,
    }
