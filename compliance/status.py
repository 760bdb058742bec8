"""What a contractor should do next on each project, in plain words.

The engine's flags say what is wrong; this says what fixes it, from the same facts (the live
registration, its payments, the contribution due) so the portal and the engine never disagree.
Works on a page of projects with a fixed number of queries (prefetch, no query per project).
"""

import time
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from projects.models import Project

from .models import ComplianceFlag, Registration, Tariff
from .rules import RULE_TEXT


@dataclass
class NextStep:
    text: str
    url: str = ""


@dataclass
class PortalStatus:
    """A project's standing for its contractor: a short label, a tone, and the next steps."""

    label: str
    tone: str  # "ok", "wait", "todo" or "closed": a CSS class
    steps: list[NextStep] = field(default_factory=list)
    contribution_due: Decimal | None = None
    contribution_paid: Decimal = Decimal(0)
    live_registration: Registration | None = None
    flags: list[ComplianceFlag] = field(default_factory=list)

    @property
    def shortfall(self) -> Decimal:
        if self.contribution_due is None:
            return Decimal(0)
        return max(self.contribution_due - self.contribution_paid, Decimal(0))


def with_portal_prefetch(projects):
    """Prefetch what `portal_status` reads: registrations (with their payments_total), and open
    flags. The project pages read the same with their own queries (projects.pages)."""
    return projects.prefetch_related(
        Prefetch(
            "registrations",
            queryset=Registration.objects.order_by("-created_at"),
            to_attr="portal_registrations",
        ),
        Prefetch(
            "flags",
            queryset=ComplianceFlag.objects.open().order_by("rule"),
            to_attr="portal_open_flags",
        ),
    )


_kept_tariffs: tuple[float, list[Tariff]] | None = None  # (until, tariffs), this process's


def all_tariffs() -> list[Tariff]:
    """Every tariff with its tiers, newest first. Kept in this process for
    PANTAU_TARIFF_BOOK_SECONDS: the rates change by regulation, years apart, and reading them
    cost every contractor page and project page two queries (1.2-1.7 ms of CPU). A tariff edited
    in the admin shows everywhere within that time."""
    global _kept_tariffs
    seconds, now = settings.PANTAU_TARIFF_BOOK_SECONDS, time.monotonic()
    kept = _kept_tariffs
    if seconds and kept is not None and now < kept[0]:
        return kept[1]
    tariffs = list(Tariff.objects.prefetch_related("tiers").order_by("-valid_from"))
    _kept_tariffs = (now + seconds, tariffs) if seconds else None
    return tariffs


class TariffBook:
    """All tariffs for a page: the one in force on each SPK date, without a query each."""

    def __init__(self):
        self.tariffs = all_tariffs()

    def due_on(self, project: Project) -> Decimal | None:
        for tariff in self.tariffs:
            if tariff.valid_from <= project.spk_date and (
                tariff.valid_until is None or project.spk_date <= tariff.valid_until
            ):
                if (
                    project.contribution_basis == Project.ContributionBasis.WAGES
                    and project.wage_total
                ):
                    return tariff.contribution_for_wages(project.wage_total).total
                return tariff.contribution_for_value(project.current_base_value).total
        return None


def _flags_of(project) -> list[ComplianceFlag]:
    flags = getattr(project, "portal_open_flags", None)
    return list(project.flags.open().order_by("rule")) if flags is None else flags


def _registrations_of(project) -> list[Registration]:
    registrations = getattr(project, "portal_registrations", None)
    if registrations is None:
        return list(project.registrations.order_by("-created_at").all())
    return registrations


def portal_status(project: Project, *, today: date, tariffs: TariffBook) -> PortalStatus:
    registrations = _registrations_of(project)
    live = next((r for r in registrations if r.status != Registration.Status.REJECTED), None)
    rejected = next((r for r in registrations if r.status == Registration.Status.REJECTED), None)
    paid = live.payments_total if live else Decimal(0)  # kept by the database's triggers
    status = PortalStatus(
        label="",
        tone="todo",
        contribution_due=tariffs.due_on(project),
        contribution_paid=paid,
        live_registration=live,
        flags=_flags_of(project),
    )
    if not project.is_active:
        status.label, status.tone = _("Closed (no rules apply)"), "closed"
        return status

    if live is None:
        register_url = reverse("compliance:registration_create", args=[project.pk])
        if rejected is not None:
            status.label = _("Registration rejected")
            status.steps.append(NextStep(str(RULE_TEXT["rejected"][1]), register_url))
        elif project.registration_due_on < today:
            status.label = _("Not registered, overdue")
            status.steps.append(NextStep(str(RULE_TEXT["unregistered"][1]), register_url))
        else:
            status.label = _("Not registered yet")
            status.steps.append(
                NextStep(
                    _("Register with BPJS Ketenagakerjaan by %(date)s.")
                    % {"date": _format_date(project.registration_due_on)},
                    register_url,
                )
            )
    else:
        if not paid:
            status.label = _("Registered, not paid")
            status.steps.append(
                NextStep(_("Pay the contribution and record the receipt."), _payment_url(live))
            )
        elif status.shortfall > settings.PANTAU_UNDERPAID_TOLERANCE:
            status.label = _("Contribution short")
            status.steps.append(NextStep(str(RULE_TEXT["underpaid"][1]), _payment_url(live)))
        if live.coverage_end < project.current_end_date:
            status.label = status.label or _("Coverage too short")
            status.steps.append(
                NextStep(
                    _("Extend the coverage to %(date)s and record the new period.")
                    % {"date": _format_date(project.current_end_date)},
                    reverse("compliance:registration_edit", args=[live.pk]),
                )
            )
    rules_open = {flag.rule for flag in status.flags}
    if ComplianceFlag.Rule.NO_WORKERS in rules_open:
        status.steps.append(NextStep(str(RULE_TEXT["no_workers"][1]), _workers_url(project)))
    if status.steps:
        status.label = status.label or _("Action needed")
        return status
    if live is not None and live.status == Registration.Status.SUBMITTED:
        status.label, status.tone = _("Covered, awaiting verification"), "wait"
        status.steps.append(NextStep(str(RULE_TEXT["unverified"][1])))
    else:
        status.label, status.tone = _("Covered"), "ok"
    return status


def _payment_url(registration) -> str:
    return reverse("compliance:payment_create", args=[registration.pk])


def _workers_url(project) -> str:
    return reverse("workers:list", args=[project.pk])


def _format_date(day: date) -> str:
    from django.utils.formats import date_format

    return date_format(day, "j F Y")
