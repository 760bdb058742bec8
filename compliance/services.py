"""Writes to registrations and payments. Each marks the project for compliance evaluation in
the same transaction, so the engine sees a fresh state within seconds."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from projects.models import Project
from projects.services import mark_for_evaluation

from .models import Payment, Registration, Tariff


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
