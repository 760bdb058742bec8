"""Working-day arithmetic: weekends and the Holiday table are not working days."""

from datetime import date, timedelta

from .models import Holiday


def holidays_between(start: date, end: date) -> set[date]:
    """The holiday dates in [start, end], in one query."""
    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def is_working_day(day: date, holidays: set[date]) -> bool:
    return day.weekday() < 5 and day not in holidays


def add_working_days(start: date, count: int, *, holidays: set[date] | None = None) -> date:
    """The `count`-th working day after `start` (start itself is day 0, as "14 hari kerja setelah").

    Pass `holidays` when computing many dates at once, to avoid a query per call.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    if holidays is None:
        # 14 working days never span more than ~4 calendar weeks plus long Lebaran breaks.
        holidays = holidays_between(start, start + timedelta(days=count * 2 + 30))
    day = start
    remaining = count
    while remaining:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return day


def subtract_working_days(end: date, count: int, *, holidays: set[date] | None = None) -> date:
    """The `count`-th working day before `end` (end itself is day 0): the latest start date from
    which `count` working days have passed by `end`."""
    if count < 0:
        raise ValueError("count must not be negative")
    if holidays is None:
        holidays = holidays_between(end - timedelta(days=count * 2 + 30), end)
    day = end
    remaining = count
    while remaining:
        day -= timedelta(days=1)
        if is_working_day(day, holidays):
            remaining -= 1
    return day
