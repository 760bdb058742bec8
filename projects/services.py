"""Writes to projects. Every change that matters to compliance marks the project for evaluation
in the same transaction (needs_evaluation_at); the compliance engine sweeps the marks."""

import time
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Value
from django.db.models.functions import Least
from django.utils import timezone
from django.utils.translation import gettext as _

from reference.calendar import add_working_days, holidays_between
from reference.rupiah import value_before_ppn

from .models import Amendment, Project, ProjectNote


def registration_due_date(spk_date: date, start_date: date, *, holidays=None) -> date:
    """When the BPJS registration is due (domain.md part 0).

    Permenaker 44/2015: within 14 working days after the SPK (count in settings); KEP-196/1999
    and BPJS practice: before work starts. The due date is the earlier of the two unless
    PANTAU_DUE_NO_LATER_THAN_START is off.
    """
    due = add_working_days(
        spk_date, settings.PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS, holidays=holidays
    )
    if settings.PANTAU_DUE_NO_LATER_THAN_START:
        due = min(due, start_date)
    return due


def refresh_derived_fields(project: Project) -> None:
    """Recompute the stored DPP, current end date and due date from the contract and its
    amendments (in memory; the caller saves)."""
    value, end_date = project.contract_value, project.end_date
    if project.pk:
        for amendment in project.amendments.order_by("sequence"):
            value = amendment.new_contract_value or value
            end_date = amendment.new_end_date or end_date
    project.current_base_value = value_before_ppn(
        value, includes_ppn=project.includes_ppn, ppn_rate=project.ppn_rate
    )
    project.current_end_date = end_date
    project.registration_due_on = registration_due_date(project.spk_date, project.start_date)


def mark_for_evaluation(project_ids) -> int:
    """Ask the compliance engine to re-evaluate these projects soon.

    The mark is the time of the latest change, set in the caller's transaction; the engine
    clears only the mark it evaluated (compare-and-set). After commit, the engine's task is
    nudged by name (projects never imports compliance); if the broker is down the nudge is
    dropped and the minute-by-minute beat run picks the mark up instead.
    """
    changed = Project.objects.filter(pk__in=project_ids).update(needs_evaluation_at=timezone.now())
    if changed and settings.PANTAU_NUDGE_ENGINE_ON_COMMIT:
        transaction.on_commit(_nudge_engine, robust=True)
    return changed


# After a failed nudge, this process stops nudging for a while: during a broker outage every
# page that saves would wait for the broker's timeouts again (a registration with its payment
# nudges twice), and the beat run sweeps the marks anyway.
NUDGE_PAUSE_SECONDS = 30
_nudges_paused_until = 0.0


def _nudge_engine():
    global _nudges_paused_until
    from celery import current_app

    if time.monotonic() < _nudges_paused_until:
        return
    try:
        # One attempt, bounded by the broker's socket timeouts (settings): the user's page
        # must not wait for publish retries; the beat run every minute is the retry.
        current_app.send_task(
            "compliance.tasks.evaluate_marked_projects_task", retry_policy={"max_retries": 0}
        )
    except Exception:
        _nudges_paused_until = time.monotonic() + NUDGE_PAUSE_SECONDS
        raise


@transaction.atomic
def save_project(*, project: Project, user=None) -> Project:
    """Validate and save a new or changed project, with its derived columns, and mark it."""
    if project.pk is None and user is not None and user.is_authenticated:
        project.created_by = user
    refresh_derived_fields(project)
    project.needs_evaluation_at = timezone.now()
    project.full_clean()
    project.save()
    if settings.PANTAU_NUDGE_ENGINE_ON_COMMIT:
        transaction.on_commit(_nudge_engine, robust=True)
    return project


@transaction.atomic
def record_amendment(
    *,
    project: Project,
    signed_on: date,
    document_number: str,
    new_contract_value: Decimal | None = None,
    new_end_date: date | None = None,
) -> Amendment:
    """Record an addendum (domain.md §3.5): the project's current DPP and end date follow it.

    The extra contribution it causes is f(new DPP) - f(old DPP), computed by compliance from
    previous_base_value; the coverage must then run to the new end date.
    """
    project = Project.objects.select_for_update().get(pk=project.pk)
    last = project.amendments.order_by("-sequence").values_list("sequence", flat=True).first()
    amendment = Amendment(
        project=project,
        sequence=(last or 0) + 1,
        signed_on=signed_on,
        document_number=document_number,
        new_contract_value=new_contract_value,
        new_end_date=new_end_date,
        previous_base_value=project.current_base_value,
        previous_end_date=project.current_end_date,
    )
    amendment.full_clean()
    amendment.save()
    refresh_derived_fields(project)
    project.save(
        update_fields=[
            "current_base_value",
            "current_end_date",
            "registration_due_on",
            "updated_at",
        ]
    )
    mark_for_evaluation([project.pk])
    return amendment


def recompute_due_dates(*, spk_from: date, spk_until: date) -> int:
    """Recompute registration_due_on for projects signed in [spk_from, spk_until].

    Called when the holiday list changes. One UPDATE per distinct SPK date (a few hundred a
    year), never one per project: the due date depends only on the SPK and start dates.
    """
    spk_dates = (
        Project.objects.filter(spk_date__range=(spk_from, spk_until))
        .values_list("spk_date", flat=True)
        .distinct()
    )
    spk_dates = sorted(spk_dates)
    if not spk_dates:
        return 0
    working_days = settings.PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS
    holidays = holidays_between(spk_dates[0], spk_dates[-1] + timedelta(days=working_days * 2 + 60))
    by_due = defaultdict(list)
    for spk_date in spk_dates:
        by_due[add_working_days(spk_date, working_days, holidays=holidays)].append(spk_date)
    changed = 0
    now = timezone.now()
    with transaction.atomic():
        for due, dates in by_due.items():
            due_expression = (
                Least(Value(due), F("start_date"))
                if settings.PANTAU_DUE_NO_LATER_THAN_START
                else Value(due)
            )
            rows = Project.objects.filter(spk_date__in=dates)
            changed += rows.exclude(registration_due_on=due_expression).update(
                registration_due_on=due_expression, needs_evaluation_at=now
            )
    return changed


def add_note(*, project: Project, user, text: str) -> ProjectNote:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("A note cannot be empty.")})
    return ProjectNote.objects.create(project=project, author=user, text=text[:5000])
