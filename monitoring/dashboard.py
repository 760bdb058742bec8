"""The office dashboard's figures. Totals, the funding-source breakdown and trends come from the
engine's per-kab/kota daily rollups (compliance.RegionDailyRollup: at most 514 rows a day), never
from millions of project rows; the longest-overdue list is one indexed query over the scope. Charts are SVG geometry computed here, drawn by the template: no script, no network,
and they print."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Exists, Max, OuterRef, Q, Sum

from compliance.models import ComplianceFlag, RegionDailyRollup
from projects.models import Project
from reference.models import Region

FIGURES = (
    "projects_total",
    "projects_active",
    "projects_covered",
    "projects_verified",
    "value_total",
    "value_covered",
    "contribution_due",
    "contribution_paid",
    "workers_enrolled",
    "letters_due",
)


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"))


@dataclass
class Totals:
    day: date | None = None
    figures: dict = field(default_factory=lambda: dict.fromkeys(FIGURES, 0))
    open_flags: dict = field(default_factory=lambda: defaultdict(int))
    open_by_step: dict = field(default_factory=lambda: defaultdict(int))
    by_funding: dict = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    def add(self, rollup: RegionDailyRollup) -> None:
        for name in FIGURES:
            self.figures[name] += getattr(rollup, name)
        for source, counts in rollup.by_funding.items():
            self.by_funding[source][0] += counts["total"]
            self.by_funding[source][1] += counts["covered"]
        for rule, n in rollup.open_flags.items():
            self.open_flags[rule] += n
        for step, n in rollup.open_by_step.items():
            self.open_by_step[int(step)] += n

    @property
    def coverage_percent(self):
        return percent(self.figures["projects_covered"], self.figures["projects_total"])

    @property
    def verified_percent(self):
        return percent(self.figures["projects_verified"], self.figures["projects_covered"])

    @property
    def value_percent(self):
        return percent(self.figures["value_covered"], self.figures["value_total"])

    @property
    def paid_percent(self):
        return percent(self.figures["contribution_paid"], self.figures["contribution_due"])

    def flags_by_rule(self):
        return [
            (label, self.open_flags.get(rule, 0)) for rule, label in ComplianceFlag.Rule.choices
        ]

    def violations_by_step(self):
        return [
            (label, self.open_by_step.get(step, 0)) for step, label in ComplianceFlag.Step.choices
        ]


def _scope_filter(region: Region | None) -> Q:
    if region is None:
        return Q()
    return Q(province=region) if region.is_province else Q(regency=region)


def latest_totals(region: Region | None, *, today: date) -> tuple[Totals, dict[int, Totals]]:
    """The latest day's rollups of the scope, summed; and per kab/kota (for a province)."""
    rollups = RegionDailyRollup.objects.filter(_scope_filter(region), day__lte=today)
    latest = rollups.aggregate(day=Max("day"))["day"]
    totals, per_regency = Totals(day=latest), {}
    if latest is None:
        return totals, per_regency
    for rollup in rollups.filter(day=latest).select_related("regency"):
        totals.add(rollup)
        per_regency[rollup.regency] = Totals(day=latest)
        per_regency[rollup.regency].add(rollup)
    return totals, per_regency


def month_ends(today: date, count: int = 12) -> list[date]:
    ends, month_start = [], today.replace(day=1)
    ends.append(today)
    for _ in range(count - 1):
        ends.append(month_start - timedelta(days=1))
        month_start = ends[-1].replace(day=1)
    return list(reversed(ends))


def coverage_trend(region: Region | None, *, today: date) -> list[tuple[date, Decimal | None]]:
    """Coverage % on the last rollup day of each of the last 12 months (None: no data yet)."""
    ends = month_ends(today)
    per_day = {
        row["day"]: row
        for row in RegionDailyRollup.objects.filter(
            _scope_filter(region), day__gte=ends[0].replace(day=1), day__lte=today
        )
        .values("day")
        .annotate(total=Sum("projects_total"), covered=Sum("projects_covered"))
    }
    points = []
    for end in ends:
        days = [day for day in per_day if day.year == end.year and day.month == end.month]
        if days:
            row = per_day[max(days)]
            points.append((end, percent(row["covered"], row["total"])))
        else:
            points.append((end, None))
    return points


def by_funding_source(totals: Totals) -> list[dict]:
    """Projects and coverage per funding source, from the rollups (main contracts)."""
    labels = dict(Project.FundingSource.choices)
    return [
        {
            "label": labels.get(source, source),
            "total": total,
            "covered": covered,
            "percent": percent(covered, total),
        }
        for source, (total, covered) in sorted(
            totals.by_funding.items(), key=lambda item: -item[1][0]
        )
    ]


def longest_overdue(projects, limit: int = 10):
    """Active projects with an open unregistered/rejected violation, oldest due date first."""
    violations = ComplianceFlag.objects.filter(
        project=OuterRef("pk"),
        resolved_at__isnull=True,
        rule__in=[ComplianceFlag.Rule.UNREGISTERED, ComplianceFlag.Rule.REJECTED],
        severity=ComplianceFlag.Severity.VIOLATION,
    )
    return (
        projects.filter(status__in=[Project.Status.PLANNED, Project.Status.RUNNING])
        .filter(Exists(violations))
        .select_related("contractor")
        # The region's active projects by due date: the project_*_active_due indexes.
        .order_by("registration_due_on", "pk")[:limit]
    )


# --- SVG geometry -----------------------------------------------------------------------------

CHART_WIDTH, CHART_HEIGHT, PAD = 640, 220, 36
BAR_STEP, BAR_LEFT = 28, 170


def line_chart(points: list[tuple[date, Decimal | None]]) -> dict:
    """x/y of each month's point on a 0-100 % axis; months without data leave a gap."""
    step = (CHART_WIDTH - 2 * PAD) / max(len(points) - 1, 1)
    plotted, segments, current = [], [], []
    for index, (day, value) in enumerate(points):
        x = PAD + index * step
        if value is None:
            if current:
                segments.append(current)
            current = []
            plotted.append({"x": x, "y": None, "label": day, "value": None})
            continue
        y = CHART_HEIGHT - PAD - float(value) / 100 * (CHART_HEIGHT - 2 * PAD)
        current.append(f"{x:.1f},{y:.1f}")
        plotted.append({"x": x, "y": y, "label": day, "value": value})
    if current:
        segments.append(current)
    grid = [
        {"y": CHART_HEIGHT - PAD - share / 100 * (CHART_HEIGHT - 2 * PAD), "label": share}
        for share in (0, 25, 50, 75, 100)
    ]
    return {
        "width": CHART_WIDTH,
        "height": CHART_HEIGHT,
        "pad": PAD,
        "points": plotted,
        "polylines": [" ".join(segment) for segment in segments],
        "grid": grid,
        "right": CHART_WIDTH - PAD,
    }


def bar_chart(rows: list[dict], *, width: int = 300) -> dict:
    """Horizontal bars, one row per item: the total bar and, over it, the covered part."""
    biggest = max((row["total"] for row in rows), default=0) or 1
    return {
        "height": len(rows) * BAR_STEP + 8,
        "rows": [
            {
                **row,
                "y": index * BAR_STEP,
                "total_width": round(row["total"] / biggest * width, 1),
                "covered_width": round(row["covered"] / biggest * width, 1),
                "label_x": round(row["total"] / biggest * width, 1) + BAR_LEFT + 6,
            }
            for index, row in enumerate(rows)
        ],
    }
