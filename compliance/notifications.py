"""The notification outbox: who hears what, and the sender that delivers it.

Writers put Notification rows in the transaction of the change they report (the scan, a
recorded letter, the daily digest), so a rolled-back change mails nobody and a committed one
is never lost, whether or not Redis or the mail server is up. Each row carries a dedupe_key
(scan run, letter or day, plus the address), so writing twice writes once. deliver_pending()
sends rows at least once: a compare-and-set claim per row, a stable Message-ID per row, retries
with exponential backoff, and recovery of rows a crashed sender left behind.

Who hears what:
- a contractor's users (or the company's address when no user has one): one summary per
  company per scan run of what opened, changed and resolved, plus violations still open after
  PANTAU_REMINDER_INTERVAL_DAYS;
- the project owner's PPK, when the work unit has an address: violations that opened in a run
  (one mail per work unit), and each warning letter sent;
- office staff and the office's address: one daily digest per office, never one mail per flag.
"""

import hashlib
import logging
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import chain

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.utils import timezone, translation

from accounts.models import Office, User
from projects.models import Contractor, ContractorMembership, WorkUnit
from reference.zones import zone_of

from . import upload_links
from .channels import channel_for
from .models import ComplianceFlag, FlagEvent, Notification, Registration, ScanRun, WarningLetter
from .rules import RULE_TEXT

logger = logging.getLogger(__name__)

Event = FlagEvent.Kind
Kind = Notification.Kind
Status = Notification.Status

LIST_CAP = 50  # flags listed per section of a mail; the rest is "and N more"
STALE_CLAIM = timedelta(minutes=10)  # a row 'sending' this long belongs to a sender that died
MAX_ATTEMPTS = 10
MAX_BACKOFF = timedelta(hours=6)
BATCH_SECONDS = 240  # well inside the task's soft time limit (600 s) and under STALE_CLAIM
STOP_AFTER_FAILURES = 3  # in a row: the server is down, the rest of the batch waits its turn

# The findings a contractor can fix by uploading the registration through a link.
UPLOAD_LINK_RULES = {ComplianceFlag.Rule.UNREGISTERED, ComplianceFlag.Rule.REJECTED}

SECTIONS = {Event.OPENED: "opened", Event.SEVERITY_CHANGED: "changed", Event.RESOLVED: "resolved"}


