"""The office's project list: filters that live in the URL, search, and keyset pagination on
the engine's stored exposure score (no OFFSET, no COUNT over the region per page)."""

import hashlib
import logging
from dataclasses import dataclass
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, IntegerField, Max, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from compliance.flag_version import flags_version
from compliance.models import ComplianceFlag, Registration
from projects.models import Project
from reference.forms import DateInput, RupiahField
from reference.fragments import cached_fragment
from reference.models import Region

logger = logging.getLogger(__name__)

PAGE_SIZE = 50


class ProjectFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        help_text=_("Project name, SPK number, contractor, NPWP or RUP code."),
    )
    rule = forms.ChoiceField(
        label=_("Open finding"),
        required=False,
        choices=[("", _("Any")), ("any", _("Any open finding")), *ComplianceFlag.Rule.choices],
    )
    step = forms.TypedChoiceField(
        label=_("Escalation step"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("Any")), *ComplianceFlag.Step.choices],
    )
    letter_due = forms.BooleanField(label=_("A warning letter is due"), required=False)
    registration = forms.ChoiceField(
        label=_("Registration"),
        required=False,
        choices=[
            ("", _("Any")),
            ("none", _("Not registered")),
            ("submitted", _("Awaiting verification")),
            ("verified", _("Verified")),
            ("rejected", _("Rejected")),
        ],
    )
    funding_source = forms.ChoiceField(
        label=_("Funding source"),
        required=False,
        choices=[("", _("Any")), *Project.FundingSource.choices],
    )
    status = forms.ChoiceField(
        label=_("Project status"), required=False, choices=[("", _("Any")), *Project.Status.choices]
    )
    regency = forms.ModelChoiceField(
        label=_("Regency/city"), required=False, queryset=Region.objects.none()
    )
    district = forms.ModelChoiceField(
        label=_("District (kecamatan)"), required=False, queryset=Region.objects.none()
    )
    spk_from = forms.DateField(label=_("SPK from"), required=False, widget=DateInput())
    spk_until = forms.DateField(label=_("SPK until"), required=False, widget=DateInput())
    value_min = RupiahField(label=_("Value from (Rp)"), required=False, min_value=0)
    value_max = RupiahField(label=_("Value up to (Rp)"), required=False, min_value=0)
    sort = forms.ChoiceField(
        label=_("Order"),
        required=False,
        choices=[
            ("", _("Riskiest first")),
            ("overdue", _("Registration due the longest ago")),
            ("value", _("Highest value first")),
            ("newest", _("Newest contract first")),
        ],
    )
    contractor = forms.IntegerField(required=False, widget=forms.HiddenInput)
    after = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, scope_region: Region | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.scope_region = scope_region
        regencies = Region.objects.regencies()
        if scope_region is not None and scope_region.is_province:
            self.fields["regency"].queryset = regencies.filter(parent=scope_region)
        elif scope_region is not None:
            del self.fields["regency"]  # a kab/kota office has one
        else:
            self.fields["regency"].queryset = regencies
        district_parent = (
            scope_region.pk
            if scope_region is not None and not scope_region.is_province
            else self.data.get("regency")
        )
        if str(district_parent or "").isdigit():
            self.fields["district"].queryset = Region.objects.districts().filter(
                parent_id=district_parent
            )
        else:
            del self.fields["district"]

    def clean_after(self):
        """The keyset cursor of the next-page link: r.<score>.<id> or z.<id> (filters.page_after);
        anything else starts from the first page."""
        raw = self.cleaned_data.get("after") or ""
        parts = raw.split(".")
        try:
            if parts[0] == "s" and len(parts) >= 3:  # another order: its column's value and id
                value, pk = raw[2:].rsplit(".", 1)  # a value may hold a dot (1250000.00)
                return ("s", value, int(pk))
            if parts[0] == "r" and len(parts) == 3:
                return ("r", int(parts[1]), int(parts[2]))
            if parts[0] == "z" and len(parts) == 2:
                return ("z", int(parts[1]))
        except ValueError:
            pass
        return None


@dataclass
class ProjectPage:
    rows: list
    next_cursor: str | None


def open_flags():
    return ComplianceFlag.objects.filter(resolved_at__isnull=True)


