"""Publication deadlines in Chinese working days (docs/draw.md, "Ratios by risk class and publication"):
the one home of the rule.

Results are published (公示) within 20 working days of the check. Working days
are those of the ``chinesecalendar`` package, which knows the State Council's
holidays and the make-up working days (调休) year by year. The random checks'
overdue board and results, and the assessment's "published on time" measure,
all take their deadlines from :func:`publication_due` / :func:`publication_due_each`.
"""

from __future__ import annotations

import datetime as dt
import functools

import chinese_calendar
import numpy as np
import pandas as pd

from traceboard.i18n import Message

PUBLICATION_WORKING_DAYS = 20
EPOCH = dt.date(1970, 1, 1)


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
            raise CalendarUnknown(Message("refusals.calendar_unknown", year=day.year)) from None
        return day.weekday() < 5


def calendar_known(day: dt.date) -> bool:
    """Whether the installed calendar knows the holidays of ``day``'s year."""
    try:
        chinese_calendar.is_workday(day)
    except NotImplementedError:
        return False
    return True


def working_days(first: dt.date, last: dt.date) -> np.ndarray:
    """Day numbers (days since 1970-01-01) of the working days from ``first`` to ``last``."""
    days = np.concatenate([_working_days_of(year) for year in range(first.year, last.year + 1)])
    return days[(days >= _day_number(first)) & (days <= _day_number(last))]


@functools.cache
def _working_days_of(year: int) -> np.ndarray:
    """The working days of a calendar year as day numbers, asked of the calendar once per process
    (the installed package's holidays do not change while it runs; a year's deadlines ask for
    some 500 days, one package call each)."""
    days = np.arange(_day_number(dt.date(year, 1, 1)), _day_number(dt.date(year, 12, 31)) + 1)
    keep = [is_working_day(EPOCH + dt.timedelta(days=int(day))) for day in days]
    found = days[np.asarray(keep, dtype=bool)]
    found.flags.writeable = False  # shared by every caller
    return found


def add_working_days_each(starts: pd.Series, days: int) -> pd.Series:
    """The ``days``-th working day after each date (a start itself does not count).

    Input and output: datetime64 Series (same index); the one computation of the rule.
    """
    if starts.empty or days <= 0:
        return starts
    first = starts.min().date()
    last = starts.max().date() + dt.timedelta(days=3 * days + 30)  # enough for any run of holidays
    calendar = working_days(first, last)
    start = starts.to_numpy().astype("datetime64[D]").astype(np.int64)
    due = calendar[np.searchsorted(calendar, start, side="right") + days - 1]
    return pd.Series(due.astype("datetime64[D]"), index=starts.index).astype("datetime64[ns]")


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (``start`` itself does not count)."""
    return add_working_days_each(pd.Series([pd.Timestamp(start)]), days).iloc[0].date()


def publication_due(checked_on: dt.date, days: int = PUBLICATION_WORKING_DAYS) -> dt.date:
    """The last day to publish a check's result: 20 working days after the check."""
    return add_working_days(checked_on, days)


def publication_due_each(checked: pd.Series, days: int = PUBLICATION_WORKING_DAYS) -> pd.Series:
    """:func:`publication_due` of every check date (datetime64 in and out)."""
    return add_working_days_each(checked, days)


def _day_number(day: dt.date) -> int:
    return (day - EPOCH).days


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
