"""Weight sensitivity: stability counts checked against an independent re-computation."""

import numpy as np
import pandas as pd

from traceboard.metrics.sensitivity import competition_ranks, perturbed_scores, run_sensitivity

GRADES = (
    ("优秀", "excellent", 90.0),
    ("良好", "good", 75.0),
    ("合格", "pass", 60.0),
    ("不合格", "fail", 0.0),
)


def world():
    """Three units, two indicators of weight 50: A earns all (100), B (1, 0.2) sits on 60.0,
    C earns 0.7 of both (70 whatever the weights)."""
    shares = {"A": (1.0, 1.0), "B": (1.0, 0.2), "C": (0.7, 0.7)}
    rows = [
        {"unit_id": u, "indicator_code": code, "weight": 50.0, "fraction": f, "applicable": True}
        for u, pair in shares.items()
        for code, f in zip(("x", "y"), pair, strict=True)
    ]
    units = pd.DataFrame(
        {
            "unit_id": ["A", "B", "C"],
            "score": [100.0, 60.0, 70.0],
            "grade": ["优秀", "合格", "合格"],
            "rank": [1, 3, 2],
        }
    )
    return pd.DataFrame(rows), units


def test_grade_stability_matches_an_independent_count():
    indicators, units = world()
    got = run_sensitivity(indicators, units, GRADES, runs=2000, seed=11).set_index("unit_id")
    # Independently: the same draws; B keeps 合格 when 100·(w1 + 0.2·w2)/(w1 + w2) rounds to ≥ 60.0.
    w = np.random.default_rng(11).uniform(0.8, 1.2, size=(2000, 2)) * 50
    b = 100 * (w[:, 0] + 0.2 * w[:, 1]) / (w[:, 0] + w[:, 1])
    expected_b = np.mean(np.floor(b * 10 + 0.5 + 1e-9) / 10 >= 60.0)
    assert 0.4 < expected_b < 0.6
    assert got.loc["B", "grade_stays"] == expected_b
    assert bool(got.loc["B", "fragile"]) is True
    assert got.loc["A", "grade_stays"] == 1.0 and got.loc["C", "grade_stays"] == 1.0
    assert not got.loc["A", "fragile"] and not got.loc["C", "fragile"]
    # C (70) is beaten by B only when B passes 70: 100·(w1 + 0.2 w2)/(w1 + w2) > 70
    # needs w1 > 1.67·w2, impossible in ±20 %.
    assert got.loc["C", "rank_stays"] == 1.0 and got.loc["A", "rank_stays"] == 1.0
    assert (got.loc["B", "rank_best"], got.loc["B", "rank_worst"]) == (3, 3)


def test_same_seed_same_answer_other_seed_other_draws():
    indicators, units = world()
    first = run_sensitivity(indicators, units, GRADES, runs=500, seed=3)
    again = run_sensitivity(indicators, units, GRADES, runs=500, seed=3)
    other = run_sensitivity(indicators, units, GRADES, runs=500, seed=4)
    pd.testing.assert_frame_equal(first, again)
    assert first.loc[1, "grade_stays"] != other.loc[1, "grade_stays"]


def test_not_applicable_indicators_drop_out_of_the_perturbed_score():
    shares = np.array([[1.0, np.nan], [0.5, 0.5]])
    applicable = np.array([[True, False], [True, True]])
    weights = np.array([[60.0, 40.0], [10.0, 90.0]])
    scores = perturbed_scores(shares, applicable, weights)
    assert scores.tolist() == [[100.0, 100.0], [50.0, 50.0]]


def test_competition_ranks_share_ties():
    scores = np.array([[90.0, 80.0], [85.0, 80.0], [90.0, 70.0]])
    assert competition_ranks(scores).tolist() == [[1, 1], [3, 1], [1, 3]]
