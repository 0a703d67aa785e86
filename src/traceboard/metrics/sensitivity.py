"""How much the assessment depends on its weights: a seeded Monte Carlo over perturbed weights.

Each run multiplies every indicator weight of a set by an independent factor
drawn uniformly from [1 − spread, 1 + spread] (default ±20 %); the rules'
shares of their weights stay as computed. Scores, grades and ranks are then
recomputed exactly as :mod:`traceboard.metrics.assessment` does (score over
the applicable weights, one decimal, same grade thresholds, competition
ranks per kind). Per unit we report how often its grade and its rank stay
as they are with the set's own weights; a grade that stays in fewer than
``fragile_below`` of the runs is flagged fragile (the issue, item 4).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from traceboard.metrics.assessment import assign_grades, round_score

DEFAULT_RUNS = 1000
DEFAULT_SPREAD = 0.20
DEFAULT_SEED = 2018
FRAGILE_BELOW = 0.90


def perturbed_scores(shares: np.ndarray, applicable: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Scores (units × runs) for share matrix (units × indicators), mask, weights (runs × indicators)."""
    earned = (np.nan_to_num(shares) * applicable) @ weights.T
    possible = applicable.astype(float) @ weights.T
    with np.errstate(invalid="ignore", divide="ignore"):
        return round_score(np.where(possible > 0, 100 * earned / possible, 0.0))


def competition_ranks(scores: np.ndarray) -> np.ndarray:
    """Ranks (units × runs): 1 + how many units score strictly higher in the same run."""
    return 1 + (scores[None, :, :] > scores[:, None, :] + 1e-9).sum(axis=1)


def run_sensitivity(
    indicators: pd.DataFrame,
    units: pd.DataFrame,
    grades: tuple[tuple[str, str, float], ...],
    runs: int = DEFAULT_RUNS,
    spread: float = DEFAULT_SPREAD,
    seed: int = DEFAULT_SEED,
    fragile_below: float = FRAGILE_BELOW,
) -> pd.DataFrame:
    """Stability of grades and ranks of one kind of unit under ±``spread`` weight changes.

    Input: that kind's rows of ``AssessmentResult.indicators`` (unit_id,
    indicator_code, weight, fraction, applicable) and of ``.units`` (unit_id,
    score, grade, rank); its grade thresholds. Output per unit (in ``units``
    order): unit_id, grade, grade_stays, rank, rank_stays, rank_best,
    rank_worst, score_p05, score_p95, fragile.
    """
    shares = indicators.pivot(index="unit_id", columns="indicator_code", values="fraction")
    mask = indicators.pivot(index="unit_id", columns="indicator_code", values="applicable")
    weights = indicators.drop_duplicates("indicator_code").set_index("indicator_code")["weight"]
    order = units["unit_id"].to_numpy()
    shares, mask = shares.reindex(order)[weights.index], mask.reindex(order)[weights.index]
    rng = np.random.default_rng(seed)
    factors = rng.uniform(1 - spread, 1 + spread, size=(runs, len(weights)))
    scores = perturbed_scores(shares.to_numpy(float), mask.to_numpy(bool), factors * weights.to_numpy())
    grade_runs = assign_grades(scores, grades)
    rank_runs = competition_ranks(scores)
    base_grade = units["grade"].to_numpy()[:, None]
    base_rank = units["rank"].to_numpy()[:, None]
    grade_stays = (grade_runs == base_grade).mean(axis=1)
    return pd.DataFrame(
        {
            "unit_id": order,
            "grade": units["grade"].to_numpy(),
            "grade_stays": grade_stays,
            "rank": units["rank"].to_numpy(),
            "rank_stays": (rank_runs == base_rank).mean(axis=1),
            "rank_best": rank_runs.min(axis=1),
            "rank_worst": rank_runs.max(axis=1),
            "score_p05": np.percentile(scores, 5, axis=1),
            "score_p95": np.percentile(scores, 95, axis=1),
            "fragile": grade_stays < fragile_below,
        }
    )


def sensitivity_by_kind(result, sets, **options) -> pd.DataFrame:
    """``run_sensitivity`` for the graded departments and townships of an AssessmentResult, each
    class of a set apart, concatenated (a unit shown as 不予评定 has no grade or rank to keep)."""
    parts = []
    for kind, indicator_set in sets.items():
        graded = result.units[(result.units["unit_kind"] == kind) & result.units["graded"].astype(bool)]
        for _role, units in graded.groupby("role", sort=False):  # classes are ranked apart
            rows = result.indicators[result.indicators["unit_id"].isin(units["unit_id"])]
            part = run_sensitivity(rows, units, indicator_set.grades, **options)
            part.insert(1, "unit", units["unit"].to_numpy())
            part.insert(2, "unit_kind", kind)
            parts.append(part)
    return pd.concat(parts, ignore_index=True)