# --- What a mail lists ------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One flag as a mail lists it; labels and texts are lazy, so they render in the mail's
    language."""

    project: str
    spk_number: str
    rule: str
    severity: str
    since: datetime | None = None
    contractor: str = ""
    project_id: int | None = None

    @property
    def rule_label(self):
        return ComplianceFlag.Rule(self.rule).label

    @property
    def severity_label(self):
        return ComplianceFlag.Severity(self.severity).label

    @property
    def explanation(self):
        return RULE_TEXT[self.rule][0]

    @property
    def fix(self):
        return RULE_TEXT[self.rule][1]

    @property
    def upload_link(self) -> str:
        """For a missing or rejected registration: a signed, single-use, expiring link to upload
        it without logging in (compliance.upload_links); made when the mail is rendered."""
        if self.project_id is None or self.rule not in UPLOAD_LINK_RULES:
            return ""
        return upload_links.link_for(project_id=self.project_id)


@dataclass
class Section:
    items: list[Item] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(self.total - len(self.items), 0)


@dataclass(frozen=True)
class Recipient:
    address: str
    language: str
    name: str
    user_id: int | None = None


# What an Item is read from: a flag, or an event through its flag. Items list by project name.
FLAG_FIELDS = {
    "project": F("project__name"),
    "spk_number": F("project__spk_number"),
    "rule": F("rule"),
    "severity": F("severity"),
    "since": F("violation_since"),
    "project_id": F("project_id"),
}
EVENT_FIELDS = {
    "project": F("flag__project__name"),
    "spk_number": F("flag__project__spk_number"),
    "rule": F("flag__rule"),
    "severity": F("flag__severity"),
    "since": F("flag__opened_at"),
    "project_id": F("flag__project_id"),
}


def _sections(queryset: QuerySet, *, group: str, section: str | None, fields: dict) -> dict:
    """{(group value, section): Section} with at most LIST_CAP items each, in two queries: a
    window function ranks rows inside each group so the database drops the rest (a first scan
    that opens 300,000 flags never pulls them into Python), and a GROUP BY counts them all."""
    partition = [group] if section is None else [group, section]
    order = [fields["project"].asc(), "pk"]
    ranked = queryset.annotate(
        position=Window(RowNumber(), partition_by=[F(p) for p in partition], order_by=order)
    ).filter(position__lte=LIST_CAP)
    sections: dict = defaultdict(Section)
    # Aliased: values(rule=F("rule")) would clash with the model's own field names.
    aliased = {f"item_{name}": expression for name, expression in fields.items()}
    for row in ranked.values(*partition, **aliased):
        key = (row[group], row[section] if section else None)
        sections[key].items.append(Item(**{name: row[f"item_{name}"] for name in fields}))
    for row in queryset.order_by().values(*partition).annotate(n=Count("pk")):
        sections[(row[group], row[section] if section else None)].total = row["n"]
    for value in sections.values():
        value.items.sort(key=lambda item: (item.project, item.rule))
    return sections


# --- Rendering and writing rows ---------------------------------------------------------------


def _language(code: str | None) -> str:
    return code if code in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _render(name: str, context: dict, language: str, zone=None) -> tuple[str, str]:
    """Subject and body of templates/compliance/email/<name>_{subject,body}.txt in `language`,
    with times in `zone` (the recipient's region; the default zone, WIB, when None)."""
    with translation.override(language), timezone.override(zone):
        subject = render_to_string(f"compliance/email/{name}_subject.txt", context)
        body = render_to_string(f"compliance/email/{name}_body.txt", context)
    subject = " ".join(subject.split())[:255]
    body = re.sub(r"[ \t]+\n", "\n", body)
    body = re.sub(r"\n{3,}", "\n\n", body).strip() + "\n"
    return subject, body


def _dedupe_key(prefix: str, address: str) -> str:
    address = address.strip().lower()
    key = f"{prefix}:to:{address}"
    if len(key) > Notification._meta.get_field("dedupe_key").max_length:
        # An address may be 254 characters; the key holds 200. A digest keeps it unique.
        key = f"{prefix}:to:sha256:{hashlib.sha256(address.encode()).hexdigest()}"
    return key


def _notification(kind, prefix, recipient: Recipient, name, context, now, zone=None):
    context = {**context, "recipient_name": recipient.name}
    subject, body = _render(name, context, recipient.language, zone)
    return Notification(
        kind=kind,
        channel=Notification.Channel.EMAIL,
        dedupe_key=_dedupe_key(prefix, recipient.address),
        recipient=recipient.address,
        recipient_user_id=recipient.user_id,
        language=recipient.language,
        subject=subject,
        body=body,
        next_attempt_at=now,
    )


def _insert(rows: list[Notification]) -> int:
    """Insert the rows whose dedupe_key is new; returns how many. ON CONFLICT DO NOTHING also
    covers a concurrent writer of the same key."""
    unique = list({row.dedupe_key: row for row in rows}.values())
    keys = [row.dedupe_key for row in unique]
    existing = set()
    for start in range(0, len(keys), 500):
        existing.update(
            Notification.objects.filter(dedupe_key__in=keys[start : start + 500]).values_list(
                "dedupe_key", flat=True
            )
        )
    new = [row for row in unique if row.dedupe_key not in existing]
    Notification.objects.bulk_create(new, batch_size=500, ignore_conflicts=True)
    return len(new)


# --- Contractors ------------------------------------------------------------------------------


def _reachable(contractor_id_path: str) -> Q:
    """Rows whose contractor someone can be mailed at: an active user with an email, or the
    company's own address."""
    users = ContractorMembership.objects.filter(
        contractor_id=OuterRef(contractor_id_path), user__is_active=True
    ).exclude(user__email="")
    company_email = contractor_id_path.removesuffix("_id") + "__email"
    return Q(Exists(users)) | ~Q(**{company_email: ""})


def due_reminders(now: datetime) -> QuerySet:
    """Counted violations the contractor has not heard about for PANTAU_REMINDER_INTERVAL_DAYS:
    a violation for longer than the interval (the run that made it one told them), not reminded
    within it, at a contractor someone can be mailed at."""
    cutoff = now - timedelta(days=settings.PANTAU_REMINDER_INTERVAL_DAYS)
    return (
        ComplianceFlag.objects.counted_violations()
        .filter(violation_since__lte=cutoff)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=cutoff))
        .filter(_reachable("project__contractor_id"))
    )


