"""Contractor pages for the BPJS registration of a project: record it with its first payment and
evidence, correct or extend it, add payments, download evidence, and upload through a signed
link from a reminder email. Thin views: the rules live in services, evidence and upload_links."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Office
from projects.models import Project
from reference.forms import add_service_errors

from . import letters, services, upload_links
from .evidence import attach_evidence_files
from .forms import EvidenceForm, PaymentForm, RegistrationForm, WarningLetterForm
from .models import ComplianceFlag, Registration, RegistrationEvidence


def _notify(request, project, registration) -> None:
    for notice in services.registration_notices(project, registration):
        messages.warning(request, notice)


def _registration_page(request, template, form, project, registration=None):
    """A registration or payment form beside what the engine would say and what is due."""
    return render(
        request,
        template,
        {
            "project": project,
            "registration": registration,
            "form": form,
            "notices": services.registration_notices(project, registration),
            "contribution_due": services.contribution_due(project),
        },
    )


@login_required
def registration_create(request, project_pk):
    project = get_object_or_404(Project.objects.editable_by(request.user), pk=project_pk)
    live = project.registrations.exclude(status=Registration.Status.REJECTED).first()
    if live is not None:
        return redirect("compliance:registration_edit", live.pk)
    form = RegistrationForm(request.POST or None, request.FILES or None, project=project)
    if request.method == "POST" and form.is_valid():
        try:
            registration = services.submit_registration(
                project=project,
                fields={name: form.cleaned_data[name] for name in form.Meta.fields},
                payment=form.payment_data(),
                evidence=form.evidence_files(),
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The registration is recorded and waits for verification by the office."),
            )
            _notify(request, project, registration)
            return redirect(project)
    return _registration_page(request, "compliance/registration_form.html", form, project)


def _editable_registration(request, pk, *, projects=Project.objects.editable_by) -> Registration:
    return get_object_or_404(
        Registration.objects.filter(project__in=projects(request.user)).select_related("project"),
        pk=pk,
    )


@login_required
def registration_edit(request, pk):
    registration = _editable_registration(request, pk)
    project = registration.project
    if registration.status == Registration.Status.REJECTED:
        messages.info(request, _("This registration was rejected; record a new one."))
        return redirect("compliance:registration_create", project.pk)
    form = RegistrationForm(
        request.POST or None, request.FILES or None, instance=registration, project=project
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_registration(
                registration=form.instance, evidence=form.evidence_files(), user=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The registration is saved."))
            _notify(request, project, registration)
            return redirect(project)
    return _registration_page(
        request, "compliance/registration_form.html", form, project, registration
    )


@login_required
def payment_create(request, registration_pk):
    registration = _editable_registration(request, registration_pk)
    project = registration.project
    form = PaymentForm(request.POST or None, request.FILES or None, registration=registration)
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_payment(
                registration=registration,
                payment={name: form.cleaned_data[name] for name in form.Meta.fields},
                evidence=form.evidence_files(),
                user=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, _("The payment is recorded."))
            _notify(request, project, registration)
            return redirect(project)
    return _registration_page(request, "compliance/payment_form.html", form, project, registration)


@login_required
@require_GET
def evidence_download(request, pk):
    """The file as an attachment with its checked type: never rendered inline as HTML, and only
    for those who may see the registration (another company's file is a 404)."""
    evidence = get_object_or_404(
        RegistrationEvidence.objects.filter(
            registration__in=Registration.objects.visible_to(request.user)
        ),
        pk=pk,
    )
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError as error:
        raise Http404(_("The file is missing from storage.")) from error
    response = FileResponse(
        handle,
        as_attachment=request.GET.get("inline") != "1" or evidence.content_type == "text/html",
        filename=evidence.original_name,
        content_type=evidence.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def upload_by_link(request, token):
    """A reminder's recipient records the registration of one project without logging in."""
    # In the mail's language (the link carries it), unless this browser chose one.
    language = request.GET.get("lang", "")
    if (
        language in dict(settings.LANGUAGES)
        and settings.LANGUAGE_COOKIE_NAME not in request.COOKIES
    ):
        translation.activate(language)
        request.LANGUAGE_CODE = language
    try:
        project = upload_links.project_for_token(token)
    except upload_links.LinkError as error:
        return render(request, "compliance/upload_link_invalid.html", {"reason": str(error)})
    # With no registration yet the link records one; with one already, it only adds documents
    # (a leaked link must not let a stranger rewrite a registration).
    live = project.registrations.exclude(status=Registration.Status.REJECTED).first()
    if live is None:
        form = RegistrationForm(request.POST or None, request.FILES or None, project=project)
    else:
        form = EvidenceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                if live is None:
                    registration = services.submit_registration(
                        project=project,
                        fields={name: form.cleaned_data[name] for name in form.Meta.fields},
                        payment=form.payment_data(),
                        evidence=form.evidence_files(),
                    )
                else:
                    registration = live
                    attach_evidence_files(registration=live, files=form.evidence_files())
                upload_links.spend(token, project=project, registration=registration)
        except ValidationError as error:
            add_service_errors(form, error)
        except upload_links.LinkError as error:
            return render(request, "compliance/upload_link_invalid.html", {"reason": str(error)})
        else:
            return render(request, "compliance/upload_link_done.html", {"project": project})
    return render(
        request,
        "compliance/upload_link_form.html",
        {"project": project, "form": form, "registration": live},
    )


# --- Actions from the project page: verification and waivers (offices), 'being handled'
# (contractors). POST only; each needs its reason; another region's object is a 404.


def _office_editor(user) -> None:
    if not (user.is_superuser or user.can_edit_as_office):
        raise PermissionDenied(_("Only office staff who may edit can do this."))


def _action(request, target_project_id, call) -> HttpResponseRedirect:
    try:
        call()
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Saved."))
    return redirect("projects:detail", target_project_id)


@login_required
@require_POST
def registration_decide(request, pk, decision):
    """Verify or reject (with a reason) a registration; a BPJS branch's decision is labelled as
    BPJS's on the page (verified_by's office kind)."""
    _office_editor(request.user)
    registration = _editable_registration(request, pk, projects=Project.objects.actionable_by)
    if decision == "verify":
        # Verifying attests that the documents were checked, and the page offers no undo: the
        # box must be ticked.
        if request.POST.get("checked") != "yes":
            messages.error(
                request,
                _(
                    "Nothing was verified: tick the box to confirm that you checked the "
                    "certificate and the payment receipt."
                ),
            )
            return redirect("projects:detail", registration.project_id)
        return _action(
            request,
            registration.project_id,
            lambda: services.verify_registration(registration=registration, user=request.user),
        )
    return _action(
        request,
        registration.project_id,
        lambda: services.reject_registration(
            registration=registration, user=request.user, reason=request.POST.get("reason", "")
        ),
    )


def _flag_in_scope(request, pk, *, editable=True) -> ComplianceFlag:
    projects = (
        Project.objects.actionable_by(request.user)
        if editable
        else Project.objects.visible_to(request.user)
    )
    return get_object_or_404(
        ComplianceFlag.objects.filter(project__in=projects, resolved_at__isnull=True), pk=pk
    )


@login_required
@require_POST
def flag_waiver(request, pk, action):
    _office_editor(request.user)
    if request.user.office_id and request.user.office.kind == Office.Kind.BPJS_BRANCH:
        # A branch verifies registrations; waivers and letters are the labour office's call.
        raise PermissionDenied(_("Waivers are decided by the labour office."))
    flag = _flag_in_scope(request, pk)
    reason = request.POST.get("reason", "")
    call = services.waive_flag if action == "waive" else services.undo_waiver
    return _action(
        request, flag.project_id, lambda: call(flag=flag, user=request.user, reason=reason)
    )


@login_required
@require_POST
def flag_handling(request, pk):
    """The contractor marks a finding as being handled, with a note."""
    if getattr(request.user, "contractor_membership", None) is None:
        raise PermissionDenied(_("Only the contractor marks its findings as being handled."))
    flag = _flag_in_scope(request, pk)
    return _action(
        request,
        flag.project_id,
        lambda: services.mark_flag_handling(
            flag=flag, user=request.user, note=request.POST.get("note", "")
        ),
    )


def _form_errors_as_messages(request, form) -> None:
    """The errors of an inline form of the project page, shown at the top of the page after the
    redirect as the page's other inline forms do; each names its field, since it is not beside it."""
    for name, errors in form.errors.items():
        field = form.fields.get(name)
        for message in errors:
            if field is not None:
                message = _("%(field)s: %(error)s") % {"field": field.label, "error": message}
            messages.error(request, message)


def _labour_office_editor(user):
    _office_editor(user)
    if user.office_id and user.office.kind != Office.Kind.LABOUR_OFFICE:
        raise PermissionDenied(_("Warning letters are sent by the labour office."))


@login_required
@require_POST
def warning_letter(request, pk):
    """Print the next warning letter of a finding as PDF, or record it as sent (which advances
    the escalation step). The number and date the office gives appear on the letter."""
    _labour_office_editor(request.user)
    flag = _flag_in_scope(request, pk)
    form = WarningLetterForm(request.POST, flag=flag)
    if not form.is_valid():
        _form_errors_as_messages(request, form)
        return redirect("projects:detail", flag.project_id)
    number, sent_on = form.cleaned_data["number"], form.cleaned_data["sent_on"]
    step = flag.escalation_step + 1
    if request.POST.get("action") == "record":
        return _action(
            request,
            flag.project_id,
            lambda: services.record_warning_letter(
                flag=flag, step=step, number=number, sent_on=sent_on, user=request.user
            ),
        )
    office = request.user.office or _office_for_superuser(flag)
    pdf = letters.render_warning_letter(
        flag=flag, step=step, number=number, sent_on=sent_on, office=office
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="surat-teguran-{step}-{flag.project.spk_number}.pdf"'.replace(
            "/", "-"
        )
    )
    return response


def _office_for_superuser(flag):
    """An admin prints on the letterhead of the labour office of the project's kab/kota."""
    office = (
        Office.objects.filter(
            kind=Office.Kind.LABOUR_OFFICE, region=flag.project.regency_id
        ).first()
        or Office.objects.filter(
            kind=Office.Kind.LABOUR_OFFICE, region=flag.project.province_id
        ).first()
    )
    if office is None:
        raise Http404(_("No labour office is set up for this region."))
    return office
