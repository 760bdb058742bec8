"""The office workspace: the region's projects, riskiest first, with filters in the URL and
exports of the current filter. Scoped by Project.objects.visible_to(user) like every page."""

import hashlib
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.functional import cached_property
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from compliance.flag_version import flags_version
from compliance.models import ComplianceFlag, Registration
from compliance.rules import is_covered
from compliance.scanning import MAX_EXPOSURE_DAYS
from compliance.status import with_portal_prefetch
from projects.models import MAX_PLANNED_WORKFORCE, Project
from reference.fragments import cached_fragment
from reference.spreadsheets import csv_response, xlsx_response

from . import dashboard as figures
from . import report_files, reports
from .filters import (
    SORTS,
    ProjectFilterForm,
    filtered_projects,
    page_after,
    page_sorted,
    ranked_projects,
    rendered_filter_form,
    searched_npwp,
)
from .forms import PeriodForm

EXPORT_LIMIT = 100_000  # rows per export; a wider scope is narrowed with the filters


def _office_scope(user):
    if not (user.is_superuser or user.is_office_staff):
        raise PermissionDenied(_("This page is for labour office and BPJS staff."))
    return None if user.is_superuser else user.office.region


def _filtered(request):
    scope = _office_scope(request.user)
    form = ProjectFilterForm(request.GET or None, scope_region=scope)
    data = form.cleaned_data if form.is_valid() else {}
    projects = filtered_projects(
        Project.objects.visible_to(request.user).select_related("contractor", "regency"), data
    )
    return form, data, projects