def scored_flags():
    """The flags that rank a project: open, not waived, with an exposure score."""
    return open_flags().filter(waived_at__isnull=True, exposure_score__gt=0)


def ranked_projects(projects, data: dict):
    """Filter and rank (for exports): the riskiest first (the highest exposure score of its
    open, not waived flags), then the newest; a project with no scored flag ranks 0."""
    top_score = (
        scored_flags()
        .filter(project=OuterRef("pk"))
        .order_by()
        .values("project")
        .annotate(top=Max("exposure_score"))
        .values("top")
    )
    return (
        filtered_projects(projects, data)
        .annotate(risk=Coalesce(Subquery(top_score, output_field=IntegerField()), Value(0)))
        .order_by("-risk", "-pk")
    )


def searched_npwp(query: str) -> str | None:
    """The NPWP a search means, as stored (16 digits), when it is one, printed
    (00.241.352.954-07.000) or not, of 15 or 16 digits; None otherwise."""
    digits = "".join(ch for ch in query if ch.isdigit())
    return digits.rjust(16, "0") if len(digits) in (15, 16) else None


def filtered_projects(projects, data: dict):
    """The office's filters and search, as found in the URL (already validated)."""
    if query := (data.get("q") or "").strip():
        match = (
            Q(name__icontains=query)
            | Q(spk_number__icontains=query)
            | Q(contractor__legal_name__icontains=query)
            | Q(kode_rup=query)
        )
        if npwp := searched_npwp(query):
            match |= Q(contractor__npwp=npwp)
        projects = projects.filter(match)
    if rule := data.get("rule"):
        flags = open_flags().filter(project=OuterRef("pk"))
        if rule != "any":
            flags = flags.filter(rule=rule)
        if data.get("step") is not None:
            flags = flags.filter(escalation_step=data["step"])
        if data.get("letter_due"):
            flags = flags.filter(letter_due_step__gt=0)
        projects = projects.filter(Exists(flags))
    else:
        if data.get("step") is not None:
            projects = projects.filter(
                Exists(open_flags().filter(project=OuterRef("pk"), escalation_step=data["step"]))
            )
        if data.get("letter_due"):
            projects = projects.filter(
                Exists(open_flags().filter(project=OuterRef("pk"), letter_due_step__gt=0))
            )
    if registration := data.get("registration"):
        registrations = Registration.objects.filter(project=OuterRef("pk"))
        if registration == "none":
            projects = projects.filter(
                ~Exists(registrations.exclude(status=Registration.Status.REJECTED))
            )
        elif registration == "rejected":
            projects = projects.filter(
                Exists(registrations.filter(status=registration)),
                ~Exists(registrations.exclude(status=Registration.Status.REJECTED)),
            )
        else:
            projects = projects.filter(Exists(registrations.filter(status=registration)))
    if data.get("contractor"):
        projects = projects.filter(contractor_id=data["contractor"])
    for field in ("funding_source", "status"):
        if data.get(field):
            projects = projects.filter(**{field: data[field]})
    if data.get("regency"):
        projects = projects.filter(regency=data["regency"])
    if data.get("district"):
        projects = projects.filter(district=data["district"])
    if data.get("spk_from"):
        projects = projects.filter(spk_date__gte=data["spk_from"])
    if data.get("spk_until"):
        projects = projects.filter(spk_date__lte=data["spk_until"])
    if data.get("value_min") is not None:
        projects = projects.filter(current_base_value__gte=Decimal(data["value_min"]))
    if data.get("value_max") is not None:
        projects = projects.filter(current_base_value__lte=Decimal(data["value_max"]))
    return projects


# The other orders: (column, descending); each pages by a keyset on (column, id).
SORTS = {
    "overdue": ("registration_due_on", False),
    "value": ("current_base_value", True),
    "newest": ("spk_date", True),
}


def page_sorted(projects, sort: str, cursor, size: int | None = None) -> ProjectPage:
    """One page in another order than risk, after the cursor ("s", value, id)."""
    size = size or PAGE_SIZE
    column, descending = SORTS[sort]
    field = Project._meta.get_field(column)
    if cursor and cursor[0] == "s":
        value = field.to_python(cursor[1])
        before, same = (f"{column}__lt", "pk__lt") if descending else (f"{column}__gt", "pk__gt")
        projects = projects.filter(Q(**{before: value}) | Q(**{column: value, same: cursor[2]}))
    order = [f"-{column}", "-pk"] if descending else [column, "pk"]
    rows = list(projects.order_by(*order)[: size + 1])
    next_cursor = None
    if len(rows) > size:
        rows = rows[:size]
        next_cursor = f"s.{field.value_to_string(rows[-1])}.{rows[-1].pk}"
    for project in rows:
        project.risk = None
    return ProjectPage(rows, next_cursor)


