import datetime as dt

import pandas as pd

from traceboard.data.frame import load_register_frame
from traceboard.data.sampling_frames import load_blacklist_days
from traceboard.sampling.frames import DRAW_COLUMNS, build_draw_frame
from traceboard.services.sampling import sampling_frame


def test_the_draw_frame_is_the_sampling_frame_cut_to_what_a_one_off_draw_selects_on(demo_engine):
    full = sampling_frame(demo_engine, dt.date(2026, 10, 31))
    lean = build_draw_frame(load_register_frame(demo_engine), load_blacklist_days(demo_engine))
    assert list(lean.columns) == [*DRAW_COLUMNS, "blacklisted"] and lean["blacklisted"].any()
    pd.testing.assert_frame_equal(full[lean.columns], lean)
