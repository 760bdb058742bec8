"""When a project's BPJS registration is due (domain.md part 0, Permenaker 44/2015): the 14th
working day after the SPK, or the start (SPMK) date if that comes first. Working days skip
weekends and the Holiday table (public holidays and cuti bersama); the `reference_data` fixture
loads the holidays of 2024-2027.

March 2026 around the SPK of Monday 2 March:

    Mo Tu We Th Fr Sa Su
     2  3  4  5  6  7  8     working days 1-4: 3 to 6 March
     9 10 11 12 13 14 15     5-9
    16 17 18 19 20 21 22     10-11; 18 cuti bersama Nyepi, 19 Nyepi, 20 cuti bersama Idul Fitri
    23 24 25 26 27 28 29     23-24 cuti bersama Idul Fitri; 12-14: 25 to 27 March
"""

from datetime import date, timedelta

import pytest
from django.db.models import Q

from projects.models import Project
from projects.services import recompute_due_dates, registration_due_date, save_project
from reference.calendar import (
    add_working_days,
    holidays_between,
    is_working_day,
    subtract_working_days,
)
from reference.models import Holiday
from tests import factories

pytestmark = [pytest.mark.django_db]

SPK = date(2026, 3, 2)  # a Monday
LATE_START = date(2026, 4, 30)  # after any due date: the working-day rule decides


@pytest.fixture(autouse=True)
def _reference_data_and_no_engine_nudges(reference_data, settings):
    settings.PANTAU_NUDGE_ENGINE_ON_COMMIT = False


# --- The holiday table ---------------------------------------------------------------------------


def test_idul_fitri_and_nyepi_2026_with_their_cuti_bersama_are_holidays():
    days = dict(
        Holiday.objects.filter(date__range=(date(2026, 3, 18), date(2026, 3, 24))).values_list(
            "date", "kind"
        )
    )

    assert days == {
        date(2026, 3, 18): Holiday.Kind.CUTI_BERSAMA,
        date(2026, 3, 19): Holiday.Kind.PUBLIC,
        date(2026, 3, 20): Holiday.Kind.CUTI_BERSAMA,
        date(2026, 3, 21): Holiday.Kind.PUBLIC,
        date(2026, 3, 22): Holiday.Kind.PUBLIC,
        date(2026, 3, 23): Holiday.Kind.CUTI_BERSAMA,
        date(2026, 3, 24): Holiday.Kind.CUTI_BERSAMA,
    }


def test_weekends_and_holidays_are_not_working_days():
    first = date(2026, 3, 16)
    days = [first + timedelta(days=n) for n in range(12)]  # 16 to 27 March
    holidays = holidays_between(days[0], days[-1])

    working = [day.day for day in days if is_working_day(day, holidays)]

    assert working == [16, 17, 25, 26, 27]


# --- Working-day arithmetic --------------------------------------------------------------------------


def test_the_start_day_is_day_zero():
    assert add_working_days(SPK, 0) == SPK
    assert add_working_days(SPK, 1) == date(2026, 3, 3)


def test_a_friday_plus_one_working_day_is_the_monday():
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)


def test_counting_from_a_saturday_starts_on_the_monday():
    assert add_working_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_14_working_days_after_the_spk_skip_nyepi_and_idul_fitri():
    assert add_working_days(SPK, 14) == date(2026, 3, 27)


def test_without_holidays_the_same_14_working_days_end_a_week_earlier():
    assert add_working_days(SPK, 14, holidays=set()) == date(2026, 3, 20)


def test_a_holiday_set_passed_in_is_used_instead_of_the_table():
    assert add_working_days(SPK, 1, holidays={date(2026, 3, 3)}) == date(2026, 3, 4)


def test_working_days_run_across_christmas_and_new_year():
    # 24 Dec cuti bersama, 25 Dec, 1 Jan and 5 Jan (Isra Mikraj 2027) are skipped.
    assert add_working_days(date(2026, 12, 14), 14) == date(2027, 1, 7)


def test_subtracting_working_days_is_the_inverse_of_adding_them():
    assert subtract_working_days(date(2026, 3, 27), 14) == SPK
    assert subtract_working_days(date(2026, 3, 25), 1) == date(2026, 3, 17)
    assert subtract_working_days(SPK, 0) == SPK


def test_a_negative_count_is_a_programming_error():
    with pytest.raises(ValueError, match="negative"):
        add_working_days(SPK, -1)
    with pytest.raises(ValueError, match="negative"):
        subtract_working_days(SPK, -1)


# --- The due date ----------------------------------------------------------------------------------


def test_the_due_date_is_the_14th_working_day_when_work_starts_later():
    assert registration_due_date(SPK, LATE_START) == date(2026, 3, 27)


def test_the_due_date_is_the_start_date_when_work_starts_before_the_14th_working_day():
    assert registration_due_date(SPK, date(2026, 3, 16)) == date(2026, 3, 16)


def test_a_start_on_the_14th_working_day_gives_that_day():
    assert registration_due_date(SPK, date(2026, 3, 27)) == date(2026, 3, 27)


def test_an_spk_signed_on_idul_fitri_counts_from_the_first_working_day_after_the_break():
    # 25-27 March, 30 March-2 April, (3 April Good Friday), 6-10 and 13-14 April.
    assert registration_due_date(date(2026, 3, 21), date(2026, 6, 1)) == date(2026, 4, 14)


def test_the_number_of_working_days_is_a_setting(settings):
    settings.PANTAU_REGISTRATION_DEADLINE_WORKING_DAYS = 7

    assert registration_due_date(SPK, LATE_START) == date(2026, 3, 11)