def cached_ranking(ranked) -> list[dict]:
    """The rows of a ranking query (project ids and scores, a page's worth), from the cache when
    the same query ran under the same flags version (compliance.flag_version) less than
    PANTAU_RANKING_CACHE_SECONDS ago. The key is the query's SQL and parameters, so scope,
    filters, search and cursor are all part of it. Ranking a province's 25,000 open flags costs
    ~180 ms at 1M projects; the rest of the page is read live."""
    version = flags_version()
    if version is None or not settings.PANTAU_RANKING_CACHE_SECONDS:
        return list(ranked)
    sql, params = ranked.query.sql_with_params()
    digest = hashlib.sha256(f"{sql}|{params!r}".encode()).hexdigest()
    key = f"monitoring:ranking:{version}:{digest}"
    try:
        rows = cache.get(key)
        if rows is None:
            rows = list(ranked)
            cache.set(key, rows, timeout=settings.PANTAU_RANKING_CACHE_SECONDS)
    except Exception:  # the cache is never required for correctness
        logger.warning("office list ranking not cached", exc_info=True)
        rows = list(ranked)
    return rows


def rendered_filter_form(form: ProjectFilterForm, query: str) -> str:
    """The filter form's HTML, cached by language, scope and query string (without the page
    cursor, which the form does not show) for PANTAU_FILTER_FORM_CACHE_SECONDS. Rendering its
    widgets (a select per choice list, the region choices from the database) was more than half
    of the list's template time. Bound values and errors follow from the query alone."""
    scope = form.scope_region.pk if form.scope_region else "all"
    digest = hashlib.sha256(query.encode()).hexdigest()
    return cached_fragment(
        f"monitoring:filter-form:{get_language()}:{scope}:{digest}",
        settings.PANTAU_FILTER_FORM_CACHE_SECONDS,
        lambda: render_to_string("monitoring/_project_filters.html", {"form": form}),
    )


def page_after(projects, cursor, size: int | None = None) -> ProjectPage:
    """One page of the filtered projects, riskiest first, after the cursor.

    Two keyset phases, so a deep page costs what the first does and nothing is computed per
    project of the whole scope: first the projects with a scored flag, ranked from the flags'
    stored exposure scores (one GROUP BY over the scope's open flags), cursor ("r", score, id);
    then the others, newest first by id, cursor ("z", id).
    """
    size = size or PAGE_SIZE
    rows: list = []
    phase, *position = cursor if cursor and cursor[0] in ("r", "z") else ("r",)
    if phase == "r":
        ranked = (
            scored_flags()
            .filter(project__in=projects.values("pk"))
            .values("project_id")
            .annotate(risk=Max("exposure_score"))
            .order_by("-risk", "-project_id")
        )
        if position:
            risk, pk = position
            ranked = ranked.filter(Q(risk__lt=risk) | Q(risk=risk, project_id__lt=pk))
        chunk = cached_ranking(ranked[: size + 1])
        found = projects.in_bulk([item["project_id"] for item in chunk[:size]])
        for item in chunk[:size]:
            project = found.get(item["project_id"])  # None: deleted since the ranking
            if project is not None:
                project.risk = item["risk"]
                rows.append(project)
        if len(chunk) > size:
            last = chunk[size - 1]
            return ProjectPage(rows, f"r.{last['risk']}.{last['project_id']}")
        position = []
    unscored = projects.exclude(Exists(scored_flags().filter(project=OuterRef("pk"))))
    if position:
        unscored = unscored.filter(pk__lt=position[0])
    wanted = size - len(rows)
    chunk = list(unscored.order_by("-pk")[: wanted + 1])
    for project in chunk[:wanted]:
        project.risk = 0
        rows.append(project)
    next_cursor = f"z.{rows[-1].pk}" if len(chunk) > wanted else None
    return ProjectPage(rows, next_cursor)
