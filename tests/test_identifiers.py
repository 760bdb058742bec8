"""Indonesian identifiers (domain.md §4.1, §5): what is accepted, what is refused and why.

Messages are English source strings, shown in Indonesian once the catalogue is translated: the
tests read them under override("en") and otherwise check the error code.
"""

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from reference.identifiers import (
    format_npwp,
    nik_matches_person,
    nik_warnings,
    parse_nik,
    validate_bpjs_project_number,
    validate_kpj,
    validate_nib,
    validate_nik,
    validate_npp,
    validate_npwp,
)
from reference.models import Region
from tests.factories import luhn_digit

TODAY = date(2026, 6, 1)


def refused(function, value) -> ValidationError:
    """The ValidationError `function` raises for `value`, with English messages."""
    with override("en"), pytest.raises(ValidationError) as info:
        function(value)
    return info.value


# --- NIK: structure ---------------------------------------------------------------------------


def test_the_worked_example_of_the_domain_notes_is_a_woman_from_kota_bekasi_born_17_8_1990():
    parts = parse_nik("3275015708900001")

    assert parts.region_codes == ("32", "32.75", "32.75.01")
    assert parts.district_prefix == "327501"
    assert parts.is_female
    assert (parts.birth_day, parts.birth_month, parts.birth_year_2d) == (17, 8, 90)
    assert parts.birth_date(today=TODAY) == date(1990, 8, 17)
    assert parts.serial == 1
    assert validate_nik("3275015708900001") == "3275015708900001"


def test_the_same_date_without_the_forty_is_a_man():
    parts = parse_nik("3275011708900001")

    assert not parts.is_female
    assert parts.birth_date(today=TODAY) == date(1990, 8, 17)


@pytest.mark.parametrize(
    ("day_digits", "is_female", "day"),
    [("01", False, 1), ("31", False, 31), ("41", True, 1), ("71", True, 31)],
)
def test_days_1_to_31_are_men_and_41_to_71_are_women(day_digits, is_female, day):
    parts = parse_nik(f"327501{day_digits}01900001")

    assert (parts.is_female, parts.birth_day) == (is_female, day)


@pytest.mark.parametrize("day_digits", ["00", "32", "40", "72", "99"])
def test_a_day_outside_both_ranges_is_refused(day_digits):
    error = refused(parse_nik, f"327501{day_digits}01900001")

    assert error.code == "nik_birth_date"
    assert f"{day_digits}0190 is not a date" in error.messages[0]


@pytest.mark.parametrize("month", ["00", "13"])
def test_a_month_outside_1_to_12_is_refused(month):
    assert refused(parse_nik, f"32750115{month}900001").code == "nik_birth_date"


@pytest.mark.parametrize("nik", ["3275013102900001", "3275017102900001", "3275013104900001"])
def test_31_february_and_31_april_are_refused_for_men_and_women(nik):
    assert refused(parse_nik, nik).code == "nik_birth_date"


def test_29_february_of_a_year_that_is_not_leap_in_either_century_is_refused():
    # 1990 and 2090 are not leap years.
    assert refused(parse_nik, "3275012902900001").code == "nik_birth_date"


@pytest.mark.parametrize(
    ("nik", "born"),
    [
        ("3275012902960001", date(1996, 2, 29)),
        ("3275016902040001", date(2004, 2, 29)),  # a woman: 29 + 40
    ],
)
def test_29_february_of_a_leap_year_is_a_birthday(nik, born):
    assert parse_nik(nik).birth_date(today=TODAY) == born


def test_29_february_00_is_accepted_because_2000_was_a_leap_year_though_1900_was_not():
    parts = parse_nik("3275012902000001")

    assert parts.birth_date(today=TODAY) == date(2000, 2, 29)
    # Seen in 2013, year 00 would be 1900 by the age rule, which has no 29 February: the
    # century that makes it a date wins.
    assert parts.birth_date(today=date(2013, 1, 1)) == date(2000, 2, 29)


def test_29_january_00_is_an_ordinary_date():
    assert parse_nik("3275012901000001").birth_date(today=TODAY) == date(2000, 1, 29)