def test_the_start_date_cap_can_be_switched_off(settings):
    settings.PANTAU_DUE_NO_LATER_THAN_START = False

    assert registration_due_date(SPK, date(2026, 3, 16)) == date(2026, 3, 27)


def test_a_saved_project_stores_its_due_date():
    project = factories.make_project(spk_date=SPK, start_date=LATE_START)

    project.refresh_from_db()
    assert project.registration_due_on == date(2026, 3, 27)


def test_the_default_test_project_starting_two_weeks_after_its_spk_is_due_on_its_start():
    project = factories.make_project(spk_date=SPK)

    assert project.start_date == date(2026, 3, 16)
    assert project.registration_due_on == date(2026, 3, 16)


def test_changing_the_spk_date_of_a_project_moves_its_due_date():
    project = factories.make_project(spk_date=SPK, start_date=LATE_START)

    project.spk_date = date(2026, 3, 9)
    save_project(project=project)

    project.refresh_from_db()
    # 10-13, 16-17, 25-27, 30-31 March, 1-2 April, 6 April (3 April is Good Friday).
    assert project.registration_due_on == date(2026, 4, 6)


# --- Recomputing after the holiday list changes --------------------------------------------------


JUNE_SPK = date(2026, 6, 8)  # a Monday; 16 June (Islamic new year) is a holiday
NEW_CUTI_BERSAMA = date(2026, 6, 15)  # a Monday, declared later by the government


@pytest.fixture
def june_projects():
    """One project the new cuti bersama delays, and two it leaves alone, with no marks."""
    projects = {
        "affected": factories.make_project(spk_date=JUNE_SPK, start_date=date(2026, 7, 31)),
        "after": factories.make_project(spk_date=date(2026, 7, 6), start_date=date(2026, 8, 31)),
        # Work starts before the 14th working day: the start date stays the due date.
        "capped": factories.make_project(spk_date=JUNE_SPK, start_date=date(2026, 6, 20)),
    }
    Project.objects.update(needs_evaluation_at=None)
    return projects


def due_dates_and_marks(projects):
    rows = Project.objects.in_bulk([p.pk for p in projects.values()])
    return {
        name: (rows[p.pk].registration_due_on, rows[p.pk].needs_evaluation_at is not None)
        for name, p in projects.items()
    }


def test_the_june_projects_start_with_the_expected_due_dates(june_projects):
    assert due_dates_and_marks(june_projects) == {
        "affected": (date(2026, 6, 29), False),
        "after": (date(2026, 7, 24), False),
        "capped": (date(2026, 6, 20), False),
    }


def test_a_new_cuti_bersama_moves_the_due_date_of_affected_projects_and_marks_them(june_projects):
    Holiday.objects.create(
        date=NEW_CUTI_BERSAMA, name="Cuti bersama (uji)", kind=Holiday.Kind.CUTI_BERSAMA
    )

    changed = recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31))

    assert changed == 1
    assert due_dates_and_marks(june_projects) == {
        "affected": (date(2026, 6, 30), True),
        "after": (date(2026, 7, 24), False),
        "capped": (date(2026, 6, 20), False),
    }


def test_recomputing_twice_changes_nothing_the_second_time(june_projects):
    Holiday.objects.create(date=NEW_CUTI_BERSAMA, name="Cuti bersama (uji)")
    recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31))

    assert recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31)) == 0


def test_removing_the_holiday_again_moves_the_due_date_back(june_projects):
    holiday = Holiday.objects.create(date=NEW_CUTI_BERSAMA, name="Cuti bersama (uji)")
    recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31))

    holiday.delete()
    recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31))

    assert due_dates_and_marks(june_projects)["affected"][0] == date(2026, 6, 29)


def test_projects_signed_outside_the_range_are_not_touched(june_projects):
    Holiday.objects.create(date=NEW_CUTI_BERSAMA, name="Cuti bersama (uji)")

    assert recompute_due_dates(spk_from=date(2026, 7, 1), spk_until=date(2026, 7, 31)) == 0
    assert due_dates_and_marks(june_projects)["affected"] == (date(2026, 6, 29), False)


def test_without_the_start_date_cap_a_recompute_moves_capped_projects_too(june_projects, settings):
    settings.PANTAU_DUE_NO_LATER_THAN_START = False
    Holiday.objects.create(date=NEW_CUTI_BERSAMA, name="Cuti bersama (uji)")

    assert recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31)) == 2
    assert due_dates_and_marks(june_projects)["capped"] == (date(2026, 6, 30), True)


def test_a_recompute_costs_a_few_queries_whatever_the_number_of_projects(
    june_projects, django_assert_max_num_queries
):
    contractor = factories.make_contractor()
    for _n in range(10):
        factories.make_project(
            contractor=contractor, spk_date=JUNE_SPK, start_date=date(2026, 7, 31)
        )
    Holiday.objects.create(date=NEW_CUTI_BERSAMA, name="Cuti bersama (uji)")

    # distinct SPK dates, holidays, one UPDATE per distinct due date, savepoint in and out
    with django_assert_max_num_queries(6):
        changed = recompute_due_dates(spk_from=date(2026, 4, 1), spk_until=date(2026, 7, 31))

    assert changed == 11
    assert not Project.objects.filter(
        Q(spk_date=JUNE_SPK, start_date=date(2026, 7, 31))
        & ~Q(registration_due_on=date(2026, 6, 30))
    ).exists()
