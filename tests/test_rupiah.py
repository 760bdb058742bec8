"""Rupiah as people type and read it (reference/rupiah.py)."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from reference.forms import RupiahField
from reference.rupiah import (
    MAX_AMOUNT,
    format_rupiah,
    parse_rupiah,
    round_rupiah,
    value_before_ppn,
)

BILLION_AND_A_QUARTER = Decimal("1250000000")


@pytest.mark.parametrize(
    "text",
    [
        "1.250.000.000",  # Indonesian grouping
        "Rp 1.250.000.000,00",  # as printed on a contract, with sen
        "Rp1.250.000.000",  # as format_rupiah writes it
        "Rp. 1.250.000.000",
        "rp 1.250.000.000",
        "1250000000",
        "1,250,000,000",  # English grouping
        "1,250,000,000.00",
        " 1 250 000 000 ",
        "1\u00a0250\u00a0000\u00a0000",  # no-break spaces from a copied spreadsheet figure
    ],
)
def test_every_usual_way_of_writing_one_and_a_quarter_billion_reads_the_same(text):
    assert parse_rupiah(text) == BILLION_AND_A_QUARTER


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("1,250,000,000.50", Decimal("1250000000.50")),
        ("1.250.000.000,50", Decimal("1250000000.50")),
        ("1250000,5", Decimal("1250000.5")),
        ("1250000.5", Decimal("1250000.5")),
        ("12,34", Decimal("12.34")),
        ("1.000", Decimal("1000")),  # a lone separator before three digits groups thousands
        ("1,000", Decimal("1000")),
        ("1.5", Decimal("1.5")),  # before one or two digits it is the decimal mark
        ("0", Decimal("0")),
    ],
)
def test_decimals_are_read_with_either_mark(text, amount):
    assert parse_rupiah(text) == amount


def test_whole_amounts_are_read_without_a_decimal_part():
    assert str(parse_rupiah("1.250.000.000")) == "1250000000"


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "   ",
        "Rp",
        "1e9",
        "1..000",
        "1.000.00",  # a typo: neither grouping nor a decimal part
        "1.2.3,50",  # thousands groups of the wrong size before a decimal mark
        "1,2,3.50",
        "1000.000,50",
        "1.000,00.00",
        "12,34,567",  # Indian grouping
        "1.5.5",
        ".5",
        "Rp 1.000 juta",
        "１２３",  # full-width digits
    ],
)
def test_junk_is_refused_with_an_example_of_the_format(text):
    with override("en"), pytest.raises(ValidationError) as info:
        parse_rupiah(text)

    assert info.value.code == "rupiah_format"
    assert info.value.messages == ["Enter an amount in rupiah, for example 1.250.000.000."]


@pytest.mark.parametrize("text", ["1.000,123", "1,000.505", "1250000,555"])
def test_more_than_two_decimals_is_refused(text):
    with pytest.raises(ValidationError) as info:
        parse_rupiah(text)

    assert info.value.code == "rupiah_format"


@pytest.mark.parametrize(
    "value", ["-5", "-1.000", "Rp -1.000", "-Rp1.500,25", -5, Decimal("-0.01")]
)
def test_a_negative_amount_is_refused_as_negative(value):
    with override("en"), pytest.raises(ValidationError) as info:
        parse_rupiah(value)

    assert info.value.code == "rupiah_negative"
    assert info.value.messages == ["An amount cannot be negative."]


def test_numbers_pass_through_as_decimals():
    assert parse_rupiah(1250000000) == BILLION_AND_A_QUARTER
    assert parse_rupiah(Decimal("1.5")) == Decimal("1.5")


@pytest.mark.parametrize("amount", [Decimal("1250000000"), Decimal("1250000000.50"), Decimal(7)])
@pytest.mark.parametrize("language", ["id", "en"])
def test_what_format_rupiah_writes_parse_rupiah_reads_back(amount, language):
    assert parse_rupiah(format_rupiah(amount, language=language)) == amount


@pytest.mark.parametrize(
    ("amount", "indonesian", "english"),
    [
        (Decimal("1250000000"), "Rp1.250.000.000", "Rp1,250,000,000"),
        (Decimal("1250000000.5"), "Rp1.250.000.000,50", "Rp1,250,000,000.50"),
        (Decimal("1250000000.05"), "Rp1.250.000.000,05", "Rp1,250,000,000.05"),
        (Decimal("1250000000.00"), "Rp1.250.000.000", "Rp1,250,000,000"),  # no ,00
        (Decimal("999"), "Rp999", "Rp999"),
        (Decimal("1000"), "Rp1.000", "Rp1,000"),
        (Decimal("0"), "Rp0", "Rp0"),
        (Decimal("0.005"), "Rp0,01", "Rp0.01"),  # sen rounded half up
        (Decimal("999999.995"), "Rp1.000.000", "Rp1,000,000"),
        (Decimal("-1500.25"), "-Rp1.500,25", "-Rp1,500.25"),
        (1375000, "Rp1.375.000", "Rp1,375,000"),
        ("1375000", "Rp1.375.000", "Rp1,375,000"),
    ],
)
def test_format_rupiah_groups_with_dots_in_indonesian_and_commas_in_english(
    amount, indonesian, english
):
    assert format_rupiah(amount, language="id") == indonesian
    assert format_rupiah(amount, language="en") == english


def test_format_rupiah_follows_the_active_language():
    with override("id"):
        assert format_rupiah(BILLION_AND_A_QUARTER) == "Rp1.250.000.000"
    with override("en"):
        assert format_rupiah(BILLION_AND_A_QUARTER) == "Rp1,250,000,000"


def test_nothing_formats_as_nothing():
    assert format_rupiah(None) == ""
    assert format_rupiah("") == ""


@pytest.mark.parametrize(
    ("amount", "rounded"),
    [("0.5", 1), ("1.5", 2), ("2.5", 3), ("2.49", 2), ("157500.5", 157501), ("0.4999", 0)],
)
def test_whole_rupiah_are_rounded_half_up_not_to_even(amount, rounded):
    assert round_rupiah(Decimal(amount)) == rounded


# --- The value before PPN (DPP) -------------------------------------------------------------------


def test_the_dpp_of_832_5_million_including_11_percent_ppn_is_750_million():
    # domain.md §2.4 case D.
    assert value_before_ppn(Decimal("832500000"), includes_ppn=True, ppn_rate=Decimal("11")) == (
        Decimal("750000000")
    )


def test_a_value_without_ppn_is_its_own_dpp():
    assert value_before_ppn(
        Decimal("832500000"), includes_ppn=False, ppn_rate=Decimal("11")
    ) == Decimal("832500000")


@pytest.mark.parametrize(
    ("value", "rate", "dpp"),
    [
        ("110", "10", 100),  # the pre-2022 rate
        ("112", "12", 100),
        ("100", "12", 89),  # 89.2857... rounds down
        ("1000000", "11", 900901),  # 900900.9009... rounds up
        ("100", "0", 100),
        ("1000", "100", 500),
    ],
)
def test_the_dpp_divides_by_one_plus_the_rate_and_rounds_to_whole_rupiah(value, rate, dpp):
    assert value_before_ppn(Decimal(value), includes_ppn=True, ppn_rate=Decimal(rate)) == dpp


def test_a_value_with_sen_gives_a_whole_rupiah_dpp():
    assert value_before_ppn(Decimal("1.50"), includes_ppn=False, ppn_rate=Decimal("11")) == 2


def test_a_whole_rupiah_field_reads_zero_sen_as_a_whole_amount():
    field = RupiahField(decimal_places=0)

    amount = field.clean("Rp 1.250.000.000,00")

    assert amount == BILLION_AND_A_QUARTER and amount.as_tuple().exponent == 0


@pytest.mark.parametrize("text", ["1.250.000.000,50", "1,250,000,000.01"])
def test_a_whole_rupiah_field_refuses_sen_in_words(text):
    with override("en"), pytest.raises(ValidationError) as info:
        RupiahField(decimal_places=0).clean(text)

    assert info.value.messages == ["Enter whole rupiah: this amount is stored without sen."]


def test_a_field_that_stores_sen_keeps_them():
    assert RupiahField().clean("Rp 1.250.000.000,50") == Decimal("1250000000.50")


def test_the_upper_limit_is_named_in_rupiah_in_the_readers_language():
    field = RupiahField(max_value=MAX_AMOUNT)
    for language, limit in (("en", "Rp100,000,000,000,000"), ("id", "Rp100.000.000.000.000")):
        with override(language), pytest.raises(ValidationError) as info:
            field.clean("100.000.000.000.000,01")
        assert limit in info.value.messages[0]
    assert field.clean("100.000.000.000.000") == MAX_AMOUNT