@pytest.mark.parametrize(
    ("year_digits", "today", "year"),
    [
        ("90", TODAY, 1990),
        ("05", TODAY, 2005),
        ("12", TODAY, 2012),  # turns 14 this year: still this century
        ("13", TODAY, 1913),  # 13 at most this year: a child's NIK is rarer than an old one
        ("60", TODAY, 1960),
    ],
)
def test_the_century_is_the_one_that_gives_an_age_of_at_least_14(year_digits, today, year):
    assert parse_nik(f"3275011508{year_digits}0001").birth_date(today=today).year == year


@pytest.mark.parametrize(
    ("value", "count"),
    [("327501570890001", 15), ("32750157089000011", 17), ("3275", 4)],
)
def test_a_nik_with_the_wrong_number_of_digits_says_how_many_it_has(value, count):
    error = refused(parse_nik, value)

    assert error.code == "nik_format"
    assert error.messages == [f"A NIK has exactly 16 digits (this one has {count})."]


@pytest.mark.parametrize("value", ["32750157089000A1", "NIK3275015708900", "", "3275015708900001x"])
def test_a_nik_with_letters_or_nothing_in_it_is_refused(value):
    error = refused(parse_nik, value)

    assert error.code == "nik_format"
    assert error.messages == ["A NIK contains digits only."]


@pytest.mark.parametrize(
    "value",
    ["3275 0157 0890 0001", "3275.0157.0890.0001", "3275-0157-0890-0001", " 3275015708900001 "],
)
def test_spaces_dots_and_dashes_typed_between_the_digits_are_dropped(value):
    assert validate_nik(value) == "3275015708900001"


def test_serial_0000_is_refused():
    error = refused(parse_nik, "3275015708900000")

    assert error.code == "nik_serial"
    assert error.messages == ["The last four digits of a NIK cannot be 0000."]


@pytest.mark.parametrize("serial", ["0001", "9999"])
def test_serials_0001_to_9999_are_accepted(serial):
    assert parse_nik(f"327501570890{serial}").serial == int(serial)


@pytest.mark.parametrize("prefix", ["007501", "320001", "327500"])
def test_a_region_part_of_00_is_refused(prefix):
    assert refused(parse_nik, f"{prefix}5708900001").code == "nik_region"


@pytest.mark.parametrize(
    ("prefix", "province"),
    [
        ("650101", "Kalimantan Utara"),  # missing from python-stdnum 2.2's table
        ("920301", "Papua Barat"),
        ("930101", "Papua Selatan"),
        ("940101", "Papua Tengah"),
        ("950101", "Papua Pegunungan"),
        ("960101", "Papua Barat Daya"),
    ],
)
def test_niks_of_kalimantan_utara_and_the_new_papua_provinces_are_accepted(prefix, province):
    parts = parse_nik(f"{prefix}1508900001")

    assert parts.region_codes[0] == prefix[:2]
    assert validate_nik(f"{prefix}1508900001") == f"{prefix}1508900001"


def test_validate_nik_error_messages_are_indonesian_by_default_and_english_when_asked():
    with override("en"), pytest.raises(ValidationError) as english:
        validate_nik("123")
    with override("id"), pytest.raises(ValidationError) as indonesian:
        validate_nik("123")

    assert english.value.messages == ["A NIK has exactly 16 digits (this one has 3)."]
    assert indonesian.value.code == english.value.code == "nik_format"
    assert indonesian.value.messages[0]


# --- NIK against the person beside it -----------------------------------------------------------


def test_a_nik_matching_the_birth_date_and_sex_given_has_no_errors():
    parts = parse_nik("3275015708900001")

    assert nik_matches_person(parts, birth_date=date(1990, 8, 17), sex="F") == []
    assert nik_matches_person(parts, birth_date=None, sex=None) == []
    assert nik_matches_person(parts, birth_date=None, sex="") == []


@pytest.mark.parametrize(
    "birth_date", [date(1990, 8, 18), date(1990, 9, 17), date(1991, 8, 17), date(1980, 8, 17)]
)
def test_a_different_day_month_or_year_is_an_error_that_quotes_the_nik(birth_date):
    with override("en"):
        errors = nik_matches_person(parse_nik("3275015708900001"), birth_date=birth_date, sex="F")

    assert errors == [
        "The birth date does not match the NIK: its 7th to 12th digits give 17-08-90"
        " (day-month-year)."
    ]


def test_the_century_is_not_held_against_the_person():
    # The NIK only has two digits of the year: 1890 and 1990 both end in 90.
    parts = parse_nik("3275015708900001")

    assert nik_matches_person(parts, birth_date=date(1890, 8, 17), sex="F") == []


