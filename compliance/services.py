"""Writes to registrations and payments. Each marks the project for compliance evaluation in
the same transaction, so the engine sees a fresh state within seconds."""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from projects.models import Project
from projects.services import mark_for_evaluation
from reference.rupiah import format_rupiah

from .evidence import attach_evidence_files
from .flag_version import flags_changed
from .models import ComplianceFlag, FlagEvent, Payment, Registration, Tariff, WarningLetter
from .rules import ESCALATING


def contribution_due(project: Project) -> Decimal:
    """The contribution due on the project's current value (after amendments), with the tariff
    in force on its SPK date (Permenaker 5/2021 tiers, or the wage basis when chosen)."""
    tariff = Tariff.objects.in_force_on(project.spk_date)
    if project.contribution_basis == Project.ContributionBasis.WAGES and project.wage_total:
        return tariff.contribution_for_wages(project.wage_total).total
    return tariff.contribution_for_value(project.current_base_value).total


@transaction.atomic
def record_registration(
    *,
    project: Project,
    bpjs_project_number: str,
    registered_on: date,
    coverage_start: date,
    coverage_end: date,
    contribution_assessed: Decimal | None = None,
    user=None,
) -> Registration:
    """Record the project's BPJS Ketenagakerjaan registration, awaiting verification.

    The assessment defaults to the contribution due on the current value; the amount in
    BPJS's assessment letter wins when given.
    """
    tariff = Tariff.objects.in_force_on(project.spk_date)
    registration = Registration(
        project=project,
        bpjs_project_number=bpjs_project_number,
        registered_on=registered_on,
        coverage_start=coverage_start,
        coverage_end=coverage_end,
        tariff=tariff,
        assessed_base_value=project.current_base_value,
        contribution_assessed=(
            contribution_due(project) if contribution_assessed is None else contribution_assessed
        ),
        submitted_by=user if user is not None and user.is_authenticated else None,
    )
    registration.full_clean()  # one live registration per project -> translated error
    registration.save()
    mark_for_evaluation([project.pk])
    return registration


@transaction.atomic
def record_payment(
    *,
    registration: Registration,
    amount: Decimal,
    paid_on: date,
    receipt_number: str,
    kind: str = Payment.Kind.FULL,
    user=None,
) -> Payment:
    """Record a payment; the first one makes the registration cover the project (Perdir 22/2022)."""
    if registration.status == Registration.Status.REJECTED:
        raise ValidationError(_("A rejected registration cannot receive payments."))
    payment = Payment(
        registration=registration,
        amount=amount,
        paid_on=paid_on,
        receipt_number=receipt_number,
        kind=kind,
        recorded_by=user if user is not None and user.is_authenticated else None,
    )
    payment.full_clean()
    payment.save()
    mark_for_evaluation([registration.project_id])
    return payment


@transaction.atomic
def verify_registration(*, registration: Registration, user) -> Registration:
    """Office or BPJS branch confirms the registration against certificate and receipt."""
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status != Registration.Status.SUBMITTED:
        raise ValidationError(_("Only a registration awaiting verification can be verified."))
    registration.status = Registration.Status.VERIFIED
    registration.verified_by, registration.verified_at = user, timezone.now()
    registration.save(update_fields=["status", "verified_by", "verified_at", "updated_at"])
    mark_for_evaluation([registration.project_id])
    return registration


@transaction.atomic
def reject_registration(*, registration: Registration, user, reason: str) -> Registration:
    """Reject a registration with a reason; the project needs a new one (rule `rejected`)."""
    if not reason or not reason.strip():
        raise ValidationError({"rejection_reason": _("A rejection needs a reason.")})
    registration = Registration.objects.select_for_update().get(pk=registration.pk)
    if registration.status == Registration.Status.REJECTED:
        raise ValidationError(_("This registration is already rejected."))
    registration.status = Registration.Status.REJECTED
    registration.rejection_reason = reason.strip()
    registration.verified_by, registration.verified_at = user, timezone.now()
    registration.save(
        update_fields=["status", "rejection_reason", "verified_by", "verified_at", "updated_at"]
    )
    mark_for_evaluation([registration.project_id])
    return registration


def _event(flag: ComplianceFlag, kind: str, *, user=None, note: str = "", **details) -> FlagEvent:
    flags_changed()  # the office list's cached ranking
    return FlagEvent.objects.create(
        flag=flag, kind=kind, at=timezone.now(), actor=user, note=note, details=details
    )


def _open_flag_for_update(flag: ComplianceFlag) -> ComplianceFlag:
    flag = ComplianceFlag.objects.select_for_update().get(pk=flag.pk)
    if flag.resolved_at is not None:
        raise ValidationError(_("This flag is already resolved."))
    return flag


@transaction.atomic
def waive_flag(*, flag: ComplianceFlag, user, reason: str) -> ComplianceFlag:
    """Office staff waive a flag: it stays open but is not counted as a violation, and no letter
    is due while waived. The waiver can be undone."""
    if not reason or not reason.strip():
        raise ValidationError({"waiver_reason": _("A waiver needs a reason.")})
    flag = _open_flag_for_update(flag)
    if flag.waived_at is not None:
        raise ValidationError(_("This flag is already waived."))
    flag.waived_at, flag.waived_by, flag.waiver_reason = timezone.now(), user, reason.strip()
    flag.letter_due_step = 0
    flag.save(update_fields=["waived_at", "waived_by", "waiver_reason", "letter_due_step"])
    _event(flag, FlagEvent.Kind.WAIVED, user=user, note=flag.waiver_reason)
    return flag


