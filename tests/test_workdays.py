import datetime as dt

import pandas as pd
import pytest

from traceboard.sampling.results import pending_publication
from traceboard.workdays import (
    CalendarUnknown,
    add_working_days,
    is_working_day,
    overdue_checks,
    publication_due,
    publication_due_each,
)


def test_twenty_working_days_across_national_day_with_make_up_days():
    # 2025: 1–8 October off; Sunday 28 September and Saturday 11 October are working days.
    # From Friday 26 September: 28/9 (1), 29/9 (2), 30/9 (3), 9/10 (4), 10/10 (5), 11/10 (6),
    # 13–17/10 (7–11), 20–24/10 (12–16), 27–30/10 (17–20).
    assert publication_due(dt.date(2025, 9, 26)) == dt.date(2025, 10, 30)
    assert is_working_day(dt.date(2025, 9, 28)) and not is_working_day(dt.date(2025, 10, 8))


def test_plain_month_counts_weekdays():
    assert add_working_days(dt.date(2025, 3, 3), 20) == dt.date(2025, 3, 31)
    assert add_working_days(dt.date(2025, 3, 7), 1) == dt.date(2025, 3, 10)


def test_a_year_the_calendar_does_not_know():
    assert is_working_day(dt.date(2099, 6, 1)) is True  # a Monday, counted as a working day
    with pytest.raises(CalendarUnknown, match="2099"):
        is_working_day(dt.date(2099, 6, 1), strict=True)


def test_overdue_board():
    checks = pd.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "checked_on": [dt.date(2025, 9, 26), dt.date(2025, 9, 26), dt.date(2025, 10, 20), None],
            "published_on": [None, dt.date(2025, 10, 9), None, None],
        }
    )
    late = overdue_checks(checks, dt.date(2025, 11, 3))
    assert late["id"].tolist() == [1]
    assert late.loc[0, "due_on"] == dt.date(2025, 10, 30) and late.loc[0, "days_overdue"] == 4


def test_publication_due_counts_chinese_working_days():
    # 2023-01-20 (Fri) before the Spring Festival (21–27 Jan off, 28–29 Jan make-up working days):
    # working days 28, 29, 30, 31 Jan, 1–3, 6–10, 13–17, 20–22 Feb → the 20th is 22 Feb.
    due = publication_due_each(pd.Series(pd.to_datetime(["2023-01-20", "2023-06-01"])), 20)
    # 2023-06-01 (Thu): 2, 5–9, 12–16, 19–21 Jun (14), 22–24 off, 25 (Sun, make-up), 26–30 → 30 Jun
    assert list(due.dt.date) == [dt.date(2023, 2, 22), dt.date(2023, 6, 30)]


def test_one_deadline_for_the_board_the_results_and_the_assessment():
    # Every day of an autumn with Golden Week and a make-up Saturday, plus a year the calendar
    # does not know (Monday–Friday): the vectorised rule and the per-check rule agree, and the
    # random checks' pending list carries the same date.
    days = [dt.date(2025, 9, 1) + dt.timedelta(days=i) for i in range(75)]
    days += [dt.date(2099, 12, 1) + dt.timedelta(days=i) for i in range(40)]
    each = publication_due_each(pd.Series(pd.to_datetime(days)))
    assert list(each.dt.date) == [publication_due(d) for d in days]
    assert publication_due(dt.date(2099, 12, 31)) == dt.date(2100, 1, 28)  # Thu + 20 weekdays
    assignments = pd.DataFrame(
        {"checked_on": days[:3], "result": ["no_problem"] * 3, "published_on": [None] * 3}
    )
    pending = pending_publication(assignments, dt.date(2025, 9, 30))
    assert list(pending["publish_by"]) == [publication_due(d) for d in days[:3]]