def test_a_man_with_a_womans_nik_is_told_about_the_forty():
    with override("en"):
        errors = nik_matches_person(
            parse_nik("3275015708900001"), birth_date=date(1990, 8, 17), sex="M"
        )

    assert errors == [
        "The sex does not match the NIK (the day of birth of women is increased by 40)."
    ]


def test_a_woman_with_a_mans_nik_is_an_error_too():
    errors = nik_matches_person(parse_nik("3275011708900001"), birth_date=None, sex="F")

    assert len(errors) == 1


def test_both_mismatches_are_reported_together():
    errors = nik_matches_person(
        parse_nik("3275011708900001"), birth_date=date(1990, 8, 16), sex="F"
    )

    assert len(errors) == 2


# --- NIK warnings: never errors -----------------------------------------------------------------


def test_a_known_region_and_a_working_age_give_no_warning():
    parts = parse_nik("3275015708900001")

    assert nik_warnings(parts, known_district_codes={"32.75.01"}, today=TODAY) == []
    assert nik_warnings(parts, today=TODAY) == []  # no region list: nothing to compare


def test_a_prefix_missing_from_todays_region_list_warns_but_the_nik_stays_valid():
    # 64.05 was Bulungan in Kalimantan Timur until Kalimantan Utara was formed (now 65.01).
    nik = "6405011508900001"

    assert validate_nik(nik) == nik
    with override("en"):
        warnings = nik_warnings(parse_nik(nik), known_district_codes={"65.01.01"}, today=TODAY)

    assert warnings == [
        "The region code 64.05.01 of this NIK is not in today's list of kecamatan; "
        "check it if the person was not registered before a region split."
    ]


@pytest.mark.django_db
def test_the_loaded_kecamatan_list_knows_kaltara_and_new_papua_but_not_old_merauke(
    reference_data,
):
    known = set(Region.objects.districts().values_list("code", flat=True))

    for nik in ["6501011508900001", "9401011508900001", "9601011508900001", "3275015708900001"]:
        assert nik_warnings(parse_nik(nik), known_district_codes=known, today=TODAY) == []
    # Merauke was 91.01 (Papua) before Papua Selatan took it as 93.01 in 2022.
    old_merauke = parse_nik("9101011508900001")
    assert len(nik_warnings(old_merauke, known_district_codes=known, today=TODAY)) == 1


@pytest.mark.parametrize(
    ("born", "today", "warns"),
    [
        (date(2011, 6, 2), date(2026, 6, 1), True),  # 14, turning 15 tomorrow
        (date(2011, 6, 1), date(2026, 6, 1), False),  # 15 today
        (date(2011, 1, 3), date(2025, 12, 31), True),  # 14 (days // 365 would say 15)
        (date(1945, 6, 1), date(2026, 6, 1), True),  # 81 today
        (date(1945, 6, 2), date(2026, 6, 1), False),  # 80, turning 81 tomorrow
        (date(1946, 8, 17), date(2026, 8, 10), False),  # 79 (days // 365 would say 80)
    ],
)
def test_an_age_outside_15_to_80_warns_counting_whole_years(born, today, warns):
    nik = f"327501{born:%d%m%y}0001"

    warnings = nik_warnings(parse_nik(nik), today=today)

    assert bool(warnings) is warns


def test_the_age_warning_says_the_age():
    with override("en"):
        warnings = nik_warnings(parse_nik("3275011508120001"), today=date(2026, 1, 1))

    assert warnings == ["The NIK gives an age of 13 years; check the number."]


# --- NPWP ---------------------------------------------------------------------------------------


def entity_npwp15(taxpayer8: str = "01300066", office: str = "091", branch: str = "000") -> str:
    return taxpayer8 + luhn_digit(taxpayer8) + office + branch


def test_a_15_digit_npwp_is_stored_with_a_leading_0():
    # python-stdnum's example of a valid NPWP.
    assert validate_npwp("013000666091000") == "0013000666091000"


@pytest.mark.parametrize(
    "value", ["01.300.066.6-091.000", "01.300.066.6-091.000 ", "0013000666091000"]
)
def test_the_printed_shape_and_the_16_digit_form_give_the_same_npwp(value):
    assert validate_npwp(value) == "0013000666091000"


