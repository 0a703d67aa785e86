"""The sampling frame: one row per enterprise with what plans and the risk model select on.

Built from the analysis frame (``traceboard.data.frame.RegisterFrame``) and two
small tables the data layer loads (``traceboard.data.sampling_frames``): the
checks (``enterprise_id, day, problem``) and the blacklist days
(``enterprise_id, first_listed, on_list``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceboard.data.frame import EVENT_CODES, RegisterFrame
from traceboard.metrics.adoption import adoption_state

COLUMNS = [
    "id",
    "uscc",
    "name",
    "township",
    "sector",
    "subcategory",
    "department",
    "registered",
    "closed",
    "risk_class",
    "code_rank",
]


def _first_event_day(frame: RegisterFrame, kind: str) -> pd.Series:
    ev = frame.events[frame.events["kind"] == EVENT_CODES[kind]]
    return ev.groupby("pos")["day"].min()


def build_sampling_frame(
    frame: RegisterFrame, checks: pd.DataFrame, blacklist: pd.DataFrame, day: int
) -> pd.DataFrame:
    """The sampling frame at day number ``day``.

    Output columns: those of ``plans`` (``id, uscc, name, township, sector,
    department, registered, closed, risk_class, adopted, last_checked,
    blacklisted``) plus the risk model's (``subcategory, first_adopted,
    first_connected, first_listed``), one row per enterprise of ``frame``.
    """
    ent = frame.enterprises
    state = adoption_state(frame, day)
    positions = np.arange(len(ent))
    last = checks[checks["day"] <= day].groupby("enterprise_id")["day"].max()
    bl = blacklist.set_index("enterprise_id") if len(blacklist) else None
    out = ent[COLUMNS].copy()
    out["adopted"] = state["adopted"].to_numpy()
    out["first_adopted"] = _first_event_day(frame, "adopted").reindex(positions).to_numpy(dtype=float)
    out["first_connected"] = _first_event_day(frame, "connected").reindex(positions).to_numpy(dtype=float)
    out["last_checked"] = last.reindex(ent["id"]).to_numpy(dtype=float)
    out["first_listed"] = (
        bl["first_listed"].reindex(ent["id"]).to_numpy(dtype=float) if bl is not None else np.nan
    )
    out["blacklisted"] = _on_list(ent, bl)
    return out


DRAW_COLUMNS = [
    "id",
    "uscc",
    "township",
    "sector",
    "department",
    "registered",
    "closed",
    "risk_class",
    "code_rank",
]


def build_draw_frame(frame: RegisterFrame, blacklist: pd.DataFrame) -> pd.DataFrame:
    """What a one-off draw selects on, and no more: the register's columns and ``blacklisted``.

    (The sampling frame adds adoption, event history and checks, which plans and the
    risk model need and a one-off draw over active enterprises does not.)
    """
    out = frame.enterprises[DRAW_COLUMNS].copy()
    out["blacklisted"] = _on_list(
        frame.enterprises, blacklist.set_index("enterprise_id") if len(blacklist) else None
    )
    return out


def _on_list(ent: pd.DataFrame, bl: pd.DataFrame | None) -> np.ndarray | bool:
    return bl["on_list"].reindex(ent["id"]).fillna(False).to_numpy(dtype=bool) if bl is not None else False


def upload_rows(frame: RegisterFrame) -> pd.DataFrame:
    """The frame's platform uploads by enterprise id: ``enterprise_id, day, records, items``."""
    up = frame.uploads
    return pd.DataFrame(
        {
            "enterprise_id": frame.enterprises["id"].to_numpy()[up["pos"].to_numpy()],
            "day": up["day"].to_numpy(),
            "records": up["records"].to_numpy(),
            "items": up["items"].to_numpy(),
        }
    )
