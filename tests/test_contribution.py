"""The JKK + JKM contribution of a construction contract (domain.md §2, compliance/contribution.py).

Marginal tiers like income-tax brackets; an edge value belongs to the lower tier; the JKK and the
JKM part are each rounded to whole rupiah, half up, and the total is their sum.
"""

from datetime import date
from decimal import Decimal

import pytest

from compliance.contribution import (
    STANDARD_TIERS,
    Tier,
    contribution_on_value,
    contribution_on_wages,
    extra_contribution,
)
from compliance.models import Tariff
from reference.rupiah import value_before_ppn

JUTA = 1_000_000
MILIAR = 1_000_000_000

# (edge, cumulative JKK, cumulative JKM at the edge; rates in percent below and above it)
EDGES = [
    (100 * JUTA, 210_000, 30_000, ("0.21", "0.03"), ("0.17", "0.02")),
    (500 * JUTA, 890_000, 110_000, ("0.17", "0.02"), ("0.13", "0.02")),
    (1 * MILIAR, 1_540_000, 210_000, ("0.13", "0.02"), ("0.11", "0.01")),
    (5 * MILIAR, 5_940_000, 610_000, ("0.11", "0.01"), ("0.09", "0.01")),
]


def parts(value):
    """(JKK, JKM, total) of `value` on the standard tiers."""
    result = contribution_on_value(Decimal(value))
    return result.jkk, result.jkm, result.total


# --- The worked examples of domain.md §2.4 ------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "value", "jkk", "jkm", "total"),
    [
        ("A", 75 * JUTA, 157_500, 22_500, 180_000),
        ("B", 750 * JUTA, 1_215_000, 160_000, 1_375_000),
        ("C", 12_500 * JUTA, 12_690_000, 1_360_000, 14_050_000),
    ],
)
def test_the_worked_examples_a_b_and_c(case, value, jkk, jkm, total):
    assert parts(value) == (jkk, jkm, total)


def test_example_d_computes_on_the_value_before_ppn_like_example_b():
    dpp = value_before_ppn(Decimal(832_500_000), includes_ppn=True, ppn_rate=Decimal(11))

    assert dpp == 750 * JUTA
    assert parts(dpp) == (1_215_000, 160_000, 1_375_000)
    # Tiering the gross value would overcharge: domain.md's Rp1,498,750.
    assert parts(832_500_000)[2] == 1_498_750


def test_example_b_is_three_slices_of_100_400_and_250_million():
    slices = contribution_on_value(Decimal(750 * JUTA)).slices

    assert [(s.lower, s.upper, s.amount) for s in slices] == [
        (0, 100 * JUTA, 100 * JUTA),
        (100 * JUTA, 500 * JUTA, 400 * JUTA),
        (500 * JUTA, 1 * MILIAR, 250 * JUTA),
    ]
    assert [(s.jkk_rate, s.jkm_rate) for s in slices] == [
        (Decimal("0.21"), Decimal("0.03")),
        (Decimal("0.17"), Decimal("0.02")),
        (Decimal("0.13"), Decimal("0.02")),
    ]


def test_example_c_reaches_the_open_top_tier():
    top = contribution_on_value(Decimal(12_500 * JUTA)).slices[-1]

    assert (top.lower, top.upper, top.amount) == (5 * MILIAR, None, 7_500 * JUTA)


# --- At and around every tier edge ---------------------------------------------------------------


@pytest.mark.parametrize(("edge", "jkk", "jkm", "below", "above"), EDGES)
def test_the_edge_value_belongs_to_the_lower_tier(edge, jkk, jkm, below, above):
    result = contribution_on_value(Decimal(edge))

    assert (result.jkk, result.jkm) == (jkk, jkm)
    assert result.slices[-1].upper == edge
    assert result.slices[-1].jkk_rate == Decimal(below[0])


