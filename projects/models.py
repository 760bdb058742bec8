"""Contractors, project owners (work units) and construction projects with their amendments."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from reference.identifiers import validate_nib, validate_npp, validate_npwp
from reference.models import Region
from reference.rupiah import MAX_AMOUNT, MaxRupiahValidator

# The largest planned workforce of one project. A big site employs thousands of workers at its
# peak; 100,000 leaves room for the largest, while a typo (3,000,000,000 workers) is refused
# before it reaches the exposure score (compliance.scanning.weight_expression, which also caps
# the workforce it estimates from the value at this). The constraint's message says "100,000".
MAX_PLANNED_WORKFORCE = 100_000


class ContractorQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only door to contractors: a company sees itself, an office those of its region
        (seated there or working there), a superuser all."""
        if not user.is_authenticated:
            return self.none()
        if user.is_superuser:
            return self
        if membership := getattr(user, "contractor_membership", None):
            return self.filter(pk=membership.contractor_id)
        if office := user.office:
            region_field = "province" if office.region.is_province else "regency"
            return self.filter(
                Q(**{region_field: office.region_id})
                | Q(projects__in=Project.objects.visible_to(user))
            ).distinct()
        return self.none()


class Contractor(models.Model):
    """A construction company (penyedia jasa konstruksi), identified by its NPWP."""

    class Qualification(models.TextChoices):
        SMALL = "small", _("Small (kecil)")
        MEDIUM = "medium", _("Medium (menengah)")
        LARGE = "large", _("Large (besar)")
        CONSULTANT = "consultant", _("Construction consultant")

    class Source(models.TextChoices):
        SIGN_UP = "sign_up", _("Signed up")
        OFFICE = "office", _("Entered by an office")
        PROCUREMENT = "procurement", _("Procurement data import")

    legal_name = models.CharField(_("legal name"), max_length=255)
    npwp = models.CharField(
        _("NPWP"),
        max_length=16,
        unique=True,
        validators=[validate_npwp],
        help_text=_("15 or 16 digits; stored in the 16-digit form."),
    )
    nib = models.CharField(
        _("NIB"),
        max_length=13,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_nib],
    )
    npp = models.CharField(
        _("BPJS company number (NPP)"),
        max_length=8,
        blank=True,
        validators=[validate_npp],
    )
    qualification = models.CharField(
        _("qualification"), max_length=12, choices=Qualification, blank=True
    )
    address = models.TextField(_("address"), blank=True)
    province = models.ForeignKey(
        "reference.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    regency = models.ForeignKey(
        "reference.Region",
        verbose_name=_("regency/city"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    source = models.CharField(_("source"), max_length=12, choices=Source, default=Source.OFFICE)
    confirmed_at = models.DateTimeField(_("confirmed by the office at"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = ContractorQuerySet.as_manager()

    class Meta:
        verbose_name = _("contractor")
        verbose_name_plural = _("contractors")
        ordering = ["legal_name"]
        constraints = [
            # validate_npwp() normalises to 16 digits; the database refuses anything else.
            models.CheckConstraint(
                condition=Q(npwp__regex=r"^[0-9]{16}$"),
                name="projects_contractor_npwp_16_digits",
                violation_error_message=_("The NPWP must be stored as 16 digits."),
            ),
        ]
        indexes = [models.Index(fields=["regency", "legal_name"])]

    def __str__(self):
        return self.legal_name

    def clean(self):
        if self.npwp:
            try:
                self.npwp = validate_npwp(self.npwp)
            except ValidationError as error:
                raise ValidationError({"npwp": error.messages}) from None
        if self.nib == "":
            self.nib = None
        if self.regency_id and self.province_id and self.regency.parent_id != self.province_id:
            raise ValidationError(
                {"regency": _("This regency/city is not in the province chosen.")}
            )

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def is_claim_pending(self) -> bool:
        """Claimed from a procurement import, not yet confirmed by an office: its projects
        stay hidden from its people (ProjectQuerySet.visible_to)."""
        return self.source == self.Source.PROCUREMENT and self.confirmed_at is None


class ContractorMembership(models.Model):
    """A user working for a contractor; the company admin invites and removes colleagues."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="contractor_membership",
    )
    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("contractor"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    is_company_admin = models.BooleanField(_("company admin"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("contractor membership")
        verbose_name_plural = _("contractor memberships")

    def __str__(self):
        return f"{self.user} @ {self.contractor}"

    def clean(self):
        if self.user_id and self.user.office_id:
            raise ValidationError(
                _("Office staff cannot also work for a contractor; use a separate account.")
            )


class WorkUnit(models.Model):
    """The project owner (pengguna jasa): a satker/OPD of a government, a BUMN or a private owner."""

    name = models.CharField(_("name"), max_length=255)
    klpd_code = models.CharField(
        _("KLPD code"),
        max_length=20,
        blank=True,
        help_text=_("LKPP code of the ministry or regional government, for example D197."),
    )
    satker_code = models.CharField(_("satker code"), max_length=40, blank=True)
    province = models.ForeignKey(
        "reference.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    regency = models.ForeignKey(
        "reference.Region",
        verbose_name=_("regency/city"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"level": 2},
        help_text=_("Empty for a provincial or national work unit."),
    )
    ppk_name = models.CharField(_("PPK name"), max_length=200, blank=True)
    ppk_email = models.EmailField(_("PPK email"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("work unit (project owner)")
        verbose_name_plural = _("work units (project owners)")
        ordering = ["name"]
        constraints = [
            # The procurement import matches owners on this pair.
            models.UniqueConstraint(
                fields=["klpd_code", "satker_code"],
                condition=~Q(satker_code=""),
                name="projects_workunit_unique_satker",
                violation_error_message=_("A work unit with this KLPD and satker code exists."),
            ),
        ]

    def __str__(self):
        return self.name


def may_edit_visible_projects(user) -> bool:
    """Whether a user may change the data of the projects it can see (the project, addenda,
    registrations, payments, workers): a contractor its own, a labour office's editors their
    region's. Only for a project that came through visible_to(): a page that holds one asks
    this instead of querying editable_by()."""
    if not user.is_authenticated:
        return False
    return user.can_change_project_data if user.office_id else True


def may_act_on_visible_projects(user) -> bool:
    """Whether a user may add notes, decide registrations and act on findings of the projects
    it can see: the editors above and a BPJS branch's editors (an inspectorate only reads).
    Which action each may take is the view's (a branch sends no letters)."""
    if not user.is_authenticated:
        return False
    return user.can_edit_as_office if user.office_id else True


def project_scope(user) -> tuple[str, int | None]:
    """Which projects a user sees, as (kind, id): ("all", None) for a superuser, ("contractor",
    company id) for a contractor's people, ("province" or "regency", region id) for an office,
    ("none", None) for anyone else."""
    if not user.is_authenticated:
        return "none", None
    if user.is_superuser:
        return "all", None
    if membership := getattr(user, "contractor_membership", None):
        return "contractor", membership.contractor_id
    if office := user.office:
        return ("province" if office.region.is_province else "regency"), office.region_id
    return "none", None


class ProjectQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The only door to projects: a contractor sees its own, an office its region."""
        return self.in_scope(*project_scope(user))

    def in_scope(self, kind: str, scope_id: int | None = None):
        """The projects of one scope of project_scope(): its kind and the id it is about."""
        if kind == "all":
            return self
        if kind == "contractor":
            # A company claimed from a procurement import shows nothing to its people until
            # an office confirmed the claim (accounts.services._claim_company).
            return self.filter(contractor_id=scope_id).exclude(
                contractor__source=Contractor.Source.PROCUREMENT, contractor__confirmed_at=None
            )
        if kind in ("province", "regency"):
            # Equality on an indexed foreign key, not a code prefix.
            return self.filter(**{kind: scope_id})
        return self.none()

    def editable_by(self, user):
        """Projects whose data a user may change: the contractor's own, or a labour office
        editor's region (may_edit_visible_projects)."""
        return self.visible_to(user) if may_edit_visible_projects(user) else self.none()

    def actionable_by(self, user):
        """Projects a user may add notes to, decide registrations and act on findings of
        (may_act_on_visible_projects)."""
        return self.visible_to(user) if may_act_on_visible_projects(user) else self.none()

    def active(self):
        """Projects the compliance rules apply to: not finished, not terminated."""
        return self.filter(status__in=[Project.Status.PLANNED, Project.Status.RUNNING])


class Project(models.Model):
    """A construction project (paket pekerjaan konstruksi) that must be registered with BPJS
    Ketenagakerjaan (PP 44/2015 Pasal 53; Permenaker 5/2021)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        RUNNING = "running", _("Running")
        FINISHED = "finished", _("Finished (BAST)")
        TERMINATED = "terminated", _("Terminated")

    class FundingSource(models.TextChoices):
        APBN = "apbn", _("APBN")
        APBD_PROVINCE = "apbd_prov", _("APBD provinsi")
        APBD_REGENCY = "apbd_kab", _("APBD kab/kota")
        DAK = "dak", _("DAK")
        BUMN_BUMD = "bumn_bumd", _("BUMN/BUMD")
        PRIVATE = "private", _("Private (swasta)")
        OTHER = "other", _("Other")

    class Source(models.TextChoices):
        CONTRACTOR = "contractor", _("Contractor")
        OFFICE = "office", _("Office")
        PROCUREMENT = "procurement", _("Procurement data import")

    class ContributionBasis(models.TextChoices):
        CONTRACT_VALUE = "contract_value", _("Contract value (tiers)")
        WAGES = "wages", _("Wages (1.74% JKK + 0.30% JKM)")

    contractor = models.ForeignKey(
        Contractor,
        verbose_name=_("main contractor"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    work_unit = models.ForeignKey(
        WorkUnit,
        verbose_name=_("owner (work unit)"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("main project (for a subcontract)"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="subcontracts",
    )
    name = models.CharField(_("project name"), max_length=500)
    spk_number = models.CharField(_("contract (SPK) number"), max_length=120)
    spk_date = models.DateField(_("contract (SPK) date"))
    start_date = models.DateField(_("start (SPMK) date"))
    end_date = models.DateField(_("end date in the contract"))
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.PLANNED)
    bast_date = models.DateField(_("handover (BAST) date"), null=True, blank=True)
    contract_value = models.DecimalField(
        _("contract value as entered"),
        max_digits=18,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("1")), MaxRupiahValidator(MAX_AMOUNT)],
    )
    includes_ppn = models.BooleanField(
        _("value includes PPN"),
        default=False,
        help_text=_("Contributions are computed on the value before PPN (DPP)."),
    )
    ppn_rate = models.DecimalField(
        _("PPN rate (%)"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("11"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
    )
    contribution_basis = models.CharField(
        _("contribution basis"),
        max_length=16,
        choices=ContributionBasis,
        default=ContributionBasis.CONTRACT_VALUE,
    )
    wage_total = models.DecimalField(
        _("total wages of the project"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MaxRupiahValidator(MAX_AMOUNT)],
        help_text=_("Only for the wage basis: the wages of all project workers over the project."),
    )
    funding_source = models.CharField(_("funding source"), max_length=12, choices=FundingSource)
    province = models.ForeignKey(
        "reference.Region",
        verbose_name=_("province"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 1},
    )
    regency = models.ForeignKey(
        "reference.Region",
        verbose_name=_("regency/city"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": 2},
    )
    district = models.ForeignKey(
        "reference.Region",
        verbose_name=_("district (kecamatan)"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        limit_choices_to={"level": 3},
    )
    address = models.TextField(_("location address"), blank=True)
    kode_tender = models.CharField(
        _("tender code (kode tender)"), max_length=40, null=True, blank=True, unique=True
    )
    kode_rup = models.CharField(_("RUP code (kode RUP)"), max_length=40, blank=True, db_index=True)
    planned_workforce = models.PositiveIntegerField(
        _("planned workforce"),
        null=True,
        blank=True,
        validators=[
            MinValueValidator(1),
            MaxValueValidator(
                MAX_PLANNED_WORKFORCE,
                _("The planned workforce cannot be more than 100,000 workers."),
            ),
        ],
    )
    source = models.CharField(_("source"), max_length=12, choices=Source, default=Source.CONTRACTOR)

    # Derived columns, kept by projects.services so that set-based compliance scans can compare
    # columns instead of recomputing in Python: the DPP and end date after amendments and the
    # registration due date. (The contribution due follows from the DPP and the tariff of the
    # SPK date: compliance computes it, in SQL for scans.)
    current_base_value = models.DecimalField(
        _("current contract value before PPN (DPP)"),
        max_digits=18,
        decimal_places=2,
        editable=False,
    )
    current_end_date = models.DateField(_("current end date"), editable=False)
    registration_due_on = models.DateField(_("registration due on"), editable=False)
    # Set in the same transaction as any change that matters to compliance; the engine
    # evaluates marked projects and clears the mark (compare-and-set on this value).
    needs_evaluation_at = models.DateTimeField(
        _("waiting for compliance evaluation since"), null=True, blank=True, editable=False
    )

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    history = HistoricalRecords()
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["-spk_date", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_unit", "spk_number"],
                name="projects_project_unique_spk_per_owner",
                violation_error_message=_("This owner already has a project with this SPK number."),
            ),
            models.CheckConstraint(
                condition=Q(contract_value__gt=0),
                name="projects_project_value_positive",
                violation_error_message=_("The contract value must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(current_base_value__gt=0),
                name="projects_project_base_value_positive",
                violation_error_message=_("The contract value before PPN must be more than zero."),
            ),
            # MAX_AMOUNT: the dashboards' sums and the exposure score stay within their types
            # whatever path wrote the row (the form, the API, the procurement import, the admin).
            models.CheckConstraint(
                condition=Q(contract_value__lte=MAX_AMOUNT),
                name="projects_project_value_max",
                violation_error_message=_("The contract value cannot be more than Rp100 trillion."),
            ),
            models.CheckConstraint(
                condition=Q(current_base_value__lte=MAX_AMOUNT),
                name="projects_project_base_value_max",
                violation_error_message=_(
                    "The contract value before PPN cannot be more than Rp100 trillion."
                ),
            ),
            models.CheckConstraint(
                condition=Q(wage_total__isnull=True) | Q(wage_total__lte=MAX_AMOUNT),
                name="projects_project_wage_total_max",
                violation_error_message=_("The total wages cannot be more than Rp100 trillion."),
            ),
            models.CheckConstraint(
                condition=Q(ppn_rate__gte=0, ppn_rate__lte=100),
                name="projects_project_ppn_rate_range",
                violation_error_message=_("The PPN rate is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")),
                name="projects_project_end_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=Q(start_date__gte=F("spk_date")),
                name="projects_project_start_after_spk",
                violation_error_message=_("The start (SPMK) date cannot be before the SPK date."),
            ),
            models.CheckConstraint(
                condition=~Q(status="finished") | Q(bast_date__isnull=False),
                name="projects_project_finished_has_bast",
                violation_error_message=_("A finished project needs its handover (BAST) date."),
            ),
            models.CheckConstraint(
                condition=Q(bast_date__isnull=True) | Q(bast_date__gte=F("start_date")),
                name="projects_project_bast_after_start",
                violation_error_message=_("The BAST date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(parent=F("id")),
                name="projects_project_not_own_parent",
                violation_error_message=_("A project cannot be its own main project."),
            ),
            models.CheckConstraint(
                condition=~Q(contribution_basis="wages")
                | Q(wage_total__isnull=False, wage_total__gt=0),
                name="projects_project_wage_basis_has_wages",
                violation_error_message=_("The wage basis needs the total wages."),
            ),
            models.CheckConstraint(
                condition=Q(planned_workforce__isnull=True) | Q(planned_workforce__gt=0),
                name="projects_project_workforce_positive",
                violation_error_message=_("The planned workforce must be at least one worker."),
            ),
            # compliance.scanning.exposure_expression relies on it to stay within a bigint.
            models.CheckConstraint(
                condition=Q(planned_workforce__isnull=True)
                | Q(planned_workforce__lte=MAX_PLANNED_WORKFORCE),
                name="projects_project_workforce_max",
                violation_error_message=_(
                    "The planned workforce cannot be more than 100,000 workers."
                ),
            ),
        ]
        indexes = [
            # Region dashboards and lists filter on the region and status, newest first.
            models.Index(fields=["regency", "status", "-spk_date"], name="project_regency_status"),
            models.Index(
                fields=["province", "status", "-spk_date"], name="project_province_status"
            ),
            models.Index(fields=["contractor", "-spk_date"], name="project_contractor"),
            # The unregistered rule compares this column with today on active projects.
            models.Index(fields=["registration_due_on"], name="project_due_on"),
            # The dashboard's longest-overdue list walks a region's active projects by due
            # date and stops at the tenth with a violation.
            models.Index(
                fields=["regency", "registration_due_on", "id"],
                name="project_regency_active_due",
                condition=Q(status__in=["planned", "running"]),
            ),
            models.Index(
                fields=["province", "registration_due_on", "id"],
                name="project_province_active_due",
                condition=Q(status__in=["planned", "running"]),
            ),
            # The incremental evaluation sweeps the few marked rows.
            models.Index(
                fields=["needs_evaluation_at"],
                name="project_needs_evaluation",
                condition=Q(needs_evaluation_at__isnull=False),
            ),
            # The hourly delta scan looks up what changed since the previous scan
            # (compliance.scanning._delta_candidates): an index per changed-since column.
            models.Index(fields=["updated_at"], name="project_updated"),
            models.Index(fields=["start_date"], name="project_start"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("projects:detail", args=[self.pk])

    def load_regions(self) -> None:
        """Read the province, kab/kota and kecamatan in one query on the region table. The
        project page does this rather than join them: with three more joins PostgreSQL spent
        1.9 ms choosing a join order, against 0.5 ms for the query without them."""
        ids = {self.province_id, self.regency_id, self.district_id} - {None}
        regions = Region.objects.in_bulk(ids)
        self.province, self.regency = regions[self.province_id], regions[self.regency_id]
        self.district = regions.get(self.district_id)

    def clean(self):
        errors = {}
        if self.regency_id and self.province_id and self.regency.parent_id != self.province_id:
            errors["regency"] = _("This regency/city is not in the province chosen.")
        if self.district_id and self.regency_id and self.district.parent_id != self.regency_id:
            errors["district"] = _("This district is not in the regency/city chosen.")
        if self.parent_id and self.parent_id == self.pk:
            errors["parent"] = _("A project cannot be its own main project.")
        if self.parent_id and self.parent.parent_id:
            errors["parent"] = _(
                "A subcontract belongs to a main project, not to another subcontract."
            )
        if self.status == self.Status.FINISHED and not self.bast_date:
            errors["bast_date"] = _("A finished project needs its handover (BAST) date.")
        if self.kode_tender == "":
            self.kode_tender = None
        if errors:
            raise ValidationError(errors)

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.PLANNED, self.Status.RUNNING)

    @property
    def is_subcontract(self) -> bool:
        return self.parent_id is not None


class Amendment(models.Model):
    """A contract addendum changing the value and/or the end date (domain.md §3.5).

    The extra contribution is f(new DPP) - f(previous DPP), never below zero: a reduction
    (kerja kurang) owes nothing back.
    """

    project = models.ForeignKey(
        Project,
        verbose_name=_("project"),
        on_delete=models.CASCADE,
        related_name="amendments",
        db_index=False,  # projects_amendment_unique_sequence starts with project
    )
    sequence = models.PositiveSmallIntegerField(_("addendum number"))
    signed_on = models.DateField(_("signed on"))
    document_number = models.CharField(_("document number"), max_length=120)
    new_contract_value = models.DecimalField(
        _("new total contract value"),
        max_digits=18,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MaxRupiahValidator(MAX_AMOUNT)],
        help_text=_("As entered, with the same PPN treatment as the project."),
    )
    new_end_date = models.DateField(_("new end date"), null=True, blank=True)
    # Recorded by projects.services.record_amendment: the extra contribution is computed from it
    # (compliance.contribution.amendment_contribution), with the tariff of the project.
    previous_base_value = models.DecimalField(
        _("DPP before this addendum"), max_digits=18, decimal_places=2, editable=False
    )
    previous_end_date = models.DateField(_("end date before this addendum"), editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("amendment (addendum)")
        verbose_name_plural = _("amendments (addenda)")
        ordering = ["project", "sequence"]
        indexes = [
            # The hourly delta scan looks up addenda made since the previous scan.
            models.Index(fields=["created_at"], name="amendment_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "sequence"],
                name="projects_amendment_unique_sequence",
                violation_error_message=_("This project already has an addendum with this number."),
            ),
            models.CheckConstraint(
                condition=Q(sequence__gt=0),
                name="projects_amendment_sequence_positive",
                violation_error_message=_("Addenda are numbered from 1."),
            ),
            models.CheckConstraint(
                condition=Q(new_contract_value__isnull=False) | Q(new_end_date__isnull=False),
                name="projects_amendment_changes_something",
                violation_error_message=_("An addendum changes the value, the end date or both."),
            ),
            models.CheckConstraint(
                condition=Q(new_contract_value__isnull=True) | Q(new_contract_value__gt=0),
                name="projects_amendment_value_positive",
                violation_error_message=_("The new contract value must be more than zero."),
            ),
            # The project's current value follows it (projects_project_value_max).
            models.CheckConstraint(
                condition=Q(new_contract_value__isnull=True)
                | Q(new_contract_value__lte=MAX_AMOUNT),
                name="projects_amendment_value_max",
                violation_error_message=_(
                    "The new contract value cannot be more than Rp100 trillion."
                ),
            ),
        ]

    def __str__(self):
        return _("Addendum %(sequence)s of %(project)s") % {
            "sequence": self.sequence,
            "project": self.project,
        }


class ProjectNote(models.Model):
    """A note an office or the contractor adds to a project (a call made, a site visit, what
    was agreed at the coordination meeting). Notes are never edited: a correction is a new note."""

    project = models.ForeignKey(
        Project, verbose_name=_("project"), on_delete=models.CASCADE, related_name="notes"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("note"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("project note")
        verbose_name_plural = _("project notes")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(text=""),
                name="projects_note_not_empty",
                violation_error_message=_("A note cannot be empty."),
            )
        ]

    def __str__(self):
        return f"{self.project_id}: {self.text[:40]}"