def explain_risk(project: Project, flag: ComplianceFlag | None, today: date) -> str:
    """Why a project ranks where it does, in the terms of the engine's exposure score:
    value (Rp million) × workforce × days overdue (compliance.scanning.exposure_expression).
    The value is rounded half up for reading (the score's factor is rounded up), and every
    number is written the way the user's language writes it."""
    if flag is None or flag.exposure_score == 0:
        return _("No open violation: newest entries first.")
    millions = (project.current_base_value / 1_000_000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    if project.planned_workforce:
        count = project.planned_workforce
        workers = ngettext("%(count)s worker (planned)", "%(count)s workers (planned)", count)
    else:
        count = min(
            max(int(project.current_base_value / settings.PANTAU_RUPIAH_PER_ESTIMATED_WORKER), 1),
            MAX_PLANNED_WORKFORCE,
        )
        workers = ngettext(
            "%(count)s worker (estimated from the value)",
            "%(count)s workers (estimated from the value)",
            count,
        )
    if flag.rule in (ComplianceFlag.Rule.UNREGISTERED, ComplianceFlag.Rule.REJECTED):
        days = min(max((today - project.registration_due_on).days, 1), MAX_EXPOSURE_DAYS)
        since = ngettext(
            "%(days)s day past the registration due date",
            "%(days)s days past the registration due date",
            days,
        )
    else:
        days = min(
            max((today - timezone.localtime(flag.opened_at).date()).days, 1), MAX_EXPOSURE_DAYS
        )
        since = ngettext(
            "%(days)s day since the finding opened", "%(days)s days since the finding opened", days
        )
    return _("Rp%(millions)s million × %(workers)s × %(since)s (%(rule)s)") % {
        "millions": number_format(millions, force_grouping=True),
        "workers": workers % {"count": number_format(count, force_grouping=True)},
        "since": since % {"days": number_format(days, force_grouping=True)},
        "rule": flag.get_rule_display(),
    }


def _scope_fragment(name: str, region, seconds: int, render, *more_key) -> str:
    """HTML the same for every user of a scope (a region, or "all" for a superuser) in one
    language, time zone and day, until a flag changes: the flags version is part of the key,
    as for the cached ranking. Without a reachable cache (no version) it is rendered every time."""
    version = flags_version()
    key = ":".join(
        [
            "monitoring",
            name,
            get_language(),
            timezone.get_current_timezone_name(),
            str(region.pk if region else "all"),
            str(timezone.localdate()),
            str(version),
            *more_key,
        ]
    )
    return cached_fragment(key, seconds if version is not None else 0, render)


@login_required
@require_GET
def project_list(request):
    form, data, projects = _filtered(request)
    query = request.GET.copy()
    query.pop("after", None)
    query = query.urlencode()
    today = timezone.localdate()
    # Names and registrations edited meanwhile show within PANTAU_LIST_CACHE_SECONDS.
    rows_html = _scope_fragment(
        "list",
        form.scope_region,
        settings.PANTAU_LIST_CACHE_SECONDS,
        lambda: render_to_string(
            "monitoring/_project_rows.html", _list_page(projects, data, query, today)
        ),
        hashlib.sha256(request.GET.urlencode().encode()).hexdigest(),
    )
    return render(
        request,
        "monitoring/project_list.html",
        {"filter_form": rendered_filter_form(form, query), "rows_html": rows_html, "query": query},
    )


def _list_page(projects, data, query, today) -> dict:
    if data.get("sort") in SORTS:
        page = page_sorted(with_portal_prefetch(projects), data["sort"], data.get("after"))
    else:
        page = page_after(with_portal_prefetch(projects), data.get("after"))
    rows = []
    for project in page.rows:
        flags = [f for f in project.portal_open_flags if f.waived_at is None]
        top = max(flags, key=lambda f: f.exposure_score, default=None)
        registrations = project.portal_registrations  # newest first
        live = next(
            (r for r in registrations if r.status != Registration.Status.REJECTED),
            None,
        )
        rows.append(
            {
                "project": project,
                "flags": project.portal_open_flags,
                # Rejected, and nothing submitted since, is not "not registered": say which.
                "registration": live or next(iter(registrations), None),
                "why": explain_risk(project, top, today),
            }
        )
    return {
        "rows": rows,
        "next_cursor": page.next_cursor,
        "query": query,
        "first_page": not data.get("after"),
    }


def _export_header() -> list[str]:
    return [
        _("Project ID"),
        _("Project"),
        _("SPK number"),
        _("SPK date"),
        _("Contractor"),
        _("NPWP"),
        _("Regency/city"),
        _("Funding source"),
        _("Project status"),
        _("Value before PPN (Rp)"),
        _("Registration due on"),
        _("Open findings"),
        _("Exposure score"),
    ]


def _labels(choices) -> dict:
    """A choice's label in the request's language, once per export (rows stream after the view
    returns, so nothing is translated per row)."""
    return {value: str(label) for value, label in choices.choices}


@login_required
@require_GET
def project_export(request, fmt):
    """The current filter as CSV or XLSX (formula-safe), streamed in chunks: the headers and
    choices in the user's language, numbers and dates left as numbers and dates."""
    _form, _data, projects = _filtered(request)
    projects = ranked_projects(projects, {})  # filtered already; ranked once, streamed
    rules = _open_rules_by_project(projects)
    funding, status = _labels(Project.FundingSource), _labels(Project.Status)
    rows = (
        [
            *head,
            funding.get(source, source),
            status.get(state, state),
            value,
            due_on,
            rules.get(head[0], ""),
            risk,
        ]
        for *head, source, state, value, due_on, risk in projects.values_list(
            "pk",
            "name",
            "spk_number",
            "spk_date",
            "contractor__legal_name",
            "contractor__npwp",
            "regency__name",
            "funding_source",
            "status",
            "current_base_value",
            "registration_due_on",
            "risk",
        )[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    name = f"pantau-jakon-projects-{timezone.localdate():%Y%m%d}"
    if fmt == "xlsx":
        return xlsx_response(f"{name}.xlsx", _export_header(), rows, sheet_title=_("Projects"))
    return csv_response(f"{name}.csv", _export_header(), rows)


def _open_rules_by_project(projects) -> dict[int, str]:
    """'Not registered … (Warning letter I sent); Workers not enrolled' per project, in one
    query over the filtered set."""
    rule_labels, step_labels = _labels(ComplianceFlag.Rule), _labels(ComplianceFlag.Step)
    found: dict[int, list[str]] = {}
    for project_id, rule, step in (
        ComplianceFlag.objects.filter(
            resolved_at__isnull=True, project__in=projects.values("pk")[:EXPORT_LIMIT]
        )
        .order_by("project_id", "rule")
        .values_list("project_id", "rule", "escalation_step")
        .iterator(chunk_size=5000)
    ):
        label = rule_labels.get(rule, rule)
        found.setdefault(project_id, []).append(
            f"{label} ({step_labels.get(step, step)})" if step else label
        )
    # A semicolon: the labels themselves may hold commas.
    return {pk: "; ".join(rules) for pk, rules in found.items()}


@login_required
@require_GET
def dashboard(request):
    """The scope at a glance: totals from the engine's rollups, 12-month coverage trend,
    coverage by funding source and per kab/kota, and the projects overdue the longest."""
    region = _office_scope(request.user)
    today = timezone.localdate()
    projects = Project.objects.visible_to(request.user)  # the region's, or all for a superuser
    # Everything shown comes from the engine's rollups and flags: the same for the whole scope,
    # and fresh after any flag change (the flags version is part of the key).
    body = _scope_fragment(
        "dashboard",
        region,
        settings.PANTAU_DASHBOARD_CACHE_SECONDS,
        lambda: render_to_string(
            "monitoring/_dashboard_body.html", _dashboard_context(region, projects, today)
        ),
    )
    return render(request, "monitoring/dashboard.html", {"body": body})


def _dashboard_context(region, projects, today) -> dict:
    totals, per_regency = figures.latest_totals(region, today=today)
    regency_rows = figures.bar_chart(
        [
            {
                "label": regency.name,
                "total": part.figures["projects_total"],
                "covered": part.figures["projects_covered"],
                "percent": part.coverage_percent,
            }
            for regency, part in sorted(per_regency.items(), key=lambda item: item[0].code)
        ]
    )
    return {
        "region": region,
        "totals": totals,
        "trend": figures.line_chart(figures.coverage_trend(region, today=today)),
        "funding": figures.bar_chart(figures.by_funding_source(totals)),
        "regencies": regency_rows if region is None or region.is_province else None,
        "overdue": [
            (project, (today - project.registration_due_on).days)
            for project in figures.longest_overdue(projects)
        ],
        "today": today,
    }


@login_required
@require_GET
def monev(request, fmt="html"):
    """The monev report for a period (default: this year so far) as a page, XLSX or PDF."""
    region = _office_scope(request.user)
    today = timezone.localdate()
    form = PeriodForm(request.GET or {"start": today.replace(month=1, day=1), "end": today})
    report = None
    if form.is_valid():
        period = reports.Period(form.cleaned_data["start"], form.cleaned_data["end"])
        report = reports.monev_report(Project.objects.visible_to(request.user), period, today=today)
        scope_name = region.name if region else _("All regions")
        title = _("Monev report: BPJS Ketenagakerjaan coverage of construction, %(scope)s") % {
            "scope": scope_name
        }
        filename = f"monev-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        if fmt == "xlsx":
            response = HttpResponse(
                report_files.report_xlsx(report),
                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
            return response
        if fmt == "pdf":
            response = HttpResponse(
                report_files.report_pdf(report, title=title), content_type="application/pdf"
            )
            response["Content-Disposition"] = f'attachment; filename="{filename}.pdf"'
            return response
    query = request.GET.urlencode() or (
        f"start={today.replace(month=1, day=1):%Y-%m-%d}&end={today:%Y-%m-%d}"
    )
    return render(
        request,
        "monitoring/monev.html",
        {"form": form, "report": report, "region": region, "query": query},
    )


@login_required
@require_GET
def contractor_directory(request):
    """Contractors with projects in the scope: how many, how many covered, open findings.
    One grouped query for the page, one for its companies' open findings, and a count of the
    companies that needs no coverage test (the Paginator's own COUNT would redo the grouping)."""
    _office_scope(request.user)
    projects = Project.objects.visible_to(request.user).filter(parent__isnull=True)
    query = (request.GET.get("q") or "").strip()
    if query:
        match = Q(contractor__legal_name__icontains=query) | Q(contractor__npwp__contains=query)
        if npwp := searched_npwp(query):  # printed with dots and a dash, as the project search
            match |= Q(contractor__npwp=npwp)
        projects = projects.filter(match)
    rows = (
        projects.values(
            "contractor_id",
            "contractor__legal_name",
            "contractor__npwp",
            "contractor__confirmed_at",
        )
        .annotate(
            projects_total=Count("pk"),
            projects_covered=Count("pk", filter=is_covered()),
        )
        .order_by("contractor__legal_name", "contractor_id")
    )
    companies = projects.values("contractor_id").distinct()
    page = CountedPaginator(rows, 50, count=companies.count).get_page(request.GET.get("page"))
    findings = dict(
        ComplianceFlag.objects.filter(
            resolved_at__isnull=True,
            project__in=projects.values("pk"),
            project__contractor_id__in=[row["contractor_id"] for row in page],
        )
        .values_list("project__contractor_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in page:
        row["rate"] = figures.percent(row["projects_covered"], row["projects_total"])
        row["open_findings"] = findings.get(row["contractor_id"], 0)
    return render(request, "monitoring/contractors.html", {"page": page, "q": query})


class CountedPaginator(Paginator):
    """A Paginator told how to count its rows cheaply."""

    def __init__(self, object_list, per_page, *, count):
        super().__init__(object_list, per_page)
        self._count = count

    @cached_property
    def count(self):
        return self._count()