def test_the_check_digit_is_luhn_over_the_first_eight_digits_of_the_taxpayer_number():
    for taxpayer in ["01234567", "98765432", "00000018", "72345678"]:
        assert validate_npwp(entity_npwp15(taxpayer)) == "0" + entity_npwp15(taxpayer)


@pytest.mark.parametrize("value", ["013000667091000", "0013000667091000", "01.300.066.5-091.000"])
def test_a_wrong_check_digit_is_refused(value):
    error = refused(validate_npwp, value)

    assert error.code == "npwp_checksum"
    assert error.messages == ["This NPWP's check digit is wrong: check for a typing error."]


def test_the_office_and_branch_digits_are_not_part_of_the_check():
    assert validate_npwp(entity_npwp15(office="999", branch="123")).endswith("999123")


def test_a_16_digit_npwp_not_starting_with_0_is_a_nik_and_valid_as_one():
    assert validate_npwp("3275015708900001") == "3275015708900001"


def test_a_16_digit_npwp_that_is_an_invalid_nik_says_why():
    error = refused(validate_npwp, "3275013102900001")

    assert error.code == "npwp_nik"
    assert error.messages[0].startswith(
        "A 16-digit NPWP that does not start with 0 is a NIK, and this one is not valid: "
        "Digits 7 to 12 of a NIK are the birth date"
    )


@pytest.mark.parametrize(("value", "count"), [("01300066609100", 14), ("01300066609100000", 17)])
def test_an_npwp_of_another_length_is_refused(value, count):
    error = refused(validate_npwp, value)

    assert error.code == "npwp_length"
    assert error.messages == [f"An NPWP has 15 or 16 digits (this one has {count})."]


def test_an_npwp_with_letters_is_refused():
    assert refused(validate_npwp, "01300066609100O").code == "npwp_format"


@pytest.mark.parametrize("value", ["0013000666091000", "013000666091000"])
def test_an_entity_npwp_is_shown_in_the_familiar_15_digit_shape(value):
    assert format_npwp(value) == "01.300.066.6-091.000"


def test_a_nik_npwp_is_shown_as_it_is():
    assert format_npwp("3275015708900001") == "3275015708900001"


# --- NIB, KPJ, NPP, BPJS project number ---------------------------------------------------------


def test_a_nib_has_13_digits():
    assert validate_nib("9120001234567") == "9120001234567"
    assert validate_nib("912 000 123 4567") == "9120001234567"


@pytest.mark.parametrize("value", ["912000123456", "91200012345678", "912000123456X", ""])
def test_a_nib_of_another_length_or_with_letters_is_refused(value):
    error = refused(validate_nib, value)

    assert error.code == "nib_format"
    assert error.messages == ["A NIB has exactly 13 digits."]


def test_a_kpj_number_has_11_digits():
    assert validate_kpj("12345678901") == "12345678901"


@pytest.mark.parametrize("value", ["1234567890", "123456789012", "1234567890A"])
def test_a_kpj_number_of_another_length_or_with_letters_is_refused(value):
    error = refused(validate_kpj, value)

    assert error.code == "kpj_format"
    assert error.messages == ["A KPJ number has exactly 11 digits."]


@pytest.mark.parametrize(
    ("value", "stored"),
    [("15070955", "15070955"), ("ab123456", "AB123456"), (" JK000123 ", "JK000123")],
)
def test_an_npp_is_8_letters_or_digits_stored_in_capitals(value, stored):
    assert validate_npp(value) == stored


@pytest.mark.parametrize("value", ["1507095", "150709551", "1507-095", ""])
def test_an_npp_of_another_shape_is_refused(value):
    error = refused(validate_npp, value)

    assert error.code == "npp_format"
    assert error.messages == ["An NPP has 8 letters or digits."]


@pytest.mark.parametrize("value", ["2300001078094", "23000010", "A" * 20])
def test_a_bpjs_project_number_is_checked_for_length_and_characters_only(value):
    assert validate_bpjs_project_number(value) == value


@pytest.mark.parametrize("value", ["2300001", "A" * 21, "2300-0010-78094", ""])
def test_a_bpjs_project_number_too_short_too_long_or_with_signs_is_refused(value):
    error = refused(validate_bpjs_project_number, value)

    assert error.code == "bpjs_project_number_format"
    assert error.messages == [
        "A BPJS project number has 8 to 20 letters or digits (usually 13 digits)."
    ]