def _user_name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _contractor_recipients(companies: list[tuple]) -> dict[int, tuple[str, list[Recipient]]]:
    """Per company (pk, legal name, email, contact name, …): its name and who hears: each active
    user with an email, in the user's language; when none has one, the company's own address,
    in Indonesian. One query."""
    people = defaultdict(list)
    memberships = (
        ContractorMembership.objects.filter(
            contractor_id__in=[pk for pk, *_rest in companies], user__is_active=True
        )
        .exclude(user__email="")
        .order_by("pk")
        .values_list(
            "contractor_id",
            "user_id",
            "user__email",
            "user__preferred_language",
            "user__first_name",
            "user__last_name",
            "user__username",
        )
    )
    for contractor_id, user_id, email, language, first, last, username in memberships:
        people[contractor_id].append(
            Recipient(email, _language(language), _user_name(first, last, username), user_id)
        )
    result = {}
    for pk, legal_name, email, contact, *_rest in companies:
        fallback = (
            [Recipient(email, settings.LANGUAGE_CODE, contact or legal_name)] if email else []
        )
        result[pk] = (legal_name, people.get(pk) or fallback)
    return result


CHUNK = 500  # companies or work units per batch of mails: memory stays flat whatever the run


def _chunks(items: list):
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _reachable_contractors() -> QuerySet:
    """Companies someone can be mailed at (_reachable, from the company's side)."""
    users = ContractorMembership.objects.filter(
        contractor_id=OuterRef("pk"), user__is_active=True
    ).exclude(user__email="")
    return Contractor.objects.filter(Q(Exists(users)) | ~Q(email=""))


def _contractor_summaries(run: ScanRun, now: datetime):
    """One summary per company recipient: what opened, changed and resolved in the run, and
    (full runs) the violations due a reminder, whose last_reminded_at is then set.

    Only companies someone can be mailed at are read (a first scan touches tens of thousands,
    most without an address), and they are read, rendered and yielded CHUNK companies at a
    time, so memory stays flat: one query for the companies, then five per batch."""
    contractor = "flag__project__contractor_id"
    events = FlagEvent.objects.filter(scan_run=run, kind__in=list(SECTIONS))
    heard = Exists(events.filter(**{contractor: OuterRef("pk")}))
    reminders = None
    # Reminders ride on the full scan (hourly), not on the every-minute pass over changed projects.
    if run.kind in (ScanRun.Kind.FULL, ScanRun.Kind.DELTA):
        reminders = due_reminders(now)
        group = "project__contractor_id"
        heard |= Exists(reminders.filter(**{group: OuterRef("pk")}))
    # From the companies' side: one with no address never looks at its events (a first scan
    # writes ~480,000 at 1M projects).
    companies = list(
        _reachable_contractors()
        .filter(heard)
        .order_by("pk")
        .values_list("pk", "legal_name", "email", "contact_name", "regency__code")
    )
    zones = {pk: zone_of(code) for pk, *_rest, code in companies}
    reminded = False
    for chunk in _chunks(companies):
        ids = [pk for pk, *_rest in chunk]
        sections = _sections(
            events.filter(**{f"{contractor}__in": ids}),
            group=contractor,
            section="kind",
            fields=EVENT_FIELDS,
        )
        if reminders is not None:
            for (contractor_id, _none), section in _sections(
                reminders.filter(**{f"{group}__in": ids}),
                group=group,
                section=None,
                fields=FLAG_FIELDS,
            ).items():
                sections[(contractor_id, "reminded")] = section
                reminded = True
        rows = []
        for contractor_id, (name, recipients) in _contractor_recipients(chunk).items():
            summary = {
                label: sections.get((contractor_id, kind), Section())
                for kind, label in [*SECTIONS.items(), ("reminded", "reminded")]
            }
            if not any(section.total for section in summary.values()):
                continue
            context = {
                "contractor": name,
                "checked_at": now,
                "reminder_days": settings.PANTAU_REMINDER_INTERVAL_DAYS,
                "upload_link_days": settings.PANTAU_UPLOAD_LINK_DAYS,
                **summary,
            }
            prefix = f"scan:{run.pk}:contractor:{contractor_id}"
            rows += [
                _notification(
                    Kind.CONTRACTOR_SUMMARY,
                    prefix,
                    person,
                    "contractor_summary",
                    context,
                    now,
                    zones[contractor_id],
                )
                for person in recipients
            ]
        yield rows
    if reminded:
        # One UPDATE, after every read of the set; unreachable companies were never in it.
        reminders.update(last_reminded_at=now)


