import datetime as dt

import pandas as pd

from traceboard.sampling.workflow import sampling_frame


def test_a_frame_without_check_history_differs_only_in_last_checked(demo_engine):
    on = dt.date(2026, 10, 31)
    full = sampling_frame(demo_engine, on)
    lean = sampling_frame(demo_engine, on, check_history=False)
    assert full["last_checked"].notna().sum() > 0 and lean["last_checked"].isna().all()
    pd.testing.assert_frame_equal(full.drop(columns="last_checked"), lean.drop(columns="last_checked"))