@pytest.mark.parametrize(("edge", "jkk", "jkm", "below", "above"), EDGES)
def test_one_rupiah_above_the_edge_opens_a_one_rupiah_slice_of_the_next_tier(
    edge, jkk, jkm, below, above
):
    result = contribution_on_value(Decimal(edge + 1))

    assert (result.slices[-1].lower, result.slices[-1].amount) == (edge, 1)
    assert (result.slices[-1].jkk_rate, result.slices[-1].jkm_rate) == tuple(map(Decimal, above))
    assert len(result.slices) == len(contribution_on_value(Decimal(edge)).slices) + 1
    # A fraction of a rupiah more, rounded away.
    assert (result.jkk, result.jkm) == (jkk, jkm)


@pytest.mark.parametrize(("edge", "jkk", "jkm", "below", "above"), EDGES)
def test_one_rupiah_below_the_edge_stays_in_the_lower_tier(edge, jkk, jkm, below, above):
    result = contribution_on_value(Decimal(edge - 1))

    assert result.slices[-1].upper == edge
    assert result.slices[-1].amount == edge - 1 - result.slices[-1].lower
    assert (result.jkk, result.jkm) == (jkk, jkm)  # a fraction of a rupiah less, rounded away


@pytest.mark.parametrize(("edge", "jkk", "jkm", "below", "above"), EDGES)
def test_100_000_rupiah_either_side_of_the_edge_is_charged_at_that_sides_rate(
    edge, jkk, jkm, below, above
):
    # Every rate times Rp100,000 is whole rupiah, so the marginal rate shows exactly.
    step = 100_000
    below_jkk, below_jkm = (Decimal(rate) * step / 100 for rate in below)
    above_jkk, above_jkm = (Decimal(rate) * step / 100 for rate in above)

    assert parts(edge - step)[:2] == (jkk - below_jkk, jkm - below_jkm)
    assert parts(edge + step)[:2] == (jkk + above_jkk, jkm + above_jkm)


@pytest.mark.parametrize(
    ("value", "total"),
    [(100 * JUTA, 240_000), (500 * JUTA, 1_000_000), (MILIAR, 1_750_000), (5 * MILIAR, 6_550_000)],
)
def test_the_cumulative_totals_at_the_top_of_each_slice_match_the_tier_table(value, total):
    assert parts(value)[2] == total


# --- Rounding --------------------------------------------------------------------------------------


def test_each_part_is_rounded_half_up_on_its_own_and_the_total_is_their_sum():
    # Rp5,000: JKK 0.21 % = 10.5 -> 11, JKM 0.03 % = 1.5 -> 2, total 13. Rounding the total of
    # 0.24 % (12) or rounding half to even (10 + 2) would both give 12.
    assert parts(5_000) == (11, 2, 13)


def test_a_half_rupiah_in_a_higher_tier_is_rounded_up_too():
    # 100,005,000: JKK 210,000 + 5,000 x 0.17 % = 210,008.5 -> 210,009; JKM 30,001 exactly.
    assert parts(100_005_000) == (210_009, 30_001, 240_010)


def test_less_than_half_a_rupiah_is_rounded_down():
    # Rp238: JKK 0.4998, JKM 0.0714.
    assert parts(238) == (0, 0, 0)


def test_the_amounts_are_decimals_in_whole_rupiah():
    result = contribution_on_value(Decimal("12345678.90"))

    assert all(isinstance(amount, Decimal) for amount in (result.jkk, result.jkm, result.total))
    assert result.jkk == result.jkk.to_integral_value()
    assert result.base_value == Decimal("12345678.90")


def test_a_zero_value_owes_nothing_and_has_no_slices():
    result = contribution_on_value(Decimal(0))

    assert (result.jkk, result.jkm, result.total, result.slices) == (0, 0, 0, ())


def test_a_negative_value_is_a_programming_error():
    with pytest.raises(ValueError, match="negative"):
        contribution_on_value(Decimal(-1))


def test_other_tiers_can_be_passed_in():
    flat = (Tier(None, Decimal("1"), Decimal("0.5")),)

    assert contribution_on_value(Decimal(1_000), flat).total == 15


