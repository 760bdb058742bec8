"""Compliance endpoints of the API (/api/v1): the public contribution calculator, and
registrations and flags in the caller's scope. Contractors record registrations with the
portal's form and service, so the checks are the same."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema, Status

from config.api_errors import ERRORS, ApiError, ErrorResponse, object_or_not_found
from config.api_pagination import keyset_page, reject_unknown_parameters
from config.api_schemas import Id, PageParams, Since, contractor_of, user_of
from projects.models import Project
from reference.forms import add_service_errors
from reference.rupiah import round_rupiah, value_before_ppn

from . import services
from .forms import ContributionQueryForm, RegistrationForm
from .models import ComplianceFlag, Registration

router = Router(tags=["contribution"])


class ContributionQuery(Schema):
    contract_value: str | None = None
    includes_ppn: str | None = None
    ppn_rate: str | None = None
    spk_date: str | None = None
    start_date: str | None = None


class SliceOut(Schema):
    lower: int
    upper: int | None
    amount: int
    jkk_rate: str
    jkm_rate: str


class ContributionOut(Schema):
    contract_value: int
    base_value: int
    jkk: int
    jkm: int
    total: int
    tariff: str
    slices: list[SliceOut]
    registration_due_on: date | None


@router.get(
    "/contribution",
    response={200: ContributionOut, 400: ErrorResponse, 429: ErrorResponse},
    auth=None,
    summary="BPJS Ketenagakerjaan contribution of a construction contract",
    description=(
        "JKK and JKM on marginal tiers of the contract value before PPN (Permenaker 5/2021). "
        "`contract_value` in rupiah (digits, or Indonesian format such as 1.250.000.000); "
        "`includes_ppn` true/false (default false); `ppn_rate` in percent (default 11); "
        "`spk_date` (YYYY-MM-DD, default today) chooses the tariff. Amounts are whole rupiah; "
        "`slices` are the tiers used. With `spk_date` and `start_date`, `registration_due_on` "
        "is the registration deadline (working days, holidays skipped)."
    ),
)
def contribution(request, params: Query[ContributionQuery]):
    reject_unknown_parameters(request, params)
    form = ContributionQueryForm(params.dict(exclude_none=True))
    if not form.is_valid():
        raise ApiError.from_form(form)
    data = form.cleaned_data
    tariff = data["tariff"]
    base = value_before_ppn(
        data["contract_value"], includes_ppn=data["includes_ppn"], ppn_rate=data["ppn_rate"]
    )
    result = tariff.contribution_for_value(base)
    return {
        # Whole rupiah like the other amounts: rounded half up, not truncated (1,5 -> 2).
        "contract_value": int(round_rupiah(data["contract_value"])),
        "base_value": int(base),
        "jkk": int(result.jkk),
        "jkm": int(result.jkm),
        "total": int(result.total),
        "tariff": str(tariff),
        "slices": [
            {
                "lower": int(piece.lower),
                "upper": None if piece.upper is None else int(piece.upper),
                "amount": int(piece.amount),
                "jkk_rate": f"{piece.jkk_rate.normalize():f}",
                "jkm_rate": f"{piece.jkm_rate.normalize():f}",
            }
            for piece in result.slices
        ],
        "registration_due_on": data.get("registration_due_on"),
    }


# --- Registrations -----------------------------------------------------------------------------

RegistrationStatus = Literal[tuple(Registration.Status.values)]


class PaymentOut(Schema):
    kind: str
    amount: Decimal
    paid_on: date
    receipt_number: str


class RegistrationOut(Schema):
    id: int
    project_id: int
    bpjs_project_number: str
    registered_on: date
    coverage_start: date
    coverage_end: date
    status: RegistrationStatus
    rejection_reason: str
    assessed_base_value: Decimal
    contribution_assessed: Decimal
    payments_total: Decimal
    payments: list[PaymentOut]
    verified_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_payments(registration) -> list:
        return list(registration.payments.all())


class RegistrationPage(Schema):
    items: list[RegistrationOut]
    next: str | None


class RegistrationFilters(PageParams):
    status: RegistrationStatus | None = None
    project: int | None = Field(None, ge=1, le=2**63 - 1)
    updated_since: Since | None = None


class RegistrationIn(Schema):
    """The portal's registration form: the registration as on BPJS's certificate and, when
    paid, the first payment (amount, date and receipt number together)."""

    bpjs_project_number: str
    registered_on: date
    coverage_start: date
    coverage_end: date
    amount: int | str | None = Field(None, description="Contribution paid, in rupiah.")
    paid_on: date | None = None
    receipt_number: str | None = None


def _registrations(request):
    return Registration.objects.visible_to(user_of(request)).prefetch_related("payments")


@router.get(
    "/registrations",
    response={200: RegistrationPage, **ERRORS},
    summary="List BPJS Ketenagakerjaan registrations",
    tags=["registrations"],
)
def registration_list(request, filters: Query[RegistrationFilters]):
    registrations = _registrations(request)
    if filters.status:
        registrations = registrations.filter(status=filters.status)
    if filters.project:
        registrations = registrations.filter(project_id=filters.project)
    if filters.updated_since:
        registrations = registrations.filter(updated_at__gte=filters.updated_since)
    return keyset_page(request, registrations, filters)


@router.get(
    "/registrations/{registration_id}",
    response={200: RegistrationOut, **ERRORS},
    summary="A registration",
    tags=["registrations"],
)
def registration_detail(request, registration_id: Id):
    registration = object_or_not_found(_registrations(request), registration_id)
    return registration


@router.post(
    "/projects/{project_id}/registrations",
    response={201: RegistrationOut, **ERRORS},
    summary="Record a project's registration (contractors)",
    description="The checks of the portal's registration form; one live (not rejected) "
    "registration per project. Evidence files (certificate, receipt) are uploaded on the "
    "project's page of the web application, not through the API.",
    tags=["registrations"],
)
def registration_create(request, project_id: Id, payload: RegistrationIn):
    contractor_of(request)  # offices read only
    project = object_or_not_found(Project.objects.editable_by(user_of(request)), project_id)
    data = {name: value for name, value in payload.dict().items() if value is not None}
    form = RegistrationForm(data, project=project)
    if not form.is_valid():
        raise ApiError.from_form(form)
    try:
        registration = services.submit_registration(
            project=project,
            fields={name: form.cleaned_data[name] for name in form.Meta.fields},
            payment=form.payment_data(),
            evidence=[],
            user=user_of(request),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        raise ApiError.from_form(form) from None
    return Status(201, _registrations(request).get(pk=registration.pk))


# --- Flags -------------------------------------------------------------------------------------

Rule = Literal[tuple(ComplianceFlag.Rule.values)]
Severity = Literal[tuple(ComplianceFlag.Severity.values)]


class FlagOut(Schema):
    id: int
    project_id: int
    rule: Rule
    severity: Severity
    explanation: str
    opened_at: datetime
    violation_since: datetime | None
    resolved_at: datetime | None
    resolution: str
    waived_at: datetime | None
    handling_since: datetime | None
    escalation_step: int
    next_letter_due_on: date | None
    exposure_score: int

    @staticmethod
    def resolve_explanation(flag) -> str:
        return str(flag.explanation)  # a lazy translation, in the request's language


class FlagPage(Schema):
    items: list[FlagOut]
    next: str | None


class FlagFilters(PageParams):
    rule: Rule | None = None
    severity: Severity | None = None
    is_open: bool | None = Field(None, description="true: open flags; false: resolved ones.")
    project: int | None = Field(None, ge=1, le=2**63 - 1)
    opened_since: Since | None = None


def _flags(request):
    return ComplianceFlag.objects.visible_to(user_of(request))


@router.get(
    "/flags",
    response={200: FlagPage, **ERRORS},
    summary="List compliance flags",
    tags=["flags"],
)
def flag_list(request, filters: Query[FlagFilters]):
    flags = _flags(request)
    if filters.rule:
        flags = flags.filter(rule=filters.rule)
    if filters.severity:
        flags = flags.filter(severity=filters.severity)
    if filters.is_open is not None:
        flags = flags.filter(resolved_at__isnull=filters.is_open)
    if filters.project:
        flags = flags.filter(project_id=filters.project)
    if filters.opened_since:
        flags = flags.filter(opened_at__gte=filters.opened_since)
    return keyset_page(request, flags, filters)


@router.get(
    "/flags/{flag_id}",
    response={200: FlagOut, **ERRORS},
    summary="A compliance flag",
    tags=["flags"],
)
def flag_detail(request, flag_id: Id):
    flag = object_or_not_found(_flags(request), flag_id)
    return flag