# --- PPK (the project owner's commitment officer) ---------------------------------------------


def _ppk_violation_mails(run: ScanRun, now: datetime):
    """One mail per work unit with a PPK address whose projects got a violation in this run
    (opened as one, or a warning that became one). Yields the rows CHUNK work units at a time:
    one query for the work units, then two per batch."""
    group = "flag__project__work_unit_id"
    violations = FlagEvent.objects.filter(
        scan_run=run,
        kind__in=[Event.OPENED, Event.SEVERITY_CHANGED],
        flag__severity=ComplianceFlag.Severity.VIOLATION,
    )
    fields = {**EVENT_FIELDS, "contractor": F("flag__project__contractor__legal_name")}
    addressed = WorkUnit.objects.exclude(ppk_email="")
    # Two cheap checks first: most runs open no violation (an index lookup on the run's
    # events), and the planner may read every event of a big run before finding no work unit.
    if not violations.exists() or not addressed.exists():
        return
    units = list(
        addressed.filter(Exists(violations.filter(**{group: OuterRef("pk")})))
        .order_by("pk")
        .values_list("pk", "name", "ppk_name", "ppk_email", "regency__code")
    )
    for chunk in _chunks(units):
        sections = _sections(
            violations.filter(**{f"{group}__in": [pk for pk, *_rest in chunk]}),
            group=group,
            section=None,
            fields=fields,
        )
        rows = []
        for pk, name, ppk_name, email, regency in chunk:
            recipient = Recipient(email, settings.LANGUAGE_CODE, ppk_name)
            context = {"work_unit": name, "checked_at": now, "violations": sections[(pk, None)]}
            prefix = f"scan:{run.pk}:ppk:{pk}"
            zone = zone_of(regency) if regency else None
            rows.append(
                _notification(
                    Kind.PPK_VIOLATION, prefix, recipient, "ppk_violation", context, now, zone
                )
            )
        yield rows


def queue_letter_notification(letter: WarningLetter) -> int:
    """Tell the project owner's PPK that a warning letter was sent. Called by
    services.record_warning_letter inside its transaction; writes nothing when the work unit
    has no PPK address. Returns the number of rows written (0 or 1)."""
    letter = WarningLetter.objects.select_related(
        "flag__project__work_unit", "flag__project__contractor", "recorded_by__office"
    ).get(pk=letter.pk)
    project = letter.flag.project
    work_unit = project.work_unit
    if not work_unit.ppk_email:
        return 0
    office = letter.recorded_by.office if letter.recorded_by else None
    context = {
        "letter": letter,
        "step": letter.get_step_display(),
        "office": office.name if office else "",
        "project": project,
        "contractor": project.contractor.legal_name,
        "work_unit": work_unit.name,
        "item": Item(project.name, project.spk_number, letter.flag.rule, letter.flag.severity),
    }
    recipient = Recipient(work_unit.ppk_email, settings.LANGUAGE_CODE, work_unit.ppk_name)
    row = _notification(
        Kind.PPK_LETTER, f"letter:{letter.pk}:ppk", recipient, "ppk_letter", context, timezone.now()
    )
    return _insert([row])


