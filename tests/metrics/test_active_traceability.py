"""The last upload of each enterprise (追溯覆盖率's work list): its day, and its platform."""

import numpy as np
import pandas as pd

from traceboard.data.frame import ALWAYS
from traceboard.metrics.active_traceability import last_uploads


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
