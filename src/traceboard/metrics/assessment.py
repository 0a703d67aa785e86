"""The annual assessment (年度考核): indicator points, scores, grades, ranks, changes, explanations.

Rules (docs/assessment.md, where each one comes from):
- an indicator earns a share f (0–1) of its weight by its rule: ``linear``
  (value ÷ target, at most 1), ``threshold`` (1 at or above target, else
  ``below``), ``deduction`` (weight − per_event × value, not below 0), ``capped``
  (per_event × value, at most the weight);
- a unit's score is 100 × Σ weight·f ÷ Σ weight over the indicators that apply
  to it, rounded half up to one decimal (0–100);
- a unit is graded only when the indicators that apply to it carry at least
  the set's ``min_applicable_weight`` (60) of its 100 points; otherwise its
  grade is 不予评定 (NOT_GRADED) and it is not ranked (rank NA): a unit is
  never graded on a few minor indicators;
- grades from the set's thresholds (default 优秀 ≥ 90, 良好 ≥ 75, 合格 ≥ 60,
  else 不合格), compared on the rounded score: 90.0 is 优秀, 89.9 良好;
- departments and townships are ranked separately, and a set that scores
  classes of department apart (lead / support, 分类考核) ranks each class among
  itself; equal scores share a rank (1, 1, 3).
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from traceboard.data.assessment_config import Indicator, IndicatorSetDef
from traceboard.data.assessment_store import AssessmentInputs
from traceboard.data.frame import RegisterFrame
from traceboard.i18n import translate
from traceboard.metrics.adoption import adoption_state
from traceboard.metrics.assessment_measures import MEASURES, MeasureContext

GROUPS = ("department", "township")
NOT_GRADED = "不予评定"
_EPS = 1e-9


class UnknownMeasure(ValueError):
    """An indicator set names a measure traceboard does not have (the message names the file)."""


@dataclass(frozen=True)
class AssessmentResult:
    """``units``: unit_id, unit (name), unit_kind, role ("" or the class of a set that scores
    classes apart), role_name (its Chinese name), score, grade, rank (within the role; NA when not graded),
    change (vs last year), applicable_weight (points of the indicators that apply), required_weight
    (the set's minimum for a grade), graded (bool).
    ``indicators``: unit_id, unit_kind, indicator_code, name_zh, name_en, weight, rule, target,
    value, applicable, fraction, points, max_points, explanation (facts, see :func:`explanation_facts`),
    inputs."""

    year: int
    units: pd.DataFrame
    indicators: pd.DataFrame


def round_score(values) -> np.ndarray:
    """Round half up to one decimal (89.95 → 90.0), robust to binary representation."""
    values = np.asarray(values, dtype=float)
    return np.floor(values * 10 + 0.5 + _EPS) / 10


def apply_rule(indicator: Indicator, values: np.ndarray, target: float | None) -> np.ndarray:
    """The share f (0–1) of the indicator's weight earned by each value (NaN stays NaN)."""
    values = np.asarray(values, dtype=float)
    per_event = float(indicator.params.get("per_event", 0))
    with np.errstate(invalid="ignore"):
        if indicator.rule == "linear":
            share = values / target
        elif indicator.rule == "threshold":
            share = np.where(values >= target - _EPS, 1.0, float(indicator.params.get("below", 0.0)))
        elif indicator.rule == "deduction":
            share = 1.0 - per_event * values / indicator.weight
        else:  # capped
            share = per_event * values / indicator.weight
        return np.where(np.isnan(values), np.nan, np.clip(share, 0.0, 1.0))


def explanation_facts(
    indicator: Indicator, measure: str, unit: str, value: float, target, points: float
) -> dict:
    """An indicator's 说明 as facts (what is stored with a run); :func:`word_explanation` words them.

    ``measure`` names the measure (its label in the catalogs), ``unit`` how its value reads
    ("share", "points", "count"); value and target are None where there is none."""
    per_event = indicator.params.get("per_event")
    return {
        "indicator": indicator.code,
        "measure": measure,
        "unit": unit,
        "rule": indicator.rule,
        "value": None if value is None or np.isnan(value) else float(value),
        "target": None if target is None or pd.isna(target) else float(target),
        "per_event": None if per_event is None else float(per_event),
        "weight": float(indicator.weight),
        "points": float(points),
    }


def word_value(value, unit: str, lang: str) -> str:
    """A measured value or target as it reads: 73.4 %, +6.3 个百分点 / +6.3 pp, 2; "—" for none."""
    if value is None or pd.isna(value):
        return "—"
    value = float(value)
    if unit == "share":
        return translate("assessment.value.share", lang, number=f"{100 * value:.1f}")
    if unit == "points":
        return translate("assessment.value.points", lang, number=f"{100 * value:+.1f}")
    return f"{value:,.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def word_explanation(facts, lang: str) -> str:
    """The 说明 of :func:`explanation_facts` in ``lang``, e.g. "追溯覆盖率 73.4 %，目标 85.0 % → 17.3 / 20 分"
    (en: "adoption 73.4 % vs target 85.0 % → 17.3 / 20"). A run saved before the facts were kept
    holds its 说明 as a line of text: shown as it was stored."""
    if not isinstance(facts, dict):
        return "" if facts is None or (isinstance(facts, float) and np.isnan(facts)) else str(facts)
    unit = facts["unit"]
    values = {
        "label": translate(f"assessment.measure.{facts['measure']}", lang),
        "value": word_value(facts["value"], unit, lang),
        "target": word_value(facts["target"], unit, lang),
        "weight": f"{facts['weight']:g}",
        "points": f"{facts['points']:.1f}",
        "per_event": "" if facts["per_event"] is None else f"{facts['per_event']:g}",
    }
    if facts["value"] is None:
        return translate("assessment.explain.not_applicable", lang, **values)
    if facts["rule"] in ("deduction", "capped"):
        return translate(f"assessment.explain.{facts['rule']}", lang, **values)
    return translate("assessment.explain.compared", lang, **values)


def unit_roles(ctx: MeasureContext, indicator_set: IndicatorSetDef) -> pd.Series:
    """Each unit's class in a set that scores classes apart (分类考核), by unit id: "lead" for a
    department that leads a sector of the plan (part 三), "support" for the other members; ""
    when the set has no classes."""
    if not indicator_set.roles:
        return pd.Series("", index=ctx.ids)
    leads = ctx.ids.isin(ctx.inputs.sector_leads["department_id"].to_numpy())
    return pd.Series(np.where(leads, "lead", "support"), index=ctx.ids)


def score_indicators(ctx: MeasureContext, indicator_set: IndicatorSetDef) -> pd.DataFrame:
    """Every indicator of the set for every unit of the context's group (long table, see AssessmentResult)."""
    roles = unit_roles(ctx, indicator_set)
    parts = []
    measured: dict[str, pd.DataFrame] = {}  # a measure the classes share (职责任务落实 …): computed once
    for ind in indicator_set.indicators:
        measure = MEASURES.get(ind.measure)
        if measure is None or ctx.group not in measure.groups:
            known = ", ".join(k for k, v in MEASURES.items() if ctx.group in v.groups)
            raise UnknownMeasure(
                f"{indicator_set.path}: indicator {ind.code}: no built-in measure {ind.measure!r} "
                f"for {ctx.group}s; choose from {known}"
            )
        key = json.dumps([ind.measure, ind.params], sort_keys=True, default=str)
        if key not in measured:  # a measure is a function of the context and its params alone
            measured[key] = measure.compute(ctx, ind.params)
        got = measured[key]
        if ind.roles:  # an indicator of one class of unit is none of the others' business
            got = got.assign(applicable=got["applicable"].to_numpy() & roles.isin(ind.roles).to_numpy())
            got["value"] = got["value"].where(got["applicable"])
        target = ind.target_for(ctx.inputs.year)
        applicable = got["applicable"].to_numpy()
        value = got["value"].to_numpy()
        share = apply_rule(ind, value, target)
        points = round_score(np.where(applicable, share * ind.weight, 0.0))
        size = len(got)
        parts.append(
            {
                "unit_id": got.index.to_numpy(),
                "unit_kind": [ctx.group] * size,
                "indicator_code": [ind.code] * size,
                "name_zh": [ind.name_zh] * size,
                "name_en": [ind.name_en] * size,
                "weight": np.full(size, ind.weight),
                "rule": [ind.rule] * size,
                "target": np.full(size, target, dtype=None if target is not None else object),
                "value": value,
                "applicable": applicable,
                "fraction": share,
                "points": points,
                "max_points": np.where(applicable, ind.weight, 0.0),
                "inputs": got["inputs"].to_numpy(),
                "explanation": [
                    explanation_facts(ind, ind.measure, measure.unit, v, target, p)
                    for v, p in zip(value, points, strict=True)
                ],
            }
        )
    if not len(ctx.ids):  # no unit: the columns typed as a table of the parts would be
        return pd.concat([pd.DataFrame(part) for part in parts], ignore_index=True)
    # one table of the parts' columns, each as the parts' tables put together would type it (a
    # target that is None in some parts: objects), instead of a table per indicator
    return pd.DataFrame(
        {
            column: list(itertools.chain.from_iterable(part[column] for part in parts))
            if isinstance(parts[0][column], list)
            else np.concatenate([part[column] for part in parts])
            for column in parts[0]
        }
    )


def applicable_weights(indicators: pd.DataFrame) -> pd.Series:
    """Per unit_id: the weight of the indicators that apply to it (of the set's 100 points)."""
    possible = indicators["weight"].where(indicators["applicable"].astype(bool), 0.0)
    return possible.groupby(indicators["unit_id"], sort=False).sum()


def total_scores(indicators: pd.DataFrame) -> pd.Series:
    """Score per unit_id: 100 × Σ weight·f ÷ Σ weight over applicable indicators, one decimal."""
    applicable = indicators["applicable"].to_numpy()
    earned = np.where(applicable, indicators["weight"] * np.nan_to_num(indicators["fraction"]), 0.0)
    possible = np.where(applicable, indicators["weight"], 0.0)
    sums = pd.DataFrame({"unit_id": indicators["unit_id"], "earned": earned, "possible": possible})
    sums = sums.groupby("unit_id", sort=False).sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        raw = np.where(sums["possible"] > 0, 100 * sums["earned"] / sums["possible"], 0.0)
    return pd.Series(round_score(raw), index=sums.index, name="score")


def assign_grades(scores, grades: tuple[tuple[str, str, float], ...]) -> np.ndarray:
    """The grade of each (rounded) score: the first grade whose min it reaches."""
    scores = np.asarray(scores, dtype=float)
    out = np.full(scores.shape, grades[-1][0], dtype=object)
    for name, _en, minimum in reversed(grades):
        out = np.where(scores >= minimum - _EPS, name, out)
    return out


def rank_scores(scores, graded=None) -> pd.arrays.IntegerArray:
    """Competition ranks, highest score first; equal scores share the best rank (1, 1, 3).
    Units not ``graded`` are not ranked (NA) and take no place from the others."""
    scores = pd.Series(np.asarray(scores, dtype=float))
    if graded is not None:
        scores = scores.where(np.asarray(graded, dtype=bool))
    return scores.rank(method="min", ascending=False).astype("Int64").array


def assess(
    inputs: AssessmentInputs,
    frame: RegisterFrame,
    sets: dict[str, IndicatorSetDef],
    previous: pd.DataFrame | None = None,
    state_at: Callable[[int], pd.DataFrame] | None = None,
) -> AssessmentResult:
    """Score every department and township-level unit for ``inputs.year``.

    Input: the year's inputs, the register frame, the indicator set per group,
    and optionally last year's ``units`` table (unit_id, score) for the change, and
    ``state_at(day)``, ``adoption_state(frame, day)`` as the caller keeps it (default: computed
    once per day for both groups). Output: an :class:`AssessmentResult`.
    """
    tables, details = [], []
    if state_at is None:
        states: dict[int, pd.DataFrame] = {}

        def state_at(day: int) -> pd.DataFrame:
            if day not in states:
                states[day] = adoption_state(frame, day)
            return states[day]

    for group in GROUPS:
        ctx = MeasureContext(inputs, frame, group, state_at=state_at)
        indicators = score_indicators(ctx, sets[group])
        scores = total_scores(indicators).reindex(ctx.ids.to_numpy()).to_numpy()
        weight = applicable_weights(indicators).reindex(ctx.ids.to_numpy()).to_numpy()
        minimum = sets[group].min_applicable_weight
        graded = weight >= minimum - _EPS
        roles = unit_roles(ctx, sets[group]).to_numpy()
        table = pd.DataFrame(
            {
                "unit_id": ctx.ids.to_numpy(),
                "unit": ctx.units["name"].to_numpy(),
                "unit_kind": group,
                "role": roles,
                "role_name": [sets[group].role_name(r) for r in roles],
                "score": scores,
                "grade": np.where(graded, assign_grades(scores, sets[group].grades), NOT_GRADED),
                "rank": pd.array([pd.NA] * len(scores), dtype="Int64"),
                "applicable_weight": weight,
                "required_weight": minimum,
                "graded": graded,
            }
        )
        for role in pd.unique(roles):  # each class is ranked among itself
            mine = roles == role
            table.loc[mine, "rank"] = rank_scores(scores[mine], graded[mine])
        order = {code: i for i, (code, _zh, _en) in enumerate(sets[group].roles)}
        table["_order"] = table["role"].map(order).fillna(0)
        table = table.sort_values(["_order", "rank", "unit_id"], kind="stable", na_position="last")
        tables.append(table.drop(columns="_order"))
        details.append(indicators)
    units = pd.concat(tables, ignore_index=True)
    units["change"] = change_against(units, previous)
    return AssessmentResult(inputs.year, units, pd.concat(details, ignore_index=True))


def change_against(units: pd.DataFrame, previous: pd.DataFrame | None) -> np.ndarray:
    """Score minus last year's score per unit (NaN without one), one decimal."""
    if previous is None or previous.empty:
        return np.full(len(units), np.nan)
    before = previous.set_index("unit_id")["score"].reindex(units["unit_id"]).to_numpy(dtype=float)
    return round_score(units["score"].to_numpy(dtype=float) - before)


def inputs_digest(result: AssessmentResult) -> str:
    """SHA-256 over every unit's measured values and their inputs: equal digests, equal facts."""
    table = result.indicators.sort_values(["unit_id", "indicator_code"])
    rows = [
        [int(u), c, None if pd.isna(v) else round(float(v), 9), bool(a), i]
        for u, c, v, a, i in zip(
            table["unit_id"], table["indicator_code"], table["value"], table["applicable"], table["inputs"],
            strict=True,
        )
    ]  # fmt: skip
    canonical = json.dumps(rows, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def diff_runs(
    old_units: pd.DataFrame,
    old_indicators: pd.DataFrame,
    new_units: pd.DataFrame,
    new_indicators: pd.DataFrame,
) -> pd.DataFrame:
    """What changed between two versions: one row per unit and item (score, grade, rank, or an
    indicator's points) whose value differs; columns unit_id, item, old, new."""
    rows = []
    old = old_units.set_index("unit_id")
    for unit in new_units.itertuples():
        for item in ("score", "grade", "rank"):
            before = _plain(old[item].get(unit.unit_id)) if unit.unit_id in old.index else None
            after = _plain(getattr(unit, item))
            if unit.unit_id not in old.index or before != after:
                rows.append({"unit_id": unit.unit_id, "item": item, "old": before, "new": after})
    key = ["unit_id", "indicator_code"]
    points = new_indicators[[*key, "points"]].merge(
        old_indicators[[*key, "points"]], on=key, how="outer", suffixes=("_new", "_old")
    )
    changed = points[~np.isclose(points["points_new"], points["points_old"], equal_nan=True)]
    for row in changed.itertuples():
        rows.append(
            {
                "unit_id": row.unit_id,
                "item": row.indicator_code,
                "old": _num(row.points_old),
                "new": _num(row.points_new),
            }
        )
    return pd.DataFrame(rows, columns=["unit_id", "item", "old", "new"])


def _plain(value):
    """NA (an unranked unit's rank) as None, so that two NAs compare equal."""
    return None if pd.isna(value) else value


def _num(value) -> float | None:
    return None if pd.isna(value) else float(value)


def compare_with_average(result: AssessmentResult, unit_id: int) -> pd.DataFrame:
    """A unit's share of each indicator's weight against its kind's average (applicable units only).

    Output: indicator_code, name_zh, name_en, weight, share (NaN when not applicable), average.
    """
    rows = result.indicators
    kind = rows.loc[rows["unit_id"] == unit_id, "unit_kind"].iloc[0]
    same = rows[(rows["unit_kind"] == kind) & rows["applicable"]]
    average = same.groupby("indicator_code", sort=False)["fraction"].mean()
    mine = rows[rows["unit_id"] == unit_id]
    return pd.DataFrame(
        {
            "indicator_code": mine["indicator_code"].to_numpy(),
            "name_zh": mine["name_zh"].to_numpy(),
            "name_en": mine["name_en"].to_numpy(),
            "weight": mine["weight"].to_numpy(),
            "share": mine["fraction"].where(mine["applicable"]).to_numpy(),
            "average": average.reindex(mine["indicator_code"]).to_numpy(),
        }
    )


def count_grades(result: AssessmentResult, grades: tuple[tuple[str, str, float], ...]) -> pd.DataFrame:
    """Units per grade (rows, best first, then 不予评定) and kind (columns department, township)."""
    table = pd.crosstab(result.units["grade"], result.units["unit_kind"])
    order = [g[0] for g in grades] + [NOT_GRADED]
    return table.reindex(index=order, columns=list(GROUPS), fill_value=0)