def queue_scan_notifications(*, run: ScanRun, clock) -> int:
    """Write the notification rows of a scan run; the scanner calls it inside the scan
    transaction after every FlagEvent of the run is written, so a rolled-back scan mails nobody.

    A handful of statements per batch of CHUNK companies or work units with an address, none
    per flag; rows are rendered and written a batch at a time. Idempotent: the keys carry the run
    and the address, and a reminded flag is not due again before the interval passes.
    Returns the number of rows written.
    """
    written, pending = 0, []
    for batch in chain(_contractor_summaries(run, clock.now), _ppk_violation_mails(run, clock.now)):
        pending += batch
        if len(pending) >= CHUNK:
            written, pending = written + _insert(pending), []
    return written + (_insert(pending) if pending else 0)


# --- Offices ----------------------------------------------------------------------------------


@dataclass
class Digest:
    violations: Counter = field(default_factory=Counter)  # rule -> open counted violations
    letters_due: int = 0
    awaiting: int = 0  # registrations waiting for verification
    submitted_yesterday: int = 0

    def add(self, other: "Digest") -> None:
        self.violations.update(other.violations)
        self.letters_due += other.letters_due
        self.awaiting += other.awaiting
        self.submitted_yesterday += other.submitted_yesterday

    @property
    def violations_total(self) -> int:
        return sum(self.violations.values())

    @property
    def by_rule(self) -> list[tuple]:
        return [(ComplianceFlag.Rule(rule).label, n) for rule, n in self.violations.most_common()]

    @property
    def is_empty(self) -> bool:
        return not (self.violations_total or self.letters_due or self.awaiting)