@transaction.atomic
def undo_waiver(*, flag: ComplianceFlag, user, reason: str) -> ComplianceFlag:
    if not reason or not reason.strip():
        raise ValidationError({"reason": _("Say why the waiver is undone.")})
    flag = _open_flag_for_update(flag)
    if flag.waived_at is None:
        raise ValidationError(_("This flag is not waived."))
    flag.waived_at, flag.waived_by, flag.waiver_reason = None, None, ""
    flag.save(update_fields=["waived_at", "waived_by", "waiver_reason"])
    _event(flag, FlagEvent.Kind.WAIVER_UNDONE, user=user, note=reason.strip())
    mark_for_evaluation([flag.project_id])  # letters may be due again
    return flag


@transaction.atomic
def mark_flag_handling(*, flag: ComplianceFlag, user, note: str) -> ComplianceFlag:
    """The contractor says it is on it: the flag stays open and counts; the mark clears when the
    flag resolves."""
    if flag.awaits_the_office:
        raise ValidationError(_("This finding waits for the office's verification."))
    if not note or not note.strip():
        raise ValidationError({"handling_note": _("Say what is being done.")})
    flag = _open_flag_for_update(flag)
    flag.handling_since, flag.handling_by, flag.handling_note = timezone.now(), user, note.strip()
    flag.save(update_fields=["handling_since", "handling_by", "handling_note"])
    _event(flag, FlagEvent.Kind.HANDLING, user=user, note=flag.handling_note)
    return flag


@transaction.atomic
def record_warning_letter(
    *, flag: ComplianceFlag, step: int, number: str, sent_on: date, user
) -> WarningLetter:
    """Record a sent warning letter: this, not the engine, advances the escalation step
    (PP 86/2013 ladder: letter I, letter II after N days, then a sanction recommendation)."""
    flag = _open_flag_for_update(flag)
    if flag.rule not in ESCALATING:
        raise ValidationError(_("This kind of flag does not lead to warning letters."))
    if step != flag.escalation_step + 1:
        raise ValidationError(
            _("The next letter for this flag is step %(step)s.")
            % {"step": flag.escalation_step + 1}
        )
    letter = WarningLetter(flag=flag, step=step, number=number, sent_on=sent_on, recorded_by=user)
    letter.full_clean()
    letter.save()
    flag.escalation_step = step
    flag.letter_due_step = 0
    flag.next_letter_due_on = (
        sent_on + timedelta(days=settings.PANTAU_LETTER_INTERVAL_DAYS)
        if step < ComplianceFlag.Step.SANCTION
        else None
    )
    flag.save(update_fields=["escalation_step", "letter_due_step", "next_letter_due_on"])
    _event(flag, FlagEvent.Kind.ESCALATED, user=user, note=number, step=step)
    from .notifications import queue_letter_notification

    queue_letter_notification(letter)
    return letter


@transaction.atomic
def submit_registration(
    *, project: Project, fields: dict, payment: dict | None, evidence: list, user=None
) -> Registration:
    """What the portal form records in one go: the registration, its first payment and the
    evidence files. All or nothing: a failure leaves no half-recorded registration."""
    registration = record_registration(project=project, user=user, **fields)
    if payment:
        record_payment(registration=registration, user=user, **payment)
    attach_evidence_files(registration=registration, files=evidence, user=user)
    return registration


@transaction.atomic
def submit_payment(*, registration: Registration, payment: dict, evidence: list, user=None):
    """A later payment (an installment, an addendum's extra) with its receipt: all or nothing."""
    recorded = record_payment(registration=registration, user=user, **payment)
    attach_evidence_files(registration=registration, files=evidence, user=user)
    return recorded


@transaction.atomic
def update_registration(*, registration: Registration, evidence: list, user=None) -> Registration:
    """Save a corrected registration (e.g. a coverage extended after an addendum). A change to a
    verified registration sends it back for verification: the office checks the new certificate."""
    previous = Registration.objects.select_for_update().get(pk=registration.pk)
    if previous.status == Registration.Status.REJECTED:
        raise ValidationError(_("A rejected registration cannot be changed; record a new one."))
    checked = ("bpjs_project_number", "registered_on", "coverage_start", "coverage_end")
    changed = [name for name in checked if getattr(previous, name) != getattr(registration, name)]
    if changed and previous.status == Registration.Status.VERIFIED:
        registration.status = Registration.Status.SUBMITTED
        registration.verified_by, registration.verified_at = None, None
    registration.full_clean()
    registration.save()
    attach_evidence_files(registration=registration, files=evidence, user=user)
    mark_for_evaluation([registration.project_id])
    return registration


def registration_notices(project: Project, registration: Registration | None) -> list[str]:
    """Compliance problems to show beside the form, in the engine's words; never errors."""
    from .rules import RULE_TEXT

    notices = []
    today = timezone.localdate()
    if registration is None:
        if project.is_active and project.registration_due_on < today:
            notices.append(
                _("The registration was due on %(date)s.")
                % {"date": date_format(project.registration_due_on, "j F Y")}
                + " "
                + str(RULE_TEXT["unregistered"][0])
            )
        return notices
    if registration.coverage_end < project.current_end_date:
        notices.append(
            str(RULE_TEXT["coverage_gap"][0])
            + " "
            + _("The project runs until %(date)s.")
            % {"date": date_format(project.current_end_date, "j F Y")}
        )
    paid = sum((p.amount for p in registration.payments.all()), Decimal(0))
    due = contribution_due(project)
    if not paid:
        notices.append(_("No payment is recorded yet: the project is not covered until one is."))
    elif due - paid > settings.PANTAU_UNDERPAID_TOLERANCE:
        notices.append(
            str(RULE_TEXT["underpaid"][0])
            + " "
            + _("Due %(due)s, paid %(paid)s.")
            % {"due": format_rupiah(due), "paid": format_rupiah(paid)}
        )
    return notices
