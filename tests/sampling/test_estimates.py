import math

import numpy as np
import pandas as pd
import pytest

from traceboard.sampling.estimates import estimate_shares

Z = 1.959963984540054


def population():
    rows = [("A", "X")] * 6 + [("A", "Y")] * 4 + [("B", "X")] * 1 + [("B", "Y")] * 3
    return pd.DataFrame(rows, columns=["stratum", "domain"])


def sample():
    rows = [
        ("A", "X", True),
        ("A", "X", False),
        ("A", "Y", False),
        ("A", "Y", True),
        ("B", "X", True),
        ("B", "Y", False),
    ]
    return pd.DataFrame(rows, columns=["stratum", "domain", "problem"])


def test_horvitz_thompson_against_a_hand_computed_example():
    # X: Ŷ = 10/4·1 + 4/2·1 = 4.5 over N_X = 7; V = 10²·(1−4/10)·0.25/4 + 4²·(1−2/4)·0.5/2 = 3.75 + 2 = 5.75
    # Y: Ŷ = 10/4·1 + 0 = 2.5 over N_Y = 7; V = 3.75 + 0 (both B checks of Y found nothing: s² = 0)
    table = estimate_shares(population(), sample()).set_index("domain")
    assert table.loc["X", "share"] == pytest.approx(4.5 / 7)
    assert table.loc["Y", "share"] == pytest.approx(2.5 / 7)
    assert table.loc["X", "ci_low"] == 0.0 and table.loc["X", "ci_high"] == 1.0  # 0.643 ± 0.671, clipped
    assert table.loc["Y", "ci_low"] == 0.0
    assert table.loc["Y", "ci_high"] == pytest.approx(2.5 / 7 + Z * math.sqrt(3.75) / 7)
    assert table.loc["X", ["N", "checked", "problems"]].tolist() == [7, 3, 2]
    assert table.loc["Y", ["N", "checked", "problems"]].tolist() == [7, 3, 1]


def test_a_census_stratum_has_no_sampling_variance():
    pop = pd.DataFrame({"stratum": ["D"] * 4, "domain": ["危险品"] * 4})
    smp = pop.assign(problem=[True, False, False, True])
    row = estimate_shares(pop, smp).iloc[0]
    assert (row["share"], row["ci_low"], row["ci_high"]) == (0.5, 0.5, 0.5)


def test_no_check_in_a_domain_gives_no_estimate_rather_than_zero():
    pop = pd.DataFrame({"stratum": ["A"] * 5, "domain": ["食品"] * 3 + ["药品"] * 2})
    smp = pd.DataFrame({"stratum": ["A", "A"], "domain": ["食品", "食品"], "problem": [False, True]})
    table = estimate_shares(pop, smp).set_index("domain")
    assert np.isnan(table.loc["药品", "share"]) and table.loc["药品", "checked"] == 0
    # 食品: Ŷ = 5/2·1 = 2.5 over 3; s² of z = (1,0)... = 0.5; V = 25·(1−2/5)·0.5/2 = 3.75
    assert table.loc["食品", "share"] == pytest.approx(2.5 / 3)
    assert table.loc["食品", "ci_low"] == pytest.approx(max(0, 2.5 / 3 - Z * math.sqrt(3.75) / 3))


def test_one_check_in_a_larger_stratum_gives_no_interval():
    pop = pd.DataFrame({"stratum": ["A"] * 5, "domain": ["食品"] * 5})
    smp = pd.DataFrame({"stratum": ["A"], "domain": ["食品"], "problem": [True]})
    row = estimate_shares(pop, smp).iloc[0]
    assert row["share"] == 1.0 and np.isnan(row["ci_low"]) and np.isnan(row["ci_high"])
