"""Who changed what and when on a project: its own history and that of its addenda, BPJS
registrations and payments (django-simple-history rows), newest first.

Each model's history is read in one query and diffed in Python against the previous version of
the same object, so the page costs a fixed number of queries whatever the length of the log.
"""

from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise

from django.utils.translation import gettext_lazy as _

KINDS = {"+": _("created"), "~": _("changed"), "-": _("deleted")}
SKIPPED = {"updated_at", "needs_evaluation_at", "created_at"}


@dataclass
class Change:
    field: str
    old: object
    new: object


@dataclass
class Entry:
    at: datetime
    who: str
    what: str
    kind: str
    changes: list[Change] = field(default_factory=list)


def _entries(records, describe) -> list[Entry]:
    by_object: dict[int, list] = {}
    for record in records:
        by_object.setdefault(record.id, []).append(record)
    entries = []
    for versions in by_object.values():
        versions.sort(key=lambda r: (r.history_date, r.history_id))
        entries.append(_entry(versions[0], None, describe))
        entries += [_entry(new, old, describe) for old, new in pairwise(versions)]
    return [entry for entry in entries if entry.kind != KINDS["~"] or entry.changes]


def _entry(record, previous, describe) -> Entry:
    changes = []
    if previous is not None:
        for change in record.diff_against(previous).changes:
            if change.field in SKIPPED:
                continue
            label = record.instance_type._meta.get_field(change.field).verbose_name
            changes.append(Change(str(label), change.old, change.new))
    user = record.history_user
    return Entry(
        at=record.history_date,
        who=(user.get_full_name() or user.username) if user else str(_("system")),
        what=describe(record),
        kind=str(KINDS.get(record.history_type, record.history_type)),
        changes=changes,
    )


def change_log(project, limit: int = 100) -> list[Entry]:
    from compliance.models import Payment, Registration

    from .models import Amendment, Project

    sources = [
        (
            Project.history.filter(id=project.pk).select_related("history_user"),
            lambda r: str(_("Project")),
        ),
        (
            Amendment.history.filter(project_id=project.pk).select_related("history_user"),
            lambda r: str(_("Addendum %(number)s") % {"number": r.sequence}),
        ),
        (
            Registration.history.filter(project_id=project.pk).select_related("history_user"),
            lambda r: str(_("Registration %(number)s") % {"number": r.bpjs_project_number}),
        ),
        (
            Payment.history.filter(
                registration_id__in=Registration.objects.filter(project=project).values("pk")
            ).select_related("history_user"),
            lambda r: str(_("Payment %(receipt)s") % {"receipt": r.receipt_number}),
        ),
    ]
    entries = []
    for records, describe in sources:
        entries += _entries(list(records), describe)
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:limit]
