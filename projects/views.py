"""Project pages: the contractor's 'my projects', registering and correcting a project, its
addenda, and the detail page every permitted role shares. Rules live in services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from compliance import services as compliance_services
from compliance.contribution import extra_contribution
from compliance.models import FlagEvent, Registration, Tariff
from compliance.rules import ESCALATING
from compliance.status import TariffBook, portal_status
from reference.forms import add_service_errors

from . import services
from .forms import AmendmentForm, ProjectForm
from .history import change_log
from .models import Project, may_act_on_visible_projects, may_edit_visible_projects
from .pages import MY_PROJECTS_PAGE, MyProjects, project_page

HISTORY_ROWS = 100  # the latest events and changes on the history page


@login_required
def project_list(request):
    """'My projects': each project with its status and the next thing to do (a fixed number of
    queries per page, whatever the number of projects)."""
    page = Paginator(MyProjects(request.user), MY_PROJECTS_PAGE).get_page(request.GET.get("page"))
    tariffs, today = TariffBook(), timezone.localdate()
    contractor = _contractor_of(request.user)
    rows = [(project, portal_status(project, today=today, tariffs=tariffs)) for project in page]
    return render(
        request,
        "projects/project_list.html",
        {
            "page": page,
            "rows": rows,
            "can_add": contractor is not None,
            "claim_pending": contractor is not None and contractor.is_claim_pending,
        },
    )


def _contractor_of(user):
    membership = getattr(user, "contractor_membership", None)
    return membership.contractor if membership else None


def _project_notices(project) -> list[str]:
    live = project.registrations.exclude(status=Registration.Status.REJECTED).first()
    return compliance_services.registration_notices(project, live)


@login_required
def project_create(request):
    contractor = _contractor_of(request.user)
    if contractor is None:
        raise PermissionDenied(_("Only a contractor's users register projects here."))
    return _project_form(request, Project(contractor=contractor), contractor)


@login_required
def project_edit(request, pk):
    project = get_object_or_404(
        Project.objects.editable_by(request.user).select_related("contractor", "work_unit"), pk=pk
    )
    return _project_form(request, project, project.contractor)


def _project_form(request, project, contractor):
    form = ProjectForm(request.POST or None, instance=project, contractor=contractor)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                project = form.save(commit=False)
                project.work_unit = form.owner_for_save()
                services.save_project(project=project, user=request.user)
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The project is saved."))
            for notice in _project_notices(project):
                messages.warning(request, notice)
            return redirect(project)
    return render(
        request,
        "projects/project_form.html",
        {"form": form, "project": project if project.pk else None},
    )


@login_required
def amendment_create(request, pk):
    """Record an addendum; the page shows the extra contribution and the coverage end needed."""
    project = get_object_or_404(Project.objects.editable_by(request.user), pk=pk)
    form = AmendmentForm(request.POST or None, project=project)
    preview = None
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = _amendment_preview(project, form.cleaned_data)
        else:
            try:
                services.record_amendment(
                    project=project,
                    signed_on=form.cleaned_data["signed_on"],
                    document_number=form.cleaned_data["document_number"],
                    new_contract_value=form.cleaned_data.get("new_contract_value"),
                    new_end_date=form.cleaned_data.get("new_end_date"),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                project.refresh_from_db()
                messages.success(request, _("The addendum is recorded."))
                for notice in _project_notices(project):
                    messages.warning(request, notice)
                return redirect(project)
    return render(
        request,
        "projects/amendment_form.html",
        {"project": project, "form": form, "preview": preview},
    )


def _amendment_preview(project, data) -> dict:
    """What the addendum would change: the extra contribution f(new DPP) - f(old DPP) and the
    coverage end the registration must then reach (domain.md §3.5)."""
    from reference.rupiah import value_before_ppn

    tariff = Tariff.objects.in_force_on(project.spk_date)
    new_base = project.current_base_value
    if data.get("new_contract_value"):
        new_base = value_before_ppn(
            data["new_contract_value"], includes_ppn=project.includes_ppn, ppn_rate=project.ppn_rate
        )
    return {
        "new_base_value": new_base,
        "extra_contribution": extra_contribution(
            project.current_base_value, new_base, tariff.as_tiers()
        ),
        "coverage_end_needed": data.get("new_end_date") or project.current_end_date,
    }


@login_required
def project_detail(request, pk):
    """One URL per project for every permitted role; another tenant's project is a 404."""
    project = project_page(request.user, pk)
    if project is None:
        raise Http404
    status = portal_status(project, today=timezone.localdate(), tariffs=TariffBook())
    # The project came from the user's scope: no query for either right.
    can_edit = may_edit_visible_projects(request.user)
    can_act = may_act_on_visible_projects(request.user)
    return render(
        request,
        "projects/project_detail.html",
        {
            "project": project,
            "amendments": project.amendment_list,
            # Newest registration date first, as the registrations' own ordering (the page
            # reads them by creation, as portal_status does).
            "registrations": sorted(
                project.portal_registrations, key=lambda r: (r.registered_on, r.pk), reverse=True
            ),
            "open_flags": status.flags,
            "notes": project.note_list,
            "workers_active": project.workers_active,
            "status": status,
            "can_edit": can_edit,
            "can_act": can_act,
            "office_editor": can_act
            and (request.user.is_superuser or request.user.is_office_staff),
            "contractor_user": can_act and _contractor_of(request.user) is not None,
            # Waivers and warning letters are the labour office's (a BPJS branch only verifies).
            "can_waive": request.user.is_superuser or request.user.can_change_project_data,
            "letter_rules": [str(rule) for rule in ESCALATING],
            "today": timezone.localdate(),
        },
    )


@login_required
@require_safe
def project_history(request, pk):
    """The project's findings timeline and change log, on their own page: the project page
    loads them when its folded sections are opened (static/js/folded-sections.js), so it does
    not read and diff a long history that most visits never look at."""
    project = get_object_or_404(Project.objects.visible_to(request.user).only("pk", "name"), pk=pk)
    # One row more than shown says whether older ones were left out.
    timeline = list(
        FlagEvent.objects.filter(flag__project=project)
        .select_related("flag", "actor")
        .order_by("-at", "-pk")[: HISTORY_ROWS + 1]
    )
    history = change_log(project, limit=HISTORY_ROWS + 1)
    return render(
        request,
        "projects/project_history.html",
        {
            "project": project,
            "timeline": timeline[:HISTORY_ROWS],
            "timeline_cut": len(timeline) > HISTORY_ROWS,
            "history": history[:HISTORY_ROWS],
            "history_cut": len(history) > HISTORY_ROWS,
            "rows": HISTORY_ROWS,
            "for_script": request.headers.get("X-Pantau-Part") == "1",
        },
    )


@login_required
@require_POST
def note_create(request, pk):
    """Office staff (editors) and the contractor add a note to the project's record."""
    project = get_object_or_404(Project.objects.actionable_by(request.user), pk=pk)
    try:
        services.add_note(project=project, user=request.user, text=request.POST.get("text", ""))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The note is added."))
    return redirect(project)
