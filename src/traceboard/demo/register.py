"""The synthetic register: enterprises and their traceability events.

Everything is drawn with numpy from one Generator, so the same seed gives the
same city. Proportions are plausible rather than measured: many farm and food
businesses, few explosives dealers; adoption grows 2016–2020 and keeps
creeping up, faster in the urban subdistricts and in tightly regulated
sectors (drugs, dangerous goods, special equipment).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from traceboard.data.frame import to_day
from traceboard.data.uscc import generate_codes
from traceboard.demo.names import make_business_names

# Share of enterprises, chance of adopting eventually, and mean adoption year.
SECTOR_PROFILE = {
    "farm": (0.52, 0.50, 2019.0),
    "food": (0.22, 0.70, 2018.6),
    "drug": (0.09, 0.88, 2018.0),
    "farm-input": (0.11, 0.62, 2018.9),
    "special-equipment": (0.035, 0.85, 2018.4),
    "hazardous": (0.015, 0.92, 2017.9),
}
# Relative sizes and adoption factors of township-level units by kind.
KIND_PROFILE = {"subdistrict": (3.0, 1.15), "town": (1.0, 0.95), "township": (0.6, 0.8), "zone": (1.4, 1.1)}
RARE_SUBCATEGORIES = {
    "民用爆炸物品": 0.15,
    "麻醉药品": 0.1,
    "精神药品": 0.1,
    "剧毒化学品": 0.3,
    "生物制品": 0.3,
}
EPOCH = np.datetime64("1970-01-01", "D")


@dataclass(frozen=True)
class RefFrames:
    """Reference rows as small frames: townships, sectors, subcategories (with ids)."""

    townships: pd.DataFrame  # id, code, name, kind
    sectors: pd.DataFrame  # id, code, name
    subcategories: pd.DataFrame  # id, sector_id, name, department_id


def as_dates(days: np.ndarray, valid: np.ndarray | None = None) -> pd.Series:
    values = (EPOCH + days.astype("timedelta64[D]")).astype("datetime64[s]")
    series = pd.Series(values)
    if valid is not None:
        series = series.where(valid)
    return series


def draw_enterprises(
    rng: np.random.Generator, n: int, ref: RefFrames, as_of: dt.date, region: str
) -> pd.DataFrame:
    """``n`` enterprises with ids 1..n; columns as the ``enterprise`` table plus ``_latent``."""
    sectors = ref.sectors.set_index("code")
    share = np.array([SECTOR_PROFILE[c][0] for c in sectors.index])
    sector_code = rng.choice(sectors.index.to_numpy(), size=n, p=share / share.sum())
    sector_id = sectors.loc[sector_code, "id"].to_numpy()

    sub = ref.subcategories.copy()
    sub["weight"] = sub["name"].map(RARE_SUBCATEGORIES).fillna(1.0) * rng.uniform(0.6, 1.4, len(sub))
    sub_id = np.empty(n, dtype=np.int64)
    for sid, rows in sub.groupby("sector_id"):
        mask = sector_id == sid
        sub_id[mask] = rng.choice(
            rows["id"].to_numpy(), size=int(mask.sum()), p=rows["weight"] / rows["weight"].sum()
        )
    sub_by_id = sub.set_index("id")

    towns = ref.townships.copy()
    towns["size"] = towns["kind"].map(lambda k: KIND_PROFILE[k][0]) * rng.uniform(0.6, 1.5, len(towns))
    town_idx = rng.choice(len(towns), size=n, p=towns["size"] / towns["size"].sum())

    kinds = np.where(rng.random(n) < 0.58, "91", "92")
    farming_sector = sector_code == "farm"
    kinds = np.where(farming_sector & (rng.random(n) < 0.18), "93", kinds)
    codes = generate_codes(rng, n, region, kinds)
    subcat_names = sub_by_id.loc[sub_id, "name"].to_numpy()

    registered = rng.integers(to_day(dt.date(1995, 1, 1)), to_day(as_of), size=n)
    registered = np.maximum(registered, rng.integers(to_day(dt.date(2008, 1, 1)), to_day(as_of), size=n))
    known = rng.random(n) < 0.7  # registers often lack the registration date
    closes = rng.random(n) < 0.08
    closed = np.minimum(registered + rng.integers(200, 4000, size=n), to_day(as_of) - 1)
    closes &= closed > to_day(dt.date(2016, 1, 1))

    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "uscc": codes,
            "name": make_business_names(rng, kinds, subcat_names, towns["name"].to_numpy()[town_idx]),
            "township_id": towns["id"].to_numpy()[town_idx],
            "sector_id": sector_id,
            "subcategory_id": sub_id,
            "department_id": sub_by_id.loc[sub_id, "department_id"].to_numpy(),
            "operating_status": np.where(closes, "注销", "在营"),
            "registered_on": as_dates(registered, known),
            "closed_on": as_dates(closed, closes),
            "_registered_days": registered,
            "_closed_days": np.where(closes, closed, np.iinfo(np.int32).max),
            "_sector_code": sector_code,
            "_kind": kinds,
            "_town_kind": towns["kind"].to_numpy()[town_idx],
            "_town_factor": rng.uniform(0.8, 1.2, len(towns))[town_idx],
            "_latent": rng.beta(1.2, 9.0, size=n),  # hidden propensity to fail a check
        }
    )


def draw_trace_events(rng: np.random.Generator, ent: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Adoption, connection, drop and re-adoption events; columns as ``trace_event``."""
    n = len(ent)
    profile = ent["_sector_code"].map(lambda c: SECTOR_PROFILE[c])
    p_adopt = (
        profile.map(lambda p: p[1]).to_numpy()
        * ent["_town_kind"].map(lambda k: KIND_PROFILE[k][1]).to_numpy()
    )
    p_adopt *= ent["_town_factor"].to_numpy() * np.where(ent["_kind"] == "92", 0.75, 1.05)
    p_adopt *= 1.25 - ent["_latent"].to_numpy()  # careless businesses adopt less
    mean_year = profile.map(lambda p: p[2]).to_numpy()
    adopt_year = rng.normal(mean_year, 1.3)
    start, end = to_day(dt.date(2016, 1, 1)), to_day(as_of)
    adopt_day = (start + (adopt_year - 2016.0) * 365.25).astype(np.int64)
    adopt_day = np.maximum(adopt_day, np.maximum(ent["_registered_days"].to_numpy(), start))
    adopts = (rng.random(n) < np.clip(p_adopt, 0, 0.97)) & (adopt_day < np.minimum(end, ent["_closed_days"]))

    connect_day = np.maximum(
        adopt_day + rng.exponential(260, n).astype(np.int64), to_day(dt.date(2019, 3, 1))
    )
    connects = adopts & (rng.random(n) < 0.72) & (connect_day < np.minimum(end, ent["_closed_days"]))
    drop_day = adopt_day + rng.integers(120, 1500, n)
    drops = adopts & (rng.random(n) < 0.06) & (drop_day < np.minimum(end, ent["_closed_days"]))
    readopt_day = drop_day + rng.integers(60, 700, n)
    readopts = drops & (rng.random(n) < 0.35) & (readopt_day < np.minimum(end, ent["_closed_days"]))
    disconnects = connects & drops & (drop_day > connect_day)

    parts = [
        ("adopted", adopts, adopt_day),
        ("connected", connects & ~(drops & (connect_day > drop_day) & ~readopts), connect_day),
        ("dropped", drops, drop_day),
        ("disconnected", disconnects, drop_day),
        ("adopted", readopts, readopt_day),
    ]
    ids = ent["id"].to_numpy()
    frames = [
        pd.DataFrame({"enterprise_id": ids[mask], "kind": kind, "_day": day[mask]})
        for kind, mask, day in parts
    ]
    events = pd.concat(frames, ignore_index=True).sort_values(["_day", "enterprise_id"], kind="stable")
    events = events.reset_index(drop=True)
    events["occurred_on"] = as_dates(events["_day"].to_numpy())
    events["source"] = "demo"
    events["platform"] = np.where(events["kind"] == "connected", "湘潭市重要产品追溯管理平台", None)
    return events.drop(columns="_day")
