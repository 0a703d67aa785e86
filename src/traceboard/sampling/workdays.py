"""Publication deadlines in Chinese working days (docs/draw.md, "Ratios by risk class and publication").

Results are published (公示) within 20 working days of the check. Working days
are those of the ``chinesecalendar`` package, which knows the State Council's
holidays and the make-up working days (调休) year by year.
"""

from __future__ import annotations

import datetime as dt

import chinese_calendar

PUBLICATION_WORKING_DAYS = 20


class CalendarUnknown(ValueError):
    """The calendar package does not know a year's holidays yet (update chinesecalendar)."""


def is_working_day(day: dt.date, strict: bool = False) -> bool:
    """True on a Chinese working day (weekdays that are not holidays, plus make-up Saturdays/Sundays).

    A year the package does not know yet (the State Council announces each
    year's holidays in the autumn before) counts Monday–Friday, unless
    ``strict``, which raises :class:`CalendarUnknown`; :func:`calendar_known` tells.
    """
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        if strict:
            raise CalendarUnknown(
                f"the holidays of {day.year} are not in the installed chinesecalendar; update the package"
            ) from None
        return day.weekday() < 5


def calendar_known(day: dt.date) -> bool:
    """Whether the installed calendar knows the holidays of ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    current, left = start, days
    while left > 0:
        current += dt.timedelta(days=1)
        left -= is_working_day(current)
    return current


def publication_due(checked_on: dt.date, days: int = PUBLICATION_WORKING_DAYS) -> dt.date:
    """The last day to publish a check's result: 20 working days after the check."""
    return add_working_days(checked_on, days)


def overdue_checks(checks, today: dt.date):
    """Checks not yet published whose due date has passed, most overdue first.

    Input: a DataFrame with ``checked_on`` (dates) and ``published_on`` (dates or
    None). Output: those rows with ``due_on`` and ``days_overdue`` (calendar days) added.
    """
    pending = checks[checks["published_on"].isna() & checks["checked_on"].notna()].copy()
    due = {d: publication_due(d) for d in set(pending["checked_on"])}
    pending["due_on"] = pending["checked_on"].map(due)
    late = pending[pending["due_on"] < today].copy()
    late["days_overdue"] = [(today - d).days for d in late["due_on"]]
    return late.sort_values(["days_overdue"], ascending=False, kind="stable").reset_index(drop=True)
