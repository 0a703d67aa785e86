"""Random-check plans and the candidate lists they select (issue 6, part 1).

A plan is a plain dict: ``department`` (name), ``year``, ``name``, ``scope``
(``sectors``, ``townships``: lists of names, empty = all; ``traceability_only``:
only enterprises running IT-based traceability — the plan's focus), ``check_items``,
``ratios`` (per risk class A–D, defaults A 3 %, B 10 %, C 30 %, D 80 %, within the
ranges docs/draw.md gives), ``exclusions`` (``checked_within_months``,
``registered_within_months``) and ``batches``.

The sampling frame is a DataFrame with one row per enterprise: ``id``, ``uscc``,
``name``, ``township``, ``sector``, ``department``, ``registered``, ``closed``
(day numbers), ``risk_class``, ``adopted`` (bool at the frame's date),
``last_checked`` (day number or NaN) and ``blacklisted`` (bool).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from traceboard.data.uscc import code_keys
from traceboard.i18n import Message
from traceboard.sampling.spec import DrawRefused, Stratum, exact_ratio

CLASSES = ("A", "B", "C", "D")
DEFAULT_RATIOS = {"A": 0.03, "B": 0.10, "C": 0.30, "D": 0.80}
DEFAULT_CHECK_ITEMS = ["追溯体系建立情况", "追溯信息真实性", "产品质量"]
DEFAULT_EXCLUSIONS = {"checked_within_months": 12, "registered_within_months": 6}
UNCLASSED = "B"  # an enterprise no model or rule has classed yet counts as 一般
STRATUM_BY = ("risk", "sector", "township")
DAYS_PER_MONTH = 30.4375


def new_plan(department: str, year: int, name: str | None = None) -> dict:
    """A plan with the defaults, ready to edit."""
    return {
        "department": department,
        "year": year,
        "name": name or f"{year}年{department}双随机抽查计划",
        "scope": {"sectors": [], "townships": [], "traceability_only": True},
        "check_items": list(DEFAULT_CHECK_ITEMS),
        "ratios": dict(DEFAULT_RATIOS),
        "exclusions": dict(DEFAULT_EXCLUSIONS),
        "batches": 1,
    }


def validate_plan(plan: dict) -> dict:
    """The plan with ratios checked (each in [0, 1], every class given) and batches ≥ 1."""
    ratios = plan.get("ratios") or {}
    missing = [c for c in CLASSES if c not in ratios]
    if missing:
        raise DrawRefused(
            Message("refusals.plan_no_ratio", plan=plan.get("name"), classes=", ".join(missing))
        )
    for cls in CLASSES:
        try:
            exact_ratio(ratios[cls])
        except DrawRefused as exc:
            raise DrawRefused(
                Message("refusals.plan_ratio", plan=plan.get("name"), risk_class=cls, reason=exc.args[0])
            ) from None
    if int(plan.get("batches", 1)) < 1:
        raise DrawRefused(Message("refusals.plan_batches", plan=plan.get("name")))
    if not plan.get("check_items"):
        raise DrawRefused(Message("refusals.plan_items", plan=plan.get("name")))
    return plan


def effective_class(frame: pd.DataFrame) -> pd.Series:
    """Risk class per enterprise: D when blacklisted, the recorded class, else B (unclassed)."""
    cls = frame["risk_class"].astype(object).where(frame["risk_class"].notna(), UNCLASSED)
    cls = cls.where(~frame["blacklisted"].astype(bool), "D")
    return pd.Series(pd.Categorical(cls, categories=CLASSES), index=frame.index)


def active_mask(frame: pd.DataFrame, day: int) -> np.ndarray:
    return (frame["registered"].to_numpy() <= day) & (frame["closed"].to_numpy() > day)


def _in_scope(frame: pd.DataFrame, sectors: Sequence[str], townships: Sequence[str]) -> np.ndarray:
    mask = np.ones(len(frame), dtype=bool)
    if sectors:
        mask &= frame["sector"].astype(object).isin(list(sectors)).to_numpy()
    if townships:
        mask &= frame["township"].astype(object).isin(list(townships)).to_numpy()
    return mask


def select_plan_candidates(
    frame: pd.DataFrame, plan: dict, day: int, drawn_before: Sequence[str] = ()
) -> pd.DataFrame:
    """The plan's candidates at day ``day``, with ``stratum`` (class letter) and ``pool`` (department).

    Active enterprises of the plan's department within scope, minus the
    exclusions and those drawn in earlier batches of the plan (``drawn_before``).
    Refuses a plan that leaves no candidate.
    """
    validate_plan(plan)
    scope, excl = plan.get("scope", {}), plan.get("exclusions", {})
    mask = active_mask(frame, day) & (frame["department"].astype(object) == plan["department"]).to_numpy()
    mask &= _in_scope(frame, scope.get("sectors", []), scope.get("townships", []))
    if scope.get("traceability_only"):
        mask &= frame["adopted"].to_numpy(dtype=bool)
    if excl.get("checked_within_months"):
        since = day - excl["checked_within_months"] * DAYS_PER_MONTH
        mask &= ~(frame["last_checked"].to_numpy(dtype=float) > since)
    if excl.get("registered_within_months"):
        mask &= frame["registered"].to_numpy() <= day - excl["registered_within_months"] * DAYS_PER_MONTH
    mask &= ~frame["uscc"].isin(list(drawn_before)).to_numpy()
    out = frame[mask].assign(stratum=effective_class(frame[mask]), pool=plan["department"])
    if out.empty:
        raise DrawRefused(Message("refusals.plan_no_candidates", plan=plan["name"]))
    return out


def select_oneoff_candidates(
    frame: pd.DataFrame,
    day: int,
    stratum_by: str = "risk",
    sectors: Sequence[str] = (),
    townships: Sequence[str] = (),
) -> pd.DataFrame:
    """Active enterprises (optionally of some sectors/townships) with ``stratum`` and ``pool``.

    Stratum labels are the Chinese sector or township names, or the class
    letter; the pool is each enterprise's supervising department.
    """
    if stratum_by not in STRATUM_BY:
        raise DrawRefused(Message("refusals.stratum_by", choices=tuple(STRATUM_BY), given=stratum_by))
    mask = active_mask(frame, day) & _in_scope(frame, sectors, townships)
    chosen = frame[mask]
    label = effective_class(chosen) if stratum_by == "risk" else chosen[stratum_by]
    out = chosen.assign(stratum=label, pool=chosen["department"])
    if out.empty:
        raise DrawRefused(Message("refusals.oneoff_no_candidates"))
    return out


def stratum_rows(candidates: pd.DataFrame) -> list[tuple[str, np.ndarray]]:
    """Per stratum (classes A–D in order, names sorted), its candidates' row positions ordered by code.

    One vectorised sort for all strata, on the register frame's ``code_rank`` when the
    candidates carry it; a code listed twice in a stratum is refused.
    """
    labels = candidates["stratum"].astype("category").cat.remove_unused_categories()
    names = sorted(
        (str(c) for c in labels.cat.categories),
        key=lambda s: (s not in CLASSES, CLASSES.index(s) if s in CLASSES else 0, s),
    )
    label_codes = labels.cat.reorder_categories(names).cat.codes.to_numpy()
    if "code_rank" in candidates:  # the register frame's ranks (equal codes share one)
        ranks = candidates["code_rank"].to_numpy()
        keys = (label_codes.astype(np.int64) << 32) | ranks.astype(np.int64)
        order = _by_label_then_rank(label_codes, ranks)
        if order is None:  # equal ranks (a code twice): one sort on (stratum, rank) packed in an int64
            order = np.argsort(keys)
    else:
        keys = code_keys(candidates["uscc"].to_numpy(dtype=object))
        by_code = np.argsort(keys, kind="stable")
        order = by_code[np.argsort(label_codes[by_code], kind="stable")]
    sorted_keys, sorted_labels = keys[order], label_codes[order]
    same = (sorted_keys[1:] == sorted_keys[:-1]) & (sorted_labels[1:] == sorted_labels[:-1])
    if same.any():
        at = order[int(np.argmax(same))]
        raise DrawRefused(
            Message(
                "refusals.candidate_twice", uscc=candidates["uscc"].iloc[at], stratum=names[label_codes[at]]
            )
        )
    bounds = np.searchsorted(sorted_labels, np.arange(len(names) + 1))
    return [(name, order[lo:hi]) for name, lo, hi in zip(names, bounds[:-1], bounds[1:], strict=True)]


def _by_label_then_rank(labels: np.ndarray, ranks: np.ndarray) -> np.ndarray | None:
    """Row positions ordered by (label, rank) without a comparison sort, when the ranks are distinct:
    rows placed at their rank (ranks are below the register's size), then a stable sort of the small
    label codes (numpy sorts small integers by radix). None when two rows share a rank."""
    if not len(ranks):
        return np.arange(0)
    if ranks.min() < 0:
        return None
    slots = np.full(int(ranks.max()) + 1, -1, dtype=np.int64)
    slots[ranks] = np.arange(len(ranks))
    by_rank = slots[slots >= 0]
    if len(by_rank) != len(ranks):
        return None
    return by_rank[np.argsort(labels[by_rank], kind="stable")]


def build_strata(candidates: pd.DataFrame, ratios: dict[str, object]) -> list[Stratum]:
    """One stratum per label (classes A–D in order, names sorted), with its ratio."""
    codes = candidates["uscc"].to_numpy(dtype=object)
    return [
        Stratum(label, exact_ratio(ratios.get(label, ratios.get("*"))), tuple(codes[rows].tolist()))
        for label, rows in stratum_rows(candidates)
    ]