def _regional_digests(day: date) -> dict[int, Digest]:
    """Digest figures keyed by region id, for each kab/kota and each province (the two scopes
    an office can have, as in Project.objects.visible_to): three GROUP BY queries in all."""
    tz = timezone.get_current_timezone()
    yesterday = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=tz)
    today = yesterday + timedelta(days=1)
    per_regency: dict = defaultdict(Digest)
    for regency, province, rule, n in (
        ComplianceFlag.objects.counted_violations()
        .values_list("project__regency_id", "project__province_id", "rule")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_regency[(regency, province)].violations[rule] += n
    for regency, province, n in (
        ComplianceFlag.objects.open()
        .filter(letter_due_step__gt=0, waived_at__isnull=True)
        .values_list("project__regency_id", "project__province_id")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        per_regency[(regency, province)].letters_due += n
    for regency, province, total, new in (
        Registration.objects.filter(status=Registration.Status.SUBMITTED)
        .values_list("project__regency_id", "project__province_id")
        .annotate(
            total=Count("pk"),
            new=Count("pk", filter=Q(created_at__gte=yesterday, created_at__lt=today)),
        )
        .order_by()
    ):
        per_regency[(regency, province)].awaiting += total
        per_regency[(regency, province)].submitted_yesterday += new
    per_region: dict = defaultdict(Digest)
    for (regency, province), digest in per_regency.items():
        per_region[regency].add(digest)
        per_region[province].add(digest)
    return per_region


@transaction.atomic
def queue_office_digests(day: date) -> int:
    """Write `day`'s digest for every office with something to report: one row per staff user
    with an email (in the user's language) and one for the office's own address (Indonesian).
    Counts cover the office's region (a kab/kota or a province), as visible_to does for staff.
    Idempotent per day, office and address. Returns the number of rows written."""
    figures = _regional_digests(day)
    staff = defaultdict(list)
    for office_id, user_id, email, language, first, last, username in (
        User.objects.filter(office__isnull=False, is_active=True)
        .exclude(email="")
        .order_by("pk")
        .values_list(
            "office_id", "pk", "email", "preferred_language", "first_name", "last_name", "username"
        )
    ):
        staff[office_id].append(
            Recipient(email, _language(language), _user_name(first, last, username), user_id)
        )
    now = timezone.now()
    rows = []
    for office in Office.objects.select_related("region").order_by("pk"):
        digest = figures.get(office.region_id, Digest())
        if digest.is_empty:
            continue
        recipients = list(staff[office.pk])
        if office.email:
            recipients.append(Recipient(office.email, settings.LANGUAGE_CODE, office.name))
        context = {"office": office.name, "region": office.region.name, "day": day, **vars(digest)}
        context.update(violations_total=digest.violations_total, by_rule=digest.by_rule)
        prefix = f"digest:{day.isoformat()}:office:{office.pk}"
        rows += [
            _notification(Kind.OFFICE_DIGEST, prefix, recipient, "office_digest", context, now)
            for recipient in recipients
        ]
    return _insert(rows)


# --- Delivery ---------------------------------------------------------------------------------


def recover_stale_claims(now: datetime) -> int:
    """Rows left 'sending' longer than STALE_CLAIM belong to a sender that died mid-send: back
    to pending (the mail may have gone: the resend carries the same Message-ID), or failed once
    they used up their attempts. Returns how many went back to pending."""
    stale = Notification.objects.filter(status=Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
    note = f"the sender stopped while sending; recovered at {now:%Y-%m-%d %H:%M:%S %Z}"
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(status=Status.FAILED, last_error=note)
    return stale.update(
        status=Status.PENDING, next_attempt_at=now, claimed_at=None, last_error=note
    )


def claim(pk: int, *, now: datetime) -> Notification | None:
    """Compare-and-set pending -> sending, counting the attempt. Exactly one of several
    concurrent senders matches the UPDATE; the others get None and move on."""
    claimed = Notification.objects.filter(
        pk=pk, status=Status.PENDING, next_attempt_at__lte=now
    ).update(status=Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return Notification.objects.get(pk=pk) if claimed == 1 else None


def _send(notification: Notification, *, now: datetime) -> str:
    """Send one claimed row through its channel; store the outcome on the row."""
    mine = Notification.objects.filter(pk=notification.pk, status=Status.SENDING)
    try:
        channel_for(notification).send(notification)
    except Exception as error:  # the outside world failed: the row keeps the error and retries
        last_error = f"{type(error).__name__}: {error}"[:2000]
        if notification.attempts >= MAX_ATTEMPTS:
            mine.update(status=Status.FAILED, last_error=last_error)
            logger.error("notification %s failed for good: %s", notification.pk, last_error)
            return "failed"
        delay = min(timedelta(minutes=2**notification.attempts), MAX_BACKOFF)
        mine.update(
            status=Status.PENDING,
            next_attempt_at=now + delay,
            claimed_at=None,
            last_error=last_error,
        )
        logger.warning("notification %s not sent, retry in %s: %s", notification.pk, delay, error)
        return "retrying"
    if not mine.update(status=Status.SENT, sent_at=now, last_error=""):
        logger.warning("notification %s was sent after its claim was recovered", notification.pk)
    return "sent"


def deliver_pending(*, now: datetime | None = None, limit: int = 100) -> dict:
    """Send up to `limit` due outbox rows, at least once each; never raises for one message.

    First recovers rows of a crashed sender, then claims due rows one by one (compare-and-set,
    so concurrent senders never share a row) and sends each through its channel. A failure goes
    back to pending with exponential backoff (2^attempts minutes, at most 6 h) and its error;
    after MAX_ATTEMPTS the row is failed. The batch stops after STOP_AFTER_FAILURES failures in
    a row (the server is down: the rest keeps its place and its attempts) or after
    BATCH_SECONDS. `now` fixes the clock (tests); by default each step reads the time.
    """

    def clock() -> datetime:
        return now or timezone.now()

    outcome = dict.fromkeys(["recovered", "sent", "retrying", "failed", "taken"], 0)
    outcome["recovered"] = recover_stale_claims(clock())
    due = Notification.objects.due(clock()).order_by("next_attempt_at", "pk")
    deadline = time.monotonic() + BATCH_SECONDS
    failures_in_a_row = 0
    for pk in list(due.values_list("pk", flat=True)[:limit]):
        if failures_in_a_row >= STOP_AFTER_FAILURES or time.monotonic() > deadline:
            break
        notification = claim(pk, now=clock())
        if notification is None:
            outcome["taken"] += 1  # another sender got there first
            continue
        result = _send(notification, now=clock())
        outcome[result] += 1
        failures_in_a_row = 0 if result == "sent" else failures_in_a_row + 1
    return outcome
