"""compliance.decisions: the rules' UNION compiled once and bound to each clock and set of
projects must answer exactly as the querysets built afresh do."""

from datetime import timedelta
from decimal import Decimal

import pytest

from compliance import decisions, rules, services
from compliance.models import ComplianceFlag, Registration, TariffTier
from tests import factories

from .conftest import at
from .test_rules import SPK, register

Rule = ComplianceFlag.Rule


def built_afresh(clock, ids):
    return sorted((pk, rule, bool(v)) for pk, rule, v in rules.decisions(clock, ids))


def compiled(clock, ids):
    return sorted(decisions.decision_rows(clock, ids))


@pytest.fixture
def projects(contractor_a, bekasi_office_user):
    """Projects on which each rule holds at some point between the SPK and a year later."""

    def make(**fields):
        return factories.make_project(
            contractor=contractor_a,
            spk_date=SPK,
            start_date=SPK + timedelta(days=28),
            end_date=SPK + timedelta(days=200),
            planned_workforce=10,
            **fields,
        )

    unregistered, short, paid, gap, rejected = (make() for _ in range(5))
    due = services.contribution_due(short)
    register(short, amount=due - 5000)
    register(paid)
    register(gap, coverage_end=SPK + timedelta(days=60))
    services.reject_registration(
        registration=register(rejected), user=bekasi_office_user, reason="Nomor salah"
    )
    return [unregistered, short, paid, gap, rejected]


def clocks():
    """From before any due date to a year on: warnings, violations, rejections, no workers."""
    days = [0, 10, 16, 18, 19, 20, 25, 60, 75, 120, 365]
    return [rules.Clock.at(at(SPK + timedelta(days=d))) for d in days]


def test_every_clock_and_set_of_projects_gets_the_answer_of_the_querysets(projects, settings):
    ids = [p.pk for p in projects]
    subsets = [ids[:1], ids[1:2], ids[:3], ids[2:5], ids, list(reversed(ids)) + ids[:2]]
    answers = set()
    for clock in clocks():
        for subset in subsets:
            expected = built_afresh(clock, subset)
            assert compiled(clock, subset) == expected, (clock.today, subset)
            answers.add(tuple(expected))
    # The clock and the ids did change the answer, so a statement bound to stale values (the
    # probes, or the previous call's) would have been caught above.
    assert len(answers) > 10
    rules_seen = {rule for answer in answers for _pk, rule, _v in answer}
    assert rules_seen == {
        Rule.UNREGISTERED,
        Rule.REJECTED,
        Rule.COVERAGE_GAP,
        Rule.UNDERPAID,
        Rule.NO_WORKERS,
        Rule.UNVERIFIED,
    }
    # One statement per number of projects (1, 3, 5), compiled once each.
    shapes = {key[1]: statement for key, statement in decisions._statements.items()}
    assert set(shapes) == {1, 3, 5}
    assert all(isinstance(s, decisions.Statement) for s in shapes.values())


def test_a_change_to_the_tariff_is_read_at_once(projects):
    short = projects[1]
    clock = rules.Clock.at(at(SPK + timedelta(days=30)))
    assert (short.pk, Rule.UNDERPAID, True) in compiled(clock, [short.pk])
    # An admin halves every rate: what was paid is now more than the due amount.
    tariff = Registration.objects.get(project=short).tariff
    for tier in TariffTier.objects.filter(tariff=tariff):
        tier.jkk_rate, tier.jkm_rate = tier.jkk_rate / 2, tier.jkm_rate / 2
        tier.save()
    assert (short.pk, Rule.UNDERPAID, True) not in compiled(clock, [short.pk])
    assert compiled(clock, [short.pk]) == built_afresh(clock, [short.pk])


def test_a_changed_setting_is_read_at_once(projects, settings):
    main = projects[2]  # registered and paid
    sub = factories.make_project(
        contractor=main.contractor,
        work_unit=main.work_unit,
        parent=main,
        spk_date=SPK,
        start_date=SPK + timedelta(days=28),
        end_date=SPK + timedelta(days=90),
    )
    clock = rules.Clock.at(at(sub.registration_due_on + timedelta(days=3)))
    assert not [r for r in compiled(clock, [sub.pk]) if r[1] == Rule.UNREGISTERED]
    settings.PANTAU_SUBCONTRACT_NEEDS_OWN_REGISTRATION = True
    assert (sub.pk, Rule.UNREGISTERED, True) in compiled(clock, [sub.pk])
    settings.PANTAU_UNDERPAID_TOLERANCE = Decimal("10000")  # the short payment is now within it
    assert not [r for r in compiled(clock, [projects[1].pk]) if r[1] == Rule.UNDERPAID]


def test_a_probe_that_reaches_the_parameters_changed_cannot_be_bound(db):
    probe = decisions.PROBE_CLOCK
    slots = decisions.find_slots([probe.today, "x", decisions.FIRST_PROBE_ID, True], 1)
    assert [(s.position, s.clock_field, s.id_index) for s in slots] == [
        (0, "today", 0),
        (2, None, 0),
    ]
    with pytest.raises(decisions.NotBindable, match="computed from a probe"):
        # e.g. a rule comparing with clock.today - 1 day computed in Python
        decisions.find_slots([probe.today - timedelta(days=1), decisions.FIRST_PROBE_ID], 1)
    with pytest.raises(decisions.NotBindable, match="1 of 2 project ids"):
        decisions.find_slots([decisions.FIRST_PROBE_ID], 2)
