"""The synthetic city's platform feeds, consistent with its register.

Most enterprises that declared adoption upload regularly to a platform of
their sector; some went silent months ago; a few never uploaded; and a few
enterprises upload without having declared adoption (the register is out of
date). Everything is drawn as arrays — one row per upload day, no loop over
enterprises — so a million-enterprise city stays cheap. The rows are written
through the same store path as ingested feeds (``data.platform_store``).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from traceboard.data.frame import to_day
from traceboard.data.models import TRACE_ITEMS
from traceboard.data.platform_store import merge_staged, stage_uploads

STREAM = 18  # the feeds' own random stream, beside the demo's seed
FEED_DAYS = 150  # the platforms' feeds reach the city this many days before the demo's date
REGULAR, SILENT, NEVER = 0.82, 0.11, 0.07  # of the declared adopters
UNDECLARED = 0.03  # of the enterprises in operation that have not declared
INTERVALS = np.array([7, 15, 30, 45])  # mean days between uploads
INTERVAL_WEIGHTS = np.array([0.15, 0.35, 0.35, 0.15])
ALL_ITEMS = (1 << len(TRACE_ITEMS)) - 1
ITEM_PLATFORMS = ("hunan-important", "xiangtan")  # these platforms say which items were present


def adopted_at(events: pd.DataFrame, ids: np.ndarray, day: int) -> np.ndarray:
    """Boolean per enterprise id: the last adoption/drop event on or before ``day`` is an adoption."""
    pair = events[events["kind"].isin(["adopted", "dropped"])]
    days = (pair["occurred_on"].to_numpy().astype("datetime64[D]").astype(np.int64)).astype(np.int64)
    pair = pair.assign(_day=days)[days <= day].sort_values("_day", kind="stable")
    last = pair.groupby("enterprise_id", sort=False)["kind"].last()
    return pd.Series(ids).map(last).eq("adopted").to_numpy()


def draw_uploads(
    rng: np.random.Generator,
    ent: pd.DataFrame,
    events: pd.DataFrame,
    platforms: pd.DataFrame,
    as_of: dt.date,
) -> pd.DataFrame:
    """Upload rows for the staging table (``line, platform_id, uscc, day, records, batches, items``).

    ``ent``: the demo register (``id, uscc, _registered_days, _closed_days,
    _sector_code``); ``platforms``: ``id, code, sectors`` (comma list of
    sector codes) — each enterprise reports to one platform of its sector.
    """
    end = to_day(as_of)
    start = end - FEED_DAYS + 1
    n = len(ent)
    ids = ent["id"].to_numpy()
    in_operation = (ent["_registered_days"].to_numpy() <= end) & (ent["_closed_days"].to_numpy() > end)
    declared = adopted_at(events, ids, end) & in_operation
    kind = rng.random(n)
    regular = declared & (kind < REGULAR)
    silent = declared & (kind >= REGULAR) & (kind < REGULAR + SILENT)
    undeclared = in_operation & ~declared & (rng.random(n) < UNDECLARED)
    uploads = regular | silent | undeclared

    # each enterprise reports to one of the platforms of its sector, drawn at random
    choices: dict[str, list[int]] = {}
    for row in platforms.itertuples(index=False):
        for code in filter(None, row.sectors.split(",")):
            choices.setdefault(code, []).append(int(row.id))
    sector = ent["_sector_code"].to_numpy()
    pick = rng.random(n)
    platform_id = np.full(n, -1, dtype=np.int64)
    for code, ids_of in choices.items():
        mine = sector == code
        platform_id[mine] = np.asarray(ids_of)[(pick[mine] * len(ids_of)).astype(np.int64)]
    uploads &= platform_id >= 0

    who = np.flatnonzero(uploads)
    first = np.maximum(start, ent["_registered_days"].to_numpy()[who])
    last = np.where(silent[who], end - rng.integers(95, FEED_DAYS, len(who)), end)
    span = np.maximum(last - first + 1, 1)
    interval = rng.choice(INTERVALS, size=len(who), p=INTERVAL_WEIGHTS)
    count = np.maximum(1, rng.poisson(span / interval))
    pos = np.repeat(np.arange(len(who)), count)
    day = first[pos] + (rng.random(len(pos)) * span[pos]).astype(np.int64)
    keep = day <= last[pos]
    key = np.unique(pos[keep].astype(np.int64) * 100_000 + day[keep])  # one row per enterprise and day
    pos, day = key // 100_000, key % 100_000
    enterprise = who[pos]

    rate = rng.lognormal(0.3, 0.8, len(who))  # records per day of business
    records = 1 + rng.poisson(rate[pos] * interval[pos])
    batches = 1 + rng.binomial(records - 1, 0.3)
    platform = platform_id[enterprise]
    says_items = np.isin(platform, platforms.loc[platforms["code"].isin(ITEM_PLATFORMS), "id"].to_numpy())
    sloppy = rng.random(len(who))[pos] < 0.25  # some enterprises leave out the counterpart or place
    dropped = np.where(rng.random(len(pos)) < 0.5, 1 << TRACE_ITEMS.index("transaction"), 1 << 5)
    items = np.where(sloppy & (rng.random(len(pos)) < 0.6), ALL_ITEMS & ~dropped, ALL_ITEMS)
    return pd.DataFrame(
        {
            "line": np.arange(1, len(pos) + 1),
            "platform_id": platform,
            "uscc": ent["uscc"].to_numpy()[enterprise],
            "day": np.datetime_as_string(day.astype("datetime64[D]")),
            "records": records.astype(np.int64),
            "batches": batches.astype(float),
            "items": np.where(says_items, items, np.nan),
        }
    )


def write_uploads(conn: Connection, rows: pd.DataFrame) -> int:
    """Write the demo's uploads through the feed's store path; return the rows written."""
    stage_uploads(conn, rows)
    counts, unknown = merge_staged(conn)
    if len(unknown):
        raise RuntimeError(f"the demo's uploads name credit codes not in its register: {unknown.head(3)}")
    return counts["added"] + counts["updated"]
