"""Projects and contractors in the API (/api/v1): read in the caller's scope; contractors
create projects with the portal's form and service, so the checks are the same."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from ninja import Field, Query, Router, Schema, Status

from compliance.models import ComplianceFlag
from config.api_errors import ERRORS, ApiError, object_or_not_found
from config.api_pagination import keyset_page
from config.api_schemas import Id, PageParams, RegionCode, Since, contractor_of, user_of
from reference.forms import add_service_errors

from . import services
from .forms import ProjectForm
from .models import Contractor, Project

router = Router(tags=["projects"])

ProjectStatus = Literal[tuple(Project.Status.values)]
FundingSource = Literal[tuple(Project.FundingSource.values)]
ContributionBasis = Literal[tuple(Project.ContributionBasis.values)]
Rule = Literal[tuple(ComplianceFlag.Rule.values)]


class ProjectOut(Schema):
    id: int
    name: str
    contractor_id: int
    owner: str = Field(alias="work_unit.name")
    parent_id: int | None
    spk_number: str
    spk_date: date
    start_date: date
    end_date: date
    status: ProjectStatus
    bast_date: date | None
    contract_value: Decimal
    includes_ppn: bool
    ppn_rate: Decimal
    contribution_basis: ContributionBasis
    wage_total: Decimal | None
    funding_source: FundingSource
    province: str = Field(alias="province.code")
    regency: str = Field(alias="regency.code")
    district: str | None
    address: str
    kode_rup: str
    kode_tender: str | None
    planned_workforce: int | None
    source: str
    current_base_value: Decimal
    current_end_date: date
    registration_due_on: date
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_district(project) -> str | None:
        return project.district.code if project.district_id else None


class ProjectPage(Schema):
    items: list[ProjectOut]
    next: str | None


class ProjectFilters(PageParams):
    status: ProjectStatus | None = None
    regency: RegionCode | None = None
    contractor: int | None = Field(None, ge=1, le=2**63 - 1)
    rule: Rule | None = Field(None, description="Projects with an open flag of this rule.")
    updated_since: Since | None = None


class ProjectIn(Schema):
    """The fields of the portal's project form; amounts in rupiah (digits or 1.250.000.000)."""

    name: str
    owner_name: str = Field(description="The work unit (satker/OPD) that ordered the work.")
    owner_ppk_email: str = ""
    spk_number: str
    spk_date: date
    start_date: date
    end_date: date
    contract_value: int | str
    includes_ppn: bool = False
    ppn_rate: Decimal | None = Field(None, description="Percent; default the standard PPN rate.")
    contribution_basis: ContributionBasis = Project.ContributionBasis.CONTRACT_VALUE.value
    wage_total: int | str | None = None
    funding_source: FundingSource
    regency: RegionCode = Field(description="Kemendagri code of the work site's kab/kota.")
    district: str | None = Field(
        None, max_length=13, description="Kemendagri code of the kecamatan, e.g. 32.75.01."
    )
    address: str = ""
    kode_rup: str = ""
    kode_tender: str | None = None
    planned_workforce: int | None = None
    status: ProjectStatus = Project.Status.PLANNED.value
    bast_date: date | None = None


def _projects(request):
    return Project.objects.visible_to(user_of(request)).select_related(
        "work_unit", "province", "regency", "district"
    )


@router.get("/projects", response={200: ProjectPage, **ERRORS}, summary="List projects")
def project_list(request, filters: Query[ProjectFilters]):
    projects = _projects(request)
    if filters.status:
        projects = projects.filter(status=filters.status)
    if filters.regency:
        projects = projects.filter(regency__code=filters.regency)
    if filters.contractor:
        projects = projects.filter(contractor_id=filters.contractor)
    if filters.rule:
        open_flags = ComplianceFlag.objects.open().filter(rule=filters.rule)
        projects = projects.filter(pk__in=open_flags.values("project_id"))
    if filters.updated_since:
        projects = projects.filter(updated_at__gte=filters.updated_since)
    return keyset_page(request, projects, filters)


@router.get("/projects/{project_id}", response={200: ProjectOut, **ERRORS}, summary="A project")
def project_detail(request, project_id: Id):
    project = object_or_not_found(_projects(request), project_id)
    return project


def _form_data(payload: ProjectIn) -> dict:
    data = payload.dict()
    if data["ppn_rate"] is None:
        data["ppn_rate"] = settings.PANTAU_DEFAULT_PPN_RATE
    return {name: value for name, value in data.items() if value is not None}


@router.post(
    "/projects",
    response={201: ProjectOut, **ERRORS},
    summary="Register a project (contractors)",
    description="The checks of the portal's project form. An owner (work unit) of the same "
    "name in the kab/kota is reused, otherwise created.",
)
def project_create(request, payload: ProjectIn):
    contractor = contractor_of(request)
    form = ProjectForm(
        _form_data(payload), instance=Project(contractor=contractor), contractor=contractor
    )
    if not form.is_valid():
        raise ApiError.from_form(form)
    try:
        with transaction.atomic():
            project = form.save(commit=False)
            project.work_unit = form.owner_for_save()
            services.save_project(project=project, user=user_of(request))
    except ValidationError as error:
        add_service_errors(form, error)
        raise ApiError.from_form(form) from None
    return Status(201, _projects(request).get(pk=project.pk))


# --- Contractors -------------------------------------------------------------------------------


class ContractorOut(Schema):
    id: int
    legal_name: str
    npwp: str
    nib: str | None
    npp: str
    qualification: str
    province: str = Field(alias="province.code")
    regency: str = Field(alias="regency.code")
    source: str
    is_confirmed: bool
    created_at: datetime
    updated_at: datetime


class ContractorPage(Schema):
    items: list[ContractorOut]
    next: str | None


class ContractorFilters(PageParams):
    regency: RegionCode | None = None
    updated_since: Since | None = None


def _contractors(request):
    return Contractor.objects.visible_to(user_of(request)).select_related("province", "regency")


@router.get(
    "/contractors",
    response={200: ContractorPage, **ERRORS},
    summary="List contractors",
    tags=["contractors"],
)
def contractor_list(request, filters: Query[ContractorFilters]):
    contractors = _contractors(request)
    if filters.regency:
        contractors = contractors.filter(regency__code=filters.regency)
    if filters.updated_since:
        contractors = contractors.filter(updated_at__gte=filters.updated_since)
    return keyset_page(request, contractors, filters)


@router.get(
    "/contractors/{contractor_id}",
    response={200: ContractorOut, **ERRORS},
    summary="A contractor",
    tags=["contractors"],
)
def contractor_detail(request, contractor_id: Id):
    contractor = object_or_not_found(_contractors(request), contractor_id)
    return contractor
