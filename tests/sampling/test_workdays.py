import datetime as dt

import pandas as pd
import pytest

from traceboard.sampling.workdays import (
    CalendarUnknown,
    add_working_days,
    is_working_day,
    overdue_checks,
    publication_due,
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