# --- Wage basis ------------------------------------------------------------------------------------


def test_on_wages_jkk_is_1_74_and_jkm_0_30_percent_making_2_04():
    result = contribution_on_wages(Decimal(10 * JUTA))

    assert (result.jkk, result.jkm, result.total) == (174_000, 30_000, 204_000)
    assert result.slices == ()


def test_on_wages_each_part_is_rounded_half_up_too():
    # Rp50: JKK 0.87 -> 1, JKM 0.15 -> 0. Rp250: JKK 4.35 -> 4, JKM 0.75 -> 1.
    assert contribution_on_wages(Decimal(50)).total == 1
    assert contribution_on_wages(Decimal(250)).total == 5


def test_negative_wages_are_a_programming_error():
    with pytest.raises(ValueError, match="negative"):
        contribution_on_wages(Decimal(-1))


# --- Addenda (domain.md §3.5) --------------------------------------------------------------------


def test_an_addendum_raising_the_value_owes_the_difference_of_the_two_contributions():
    # From example B (1,375,000) to 1 M (1,750,000).
    assert extra_contribution(Decimal(750 * JUTA), Decimal(MILIAR)) == 375_000


def test_an_addendum_across_two_tier_edges_uses_the_marginal_rates_of_both():
    # 400 jt -> 600 jt: 100 jt at 0.19 % + 100 jt at 0.15 %.
    assert extra_contribution(Decimal(400 * JUTA), Decimal(600 * JUTA)) == 190_000 + 150_000


def test_an_addendum_lowering_the_value_owes_nothing_and_gets_nothing_back():
    assert extra_contribution(Decimal(MILIAR), Decimal(750 * JUTA)) == 0


def test_an_addendum_keeping_the_value_owes_nothing():
    assert extra_contribution(Decimal(750 * JUTA), Decimal(750 * JUTA)) == 0


def test_the_extra_is_the_difference_of_rounded_totals():
    # What was assessed and paid were whole rupiah: f(new) - f(old), not f(new - old).
    assert extra_contribution(Decimal(5_000), Decimal(10_000)) == parts(10_000)[2] - parts(5_000)[2]


# --- The same numbers from the database -------------------------------------------------------------


@pytest.mark.django_db
def test_the_standard_tariff_is_in_force_for_contracts_signed_since_1999(reference_data):
    tariff = Tariff.objects.in_force_on(date(2026, 3, 2))

    assert tariff.as_tiers() == STANDARD_TIERS
    assert (tariff.wage_jkk_rate, tariff.wage_jkm_rate) == (Decimal("1.74"), Decimal("0.30"))
    assert "Permenaker 5/2021" in tariff.legal_basis


@pytest.mark.django_db
def test_no_tariff_is_in_force_before_1999(reference_data):
    with pytest.raises(Tariff.DoesNotExist):
        Tariff.objects.in_force_on(date(1998, 12, 31))


@pytest.mark.django_db
@pytest.mark.parametrize(
    "value",
    [0, 5_000, 75 * JUTA, 750 * JUTA, 12_500 * JUTA, 100_005_000]
    + [edge + delta for edge, *_rest in EDGES for delta in (-1, 0, 1)],
)
def test_the_tariff_in_the_database_gives_the_same_numbers(reference_data, value):
    tariff = Tariff.objects.in_force_on(date(2026, 3, 2))

    from_database = tariff.contribution_for_value(Decimal(value))

    assert (from_database.jkk, from_database.jkm) == parts(value)[:2]
    assert from_database.slices == contribution_on_value(Decimal(value)).slices


@pytest.mark.django_db
def test_the_tariff_in_the_database_gives_the_same_wage_contribution(reference_data):
    tariff = Tariff.objects.in_force_on(date(2026, 3, 2))

    assert tariff.contribution_for_wages(Decimal(10 * JUTA)).total == 204_000
