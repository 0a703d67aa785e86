"""The public look-up (一站式查询): is an enterprise traceable? blacklisted?

Source: issue #7 "Public look-up" and the plan's one-stop query; government
buyers ask "traceable and not blacklisted?". Only published information
counts: a case that is proposed, notified or listed but not yet published
is not shown, and nothing personal is part of the answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from traceboard.data.vocabulary import PUBLIC_STATES

SUMMARY_COLUMNS = [
    "enterprise_id",
    "uscc",
    "name",
    "sector",
    "township",
    "traceable",
    "connected",
    "blacklisted",
    "last_result",
    "last_checked_on",
]


def public_cases(cases: pd.DataFrame) -> pd.DataFrame:
    """The cases the public may see: published ones, and removed ones that had been published."""
    if cases.empty:
        return cases
    return cases[cases["state"].isin(PUBLIC_STATES) & cases["published_on"].notna()]


def trace_state(events: pd.DataFrame, as_of: dt.date, on: str, off: str) -> set:
    """The enterprise ids whose last ``on``/``off`` event on or before ``as_of`` is ``on``."""
    kinds = events[events["kind"].isin((on, off)) & (events["occurred_on"] <= as_of)]
    last = kinds.sort_values(["enterprise_id", "occurred_on", "id"]).groupby("enterprise_id").tail(1)
    return set(last.loc[last["kind"] == on, "enterprise_id"])


def summarise_enterprises(
    enterprises: pd.DataFrame,
    events: pd.DataFrame,
    cases: pd.DataFrame,
    results: pd.DataFrame,
    as_of: dt.date,
) -> pd.DataFrame:
    """One public row per enterprise (SUMMARY_COLUMNS), sorted by uscc.

    Inputs: ``enterprises`` (id, uscc, name, sector, township), trace
    ``events`` (id, enterprise_id, kind, occurred_on), blacklist ``cases``
    (enterprise_id, state, published_on, ...), published check ``results``
    (enterprise_id, checked_on, result_label). ``traceable`` = adopted at
    ``as_of``; ``blacklisted`` = a published case is in force.
    """
    out = enterprises.rename(columns={"id": "enterprise_id"})[SUMMARY_COLUMNS[:5]].copy()
    ids = out["enterprise_id"]
    out["traceable"] = ids.isin(trace_state(events, as_of, "adopted", "dropped"))
    out["connected"] = ids.isin(trace_state(events, as_of, "connected", "disconnected"))
    listed = set(cases.loc[cases["state"] == "published", "enterprise_id"]) if len(cases) else set()
    out["blacklisted"] = ids.isin(listed)
    last = (
        results.sort_values(["checked_on", "id"]).groupby("enterprise_id").tail(1).set_index("enterprise_id")
    )
    out["last_result"] = ids.map(last["result_label"]) if len(last) else None
    out["last_checked_on"] = ids.map(last["checked_on"]) if len(last) else None
    return out.sort_values("uscc").reset_index(drop=True)


def match_enterprises(summary: pd.DataFrame, query: str) -> pd.DataFrame:
    """Rows whose credit code equals ``query`` (any case) or whose name contains it."""
    text = query.strip()
    if not text:
        return summary.iloc[0:0]
    by_code = summary["uscc"] == text.upper()
    if by_code.any():
        return summary[by_code]
    return summary[summary["name"].str.contains(text, case=False, regex=False)]


def procurement_answer(row: dict[str, Any]) -> tuple[bool, str]:
    """ "Traceable and not blacklisted?" for government procurement: (yes/no, reason key)."""
    if row["blacklisted"]:
        return False, "blacklisted"
    if not row["traceable"]:
        return False, "not_traceable"
    return True, "ok"


def alerts_naming(alerts: list[dict[str, Any]], enterprise_id: int) -> list[dict[str, Any]]:
    """The published consumer alerts that name the enterprise, newest first: id, title, body,
    severity, published_on. A withdrawn alert is no longer said of anyone."""
    mine = [
        a
        for a in alerts
        if a["state"] == "published"
        and a.get("published_on") is not None
        and any(e["enterprise_id"] == enterprise_id for e in a.get("enterprises", []))
    ]
    mine.sort(key=lambda a: (a["published_on"], a["id"]), reverse=True)
    keys = ("id", "title", "body", "severity", "published_on")
    return [{k: a[k] for k in keys} for a in mine]


def answer_lookup(
    query: str,
    summary: pd.DataFrame,
    cases: pd.DataFrame,
    results: pd.DataFrame,
    limit: int = 20,
    alerts: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The public answer for ``query``: one dict per matching enterprise (at most ``limit``).

    Each dict: the summary fields, ``cases`` (public cases, newest first, with
    grounds, legal basis, authority, remedies and any removal), ``results``
    (the last three published check results), ``alerts`` (the published consumer alerts
    that name it, see :func:`alerts_naming`) and ``procurement`` (ok, reason).
    """
    shown = public_cases(cases)
    answers = []
    for row in match_enterprises(summary, query).head(limit).to_dict("records"):
        eid = row["enterprise_id"]
        mine = shown[shown["enterprise_id"] == eid].sort_values("published_on", ascending=False)
        checks = results[results["enterprise_id"] == eid].sort_values(["checked_on", "id"], ascending=False)
        ok, reason = procurement_answer(row)
        answers.append(
            {
                **row,
                "cases": mine.drop(columns=["enterprise_id"]).to_dict("records"),
                "results": checks.head(3).drop(columns=["enterprise_id"]).to_dict("records"),
                "alerts": alerts_naming(alerts or [], eid),
                "procurement": {"ok": ok, "reason": reason},
            }
        )
    return answers
