"""The last upload of each enterprise (追溯覆盖率's work list): its day, and its platform."""

import numpy as np
import pandas as pd

from traceboard.data.frame import ALWAYS, day_position
from traceboard.metrics.active_traceability import last_upload_days, last_uploads


def uploads(rows) -> pd.DataFrame:
    """Uploads sorted by day, as the frame keeps them: (pos, platform, day, records)."""
    pos, platform, day, records = zip(*rows, strict=True)
    return pd.DataFrame(
        {
            "pos": np.array(pos, dtype=np.int32),
            "platform": np.array(platform, dtype=np.int16),
            "day": np.array(day, dtype=np.int32),
            "records": np.array(records, dtype=np.int64),
            "items": np.zeros(len(pos), dtype=np.int16),
        }
    )


def test_last_day_and_the_first_platform_of_that_day():
    table = uploads(
        [
            (0, 2, 10, 5),
            (1, 1, 10, 3),
            (0, 3, 12, 1),  # enterprise 0's last day: 12, on platforms 3 and 1 → 1
            (0, 1, 12, 2),
            (1, 0, 12, 0),  # no records: not an upload
            (2, 4, 15, 7),  # after the day asked for
        ]
    )
    last = last_uploads(table, 4, 12)
    assert last["last_day"].tolist() == [12, 10, ALWAYS, ALWAYS]
    assert last["platform"].tolist() == [1, 1, -1, -1]
    assert last["last_day"].dtype == np.int32 and last["platform"].dtype == np.int16
    later = last_uploads(table, 4, 15)
    assert later["last_day"].tolist() == [12, 10, 15, ALWAYS]
    assert later["platform"].tolist() == [1, 1, 4, -1]
    none = last_uploads(table, 4, 9)
    assert none["last_day"].tolist() == [ALWAYS] * 4 and none["platform"].tolist() == [-1] * 4


def test_last_day_of_some_enterprises_is_theirs_among_all():
    table = uploads(
        [(0, 2, 10, 5), (1, 1, 10, 3), (0, 3, 12, 1), (3, 1, 12, 0), (2, 4, 15, 7), (3, 0, 16, 2)]
    )
    for day in (9, 10, 12, 15, 16, 30):
        every = last_uploads(table, 5, day)["last_day"].to_numpy()
        for wanted in ([True] * 5, [False, True, True, True, False], [False] * 5):
            wanted = np.array(wanted)
            got = last_upload_days(table, wanted, day)
            assert got.dtype == np.int32 and got.tolist() == every[wanted].tolist(), (day, wanted)


def test_a_day_is_found_as_numpy_finds_it():
    """``day_position`` searches an int32 day column without turning it into int64 first; the
    places are NumPy's, for days inside the type's range and beyond it."""
    days = np.array([ALWAYS, 3, 5, 5, 9, 2**31 - 1], dtype=np.int32)
    for day in (ALWAYS - 1, ALWAYS, 0, 5, 6, 9, 10, 2**31 - 1, 2**31, 2**40):
        for side in ("left", "right"):
            assert day_position(days, day, side) == np.searchsorted(days.astype(np.int64), day, side)
    assert day_position(np.array([], dtype=np.int32), 5) == 0
