"""Proposals from check results: which results suggest a blacklist case.

Source: issue #7 "Proposals from results" — 追溯信息不真实, 产品质量不合格 with a
major hazard, 不配合检查情节严重, and two failed checks within 12 months
suggest a listing; a person decides. The rules are data
(``config/blacklist_rules.toml``, loaded by ``data.blacklist_config``); this
module only applies them to a DataFrame of check results.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from traceboard.blacklist.lifecycle import OPEN_STATES

SUGGESTION_COLUMNS = ["enterprise_id", "inspection_id", "rule", "grounds", "checked_on"]


@dataclass(frozen=True)
class ResultRule:
    """One result that suggests a case by itself (optionally only with a major hazard)."""

    code: str
    result: str
    grounds: str
    major_hazard_only: bool = False


@dataclass(frozen=True)
class RepeatRule:
    """``count`` failed checks of one enterprise within ``within_months`` months."""

    code: str
    failed_results: tuple[str, ...]
    count: int
    within_months: int
    grounds: str


@dataclass(frozen=True)
class ProposalRules:
    result_rules: tuple[ResultRule, ...]
    repeat: RepeatRule | None

    def results(self) -> tuple[str, ...]:
        """The check results any rule looks at (sorted): every other result suggests nothing, so
        a reader may pass :func:`suggest_proposals` only these checks and get the same suggestions."""
        looked_at = {rule.result for rule in self.result_rules}
        if self.repeat is not None:
            looked_at.update(self.repeat.failed_results)
        return tuple(sorted(looked_at))


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def suggest_proposals(checks: pd.DataFrame, cases: pd.DataFrame, rules: ProposalRules) -> pd.DataFrame:
    """Suggested cases from check results, one row per enterprise (its latest triggering check).

    Input: ``checks`` with ``id, enterprise_id, checked_on (date), result,
    major_hazard``; ``cases`` with ``enterprise_id, state`` and optionally
    ``source_inspection_id`` (existing blacklist cases). Enterprises with an open
    case are skipped, and so are checks that already led to a case (even a closed one). Output columns:
    SUGGESTION_COLUMNS, sorted by checked_on descending then enterprise_id.
    """
    hits = [_result_hits(checks, rule) for rule in rules.result_rules]
    if rules.repeat is not None:
        hits.append(_repeat_hits(checks, rules.repeat))
    found = pd.concat([h for h in hits if not h.empty] or [_empty()], ignore_index=True)
    open_ids = set(cases.loc[cases["state"].isin(OPEN_STATES), "enterprise_id"]) if len(cases) else set()
    used = set(cases["source_inspection_id"].dropna()) if "source_inspection_id" in cases else set()
    found = found[~found["enterprise_id"].isin(open_ids) & ~found["inspection_id"].isin(used)]
    found = found.sort_values(["checked_on", "inspection_id"], ascending=False)
    found = found.drop_duplicates("enterprise_id").sort_values(
        ["checked_on", "enterprise_id"], ascending=[False, True]
    )
    return found[SUGGESTION_COLUMNS].reset_index(drop=True)


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in SUGGESTION_COLUMNS})


def _result_hits(checks: pd.DataFrame, rule: ResultRule) -> pd.DataFrame:
    mask = checks["result"] == rule.result
    if rule.major_hazard_only:
        mask &= checks["major_hazard"].astype(bool)
    hit = checks[mask]
    return pd.DataFrame(
        {
            "enterprise_id": hit["enterprise_id"],
            "inspection_id": hit["id"],
            "rule": rule.code,
            "grounds": rule.grounds,
            "checked_on": hit["checked_on"],
        }
    )


def _repeat_hits(checks: pd.DataFrame, rule: RepeatRule) -> pd.DataFrame:
    """Checks that are the ``count``-th failure of their enterprise within ``within_months``: each
    failure beside the one ``count - 1`` failures earlier (column-wise, not enterprise by enterprise).

    The failures are ordered by enterprise, day and id (checks of one day in id order, whatever
    order the database returned them in) with numpy on plain arrays, not by sorting the frame's
    Python objects; the failure ``count - 1`` rows back counts when it is the same enterprise's."""
    failed = checks[checks["result"].isin(rule.failed_results)]
    enterprise = failed["enterprise_id"].to_numpy(dtype=np.int64)
    days = pd.to_datetime(failed["checked_on"]).to_numpy()
    order = np.lexsort((failed["id"].to_numpy(dtype=np.int64), days, enterprise))
    failed, enterprise = failed.iloc[order], enterprise[order]
    back = rule.count - 1
    present = np.ones(len(failed), bool)
    if back > 0:
        present[:back] = False
        present[back:] = enterprise[back:] == enterprise[:-back]
    earlier = np.roll(failed["checked_on"].to_numpy(), back)
    failed, earlier = failed[present], earlier[present]
    bound = {day: months_before(day, rule.within_months) for day in set(failed["checked_on"])}
    pairs = zip(earlier, failed["checked_on"], strict=True)
    hit = np.fromiter((first >= bound[day] for first, day in pairs), bool, len(failed))
    hits = failed[hit]
    return pd.DataFrame(
        {
            "enterprise_id": hits["enterprise_id"].to_numpy(),
            "inspection_id": hits["id"].to_numpy(),
            "rule": rule.code,
            "grounds": rule.grounds,
            "checked_on": hits["checked_on"].to_numpy(),
        },
        columns=SUGGESTION_COLUMNS,
    )


def proposal_rules(config: dict[str, Any]) -> ProposalRules:
    """The rules file's ``result_rules`` and ``repeat_rule`` as rule values."""
    result_rules = tuple(ResultRule(**r) for r in config["result_rules"])
    repeat = config.get("repeat_rule")
    if repeat is not None:
        repeat = RepeatRule(**{**repeat, "failed_results": tuple(repeat["failed_results"])})
    return ProposalRules(result_rules, repeat)
