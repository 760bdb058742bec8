"""The audit trail an office reads at /office/audit/: who changed what in its region, newest
first. Read-only, and set-based: each source is one query per page, whatever its length.

Sources: django-simple-history rows of projects, BPJS registrations and worker enrollments;
the flag events people caused (waivers, letters, 'being handled': the engine's own events are
on each project's page); worker imports. Pages are keyset-paginated on (time, kind, id), so a
deep page costs what the first does.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from compliance.models import FlagEvent, Registration
from projects.history import KINDS as HISTORY_ACTIONS
from projects.history import SKIPPED, Change
from projects.models import Project
from workers.models import Enrollment, ImportJob

PAGE_SIZE = 50

# Order of the kinds at the same instant (the keyset's second column).
KIND_LABELS = {
    "project": _("Project"),
    "registration": _("BPJS registration"),
    "enrollment": _("Worker enrollment"),
    "finding": _("Finding"),
    "import": _("Worker import"),
}
RANKS = {kind: rank for rank, kind in enumerate(KIND_LABELS)}


@dataclass
class AuditEntry:
    at: datetime
    kind: str
    pk: int
    who: str
    action: str
    what: str
    project_id: int | None
    changes: list[Change] = field(default_factory=list)
    project_name: str = ""

    @property
    def kind_label(self) -> str:
        return str(KIND_LABELS[self.kind])

    @property
    def cursor(self) -> str:
        return f"{self.at.isoformat()}~{RANKS[self.kind]}~{self.pk}"


@dataclass
class AuditPage:
    entries: list[AuditEntry]
    next_cursor: str | None


def parse_cursor(value: str) -> tuple[datetime, int, int]:
    """ValueError if the cursor is not one this module wrote."""
    at, rank, pk = value.split("~")
    moment = datetime.fromisoformat(at)
    if moment.tzinfo is None:
        raise ValueError(value)
    return moment, int(rank), int(pk)


def _after(kind: str, cursor, at_field: str, pk_field: str) -> Q:
    """Rows that come after the cursor in (time, kind, id) descending order."""
    if cursor is None:
        return Q()
    at, rank, pk = cursor
    if RANKS[kind] < rank:
        return Q(**{f"{at_field}__lte": at})
    if RANKS[kind] > rank:
        return Q(**{f"{at_field}__lt": at})
    return Q(**{f"{at_field}__lt": at}) | Q(**{at_field: at, f"{pk_field}__lt": pk})


def _between(at_field: str, since, until) -> Q:
    condition = Q()
    if since:
        condition &= Q(**{f"{at_field}__gte": since})
    if until:
        condition &= Q(**{f"{at_field}__lt": until})
    return condition


def _who(user) -> str:
    return (user.get_full_name() or user.username) if user else str(_("system"))


def audit_page(
    projects, *, kind: str = "", since=None, until=None, cursor=None, size: int = PAGE_SIZE
) -> AuditPage:
    """One page of the trail of `projects` (a queryset already scoped to the user), newest
    first; `since`/`until` are aware datetimes, `cursor` a parse_cursor() tuple."""
    scope = projects.values("pk")
    entries: list[AuditEntry] = []
    for name, source in SOURCES.items():
        if not kind or kind == name:
            entries += source(scope, since, until, cursor, size + 1)
    entries.sort(key=lambda e: (e.at, RANKS[e.kind], e.pk), reverse=True)
    entries, more = entries[:size], len(entries) > size
    _name_projects(entries)
    return AuditPage(entries, entries[-1].cursor if more else None)


def _name_projects(entries: list[AuditEntry]) -> None:
    names = dict(
        Project.objects.filter(pk__in={e.project_id for e in entries}).values_list("pk", "name")
    )
    for entry in entries:
        entry.project_name = names.get(entry.project_id, entry.project_name)


def _history_rows(model, project_key: str, scope, since, until, cursor, limit, kind):
    rows = list(
        model.history.filter(**{f"{project_key}__in": scope})
        .filter(
            _between("history_date", since, until),
            _after(kind, cursor, "history_date", "history_id"),
        )
        .select_related("history_user")
        .order_by("-history_date", "-history_id")[:limit]
    )
    return rows, _previous_versions(model, rows)


def _previous_versions(model, rows) -> dict:
    """history_id -> the version before it, for the rows of a page: one query."""
    if not rows:
        return {}
    versions = model.history.filter(
        id__in={row.id for row in rows}, history_date__lte=max(row.history_date for row in rows)
    ).order_by("id", "history_date", "history_id")
    previous, last_of = {}, {}
    for version in versions:
        previous[version.history_id] = last_of.get(version.id)
        last_of[version.id] = version
    return previous


def _changes(record, before) -> list[Change]:
    if before is None or record.history_type != "~":
        return []
    changes = []
    for change in record.diff_against(before).changes:
        if change.field not in SKIPPED:
            label = record.instance_type._meta.get_field(change.field).verbose_name
            changes.append(Change(str(label), change.old, change.new))
    return changes


def _history_entries(kind, model, project_key, describe):
    def source(scope, since, until, cursor, limit):
        rows, previous = _history_rows(model, project_key, scope, since, until, cursor, limit, kind)
        return [
            AuditEntry(
                at=row.history_date,
                kind=kind,
                pk=row.history_id,
                who=_who(row.history_user),
                action=str(HISTORY_ACTIONS.get(row.history_type, row.history_type)),
                what=describe(row),
                project_id=getattr(row, project_key),
                changes=_changes(row, previous.get(row.history_id)),
            )
            for row in rows
        ]

    return source


def _finding_entries(scope, since, until, cursor, limit):
    events = (
        FlagEvent.objects.filter(actor__isnull=False, flag__project__in=scope)
        .filter(_between("at", since, until), _after("finding", cursor, "at", "id"))
        .select_related("actor", "flag")
        .order_by("-at", "-id")[:limit]
    )
    return [
        AuditEntry(
            at=event.at,
            kind="finding",
            pk=event.pk,
            who=_who(event.actor),
            action=event.get_kind_display(),
            what=f"{event.flag.get_rule_display()}{': ' + event.note if event.note else ''}",
            project_id=event.flag.project_id,
        )
        for event in events
    ]


def _import_entries(scope, since, until, cursor, limit):
    jobs = (
        ImportJob.objects.filter(project__in=scope)
        .filter(_between("created_at", since, until), _after("import", cursor, "created_at", "id"))
        .select_related("created_by")
        .order_by("-created_at", "-id")[:limit]
    )
    return [
        AuditEntry(
            at=job.created_at,
            kind="import",
            pk=job.pk,
            who=_who(job.created_by),
            action=job.get_status_display(),
            what=str(_("%(name)s: %(rows)d rows, %(enrolled)d enrolled"))
            % {"name": job.original_name, "rows": job.row_count, "enrolled": job.enrollment_count},
            project_id=job.project_id,
        )
        for job in jobs
    ]


SOURCES = {
    "project": _history_entries(
        "project", Project, "id", lambda row: f"{row.name} ({row.spk_number})"
    ),
    "registration": _history_entries(
        "registration",
        Registration,
        "project_id",
        lambda row: (
            str(_("Registration %(number)s · %(status)s"))
            % {"number": row.bpjs_project_number, "status": row.get_status_display()}
        ),
    ),
    "enrollment": _history_entries(
        "enrollment",
        Enrollment,
        "project_id",
        lambda row: str(_("Enrollment from %(day)s")) % {"day": row.started_on.isoformat()},
    ),
    "finding": _finding_entries,
    "import": _import_entries,
}
