"""What the project page and 'my projects' read, each part with its SQL built once per process
(reference.prepared). Both are drawn live for every visit (they carry forms and must show a
change at once), so building their queries cost every visit a third of its Python time (README,
"Load test")."""

from django.db.models import Count

from compliance.models import ComplianceFlag, Payment, Registration, RegistrationEvidence
from reference.prepared import PreparedQuery
from workers.models import Enrollment

from .models import Amendment, Project, ProjectNote, project_scope

NOTES_SHOWN = 50
MY_PROJECTS_PAGE = 25
SCOPES = ("all", "contractor", "province", "regency")


def _project_in(kind: str) -> PreparedQuery:
    def build(project_id, scope_id=None):
        return (
            Project.objects.in_scope(kind, scope_id)
            .select_related("contractor", "work_unit", "parent")
            .filter(pk=project_id)
        )

    ids = ("project_id",) if kind == "all" else ("project_id", "scope_id")
    return PreparedQuery(f"project page: project ({kind})", build, *ids)


PROJECT = {kind: _project_in(kind) for kind in SCOPES}
REGISTRATIONS = PreparedQuery(
    "project page: registrations",
    # Newest first, as portal_status expects.
    lambda project_id: (
        Registration.objects.select_related("tariff", "verified_by__office")
        .filter(project_id=project_id)
        .order_by("-created_at")
    ),
    "project_id",
)
PAYMENTS = PreparedQuery(
    "project page: payments",
    lambda project_id: Payment.objects.filter(registration__project_id=project_id),
    "project_id",
)
EVIDENCE = PreparedQuery(
    "project page: evidence",
    lambda project_id: RegistrationEvidence.objects.filter(registration__project_id=project_id),
    "project_id",
)
OPEN_FLAGS = PreparedQuery(
    "project page: open flags",
    lambda project_id: ComplianceFlag.objects.open().filter(project_id=project_id).order_by("rule"),
    "project_id",
)
AMENDMENTS = PreparedQuery(
    "project page: amendments",
    lambda project_id: Amendment.objects.filter(project_id=project_id),
    "project_id",
)
NOTES = PreparedQuery(
    "project page: notes",
    lambda project_id: ProjectNote.objects.filter(project_id=project_id).select_related(
        "author__office"
    )[:NOTES_SHOWN],
    "project_id",
)
WORKERS_ACTIVE = PreparedQuery(
    "project page: active workers",
    lambda project_id: (
        Enrollment.objects.active()
        .filter(project_id=project_id)
        .values("project_id")
        .annotate(count=Count("pk"))
        .values_list("count", flat=True)
    ),
    "project_id",
)


def project_page(user, pk: int) -> Project | None:
    """The project `pk` if `user` may see it, with what its page shows: `portal_registrations`
    (newest first, each with `payment_list` and `evidence_list`) and `portal_open_flags` (what
    compliance.status.portal_status reads), `amendment_list`, `note_list` (the latest
    NOTES_SHOWN) and `workers_active`. None for a project out of the user's scope."""
    kind, scope_id = project_scope(user)
    if kind == "none":
        return None
    found = PROJECT[kind].fetch(project_id=pk, scope_id=scope_id)
    if not found:
        return None
    project = found[0]
    project.load_regions()
    registrations = REGISTRATIONS.fetch(project_id=pk)
    payments, evidence = {}, {}
    if registrations:
        for payment in PAYMENTS.fetch(project_id=pk):
            payments.setdefault(payment.registration_id, []).append(payment)
        for document in EVIDENCE.fetch(project_id=pk):
            evidence.setdefault(document.registration_id, []).append(document)
    for registration in registrations:
        registration.project = project
        registration.payment_list = payments.get(registration.pk, [])
        registration.evidence_list = evidence.get(registration.pk, [])
    project.portal_registrations = registrations
    project.portal_open_flags = OPEN_FLAGS.fetch(project_id=pk)
    for flag in project.portal_open_flags:
        flag.project = project
    project.amendment_list = AMENDMENTS.fetch(project_id=pk)
    project.note_list = NOTES.fetch(project_id=pk)
    project.workers_active = next(iter(WORKERS_ACTIVE.fetch(project_id=pk)), 0)
    return project


def _my_projects_in(kind: str) -> PreparedQuery:
    def build(offset, scope_id=None):
        projects = Project.objects.in_scope(kind, scope_id).select_related("work_unit", "regency")
        return projects.order_by("-spk_date", "-id")[offset : offset + MY_PROJECTS_PAGE]

    ids = () if kind == "all" else ("scope_id",)
    return PreparedQuery(f"my projects ({kind})", build, *ids, shape=("offset",))


MY_PROJECTS = {kind: _my_projects_in(kind) for kind in SCOPES}
REGISTRATIONS_OF = PreparedQuery(
    "registrations of projects",
    lambda project_ids: Registration.objects.filter(project_id__in=project_ids).order_by(
        "-created_at"
    ),
    "project_ids",
)
OPEN_FLAGS_OF = PreparedQuery(
    "open flags of projects",
    lambda project_ids: (
        ComplianceFlag.objects.open().filter(project_id__in=project_ids).order_by("rule")
    ),
    "project_ids",
)


class MyProjects:
    """A user's projects for a Paginator, newest SPK first: counted by the ORM, each page read
    with its registrations and open flags (what compliance.status.portal_status reads)."""

    def __init__(self, user):
        self.kind, self.scope_id = project_scope(user)

    def count(self) -> int:
        if self.kind == "none":
            return 0
        return Project.objects.in_scope(self.kind, self.scope_id).count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, rows: slice) -> list[Project]:
        if self.kind == "none":
            return []
        projects = MY_PROJECTS[self.kind].fetch(scope_id=self.scope_id, offset=rows.start or 0)
        if not projects:
            return projects
        ids = [project.pk for project in projects]
        registrations, flags = {}, {}
        for registration in REGISTRATIONS_OF.fetch(project_ids=ids):
            registrations.setdefault(registration.project_id, []).append(registration)
        for flag in OPEN_FLAGS_OF.fetch(project_ids=ids):
            flags.setdefault(flag.project_id, []).append(flag)
        for project in projects:
            project.portal_registrations = registrations.get(project.pk, [])
            project.portal_open_flags = flags.get(project.pk, [])
        return projects
