"""The estimates' candidates: each candidate's sector as the register's text, looked up by code."""

import numpy as np
import pandas as pd
import pytest

from traceboard.services.sampling import _sectors_of


@pytest.mark.parametrize("categorical", [True, False])
def test_each_candidate_gets_its_own_sector_and_an_unknown_id_none(categorical):
    sectors = pd.Series(["食品", "农业生产资料", "食品", "药品"])
    enterprises = pd.DataFrame(
        {"id": [10, 20, 30, 40], "sector": sectors.astype("category") if categorical else sectors}
    )
    ids = pd.Series([40, 10, 99, 20, 30, 40])
    found = _sectors_of(enterprises, ids)
    assert list(found[[0, 1, 3, 4, 5]]) == ["药品", "食品", "农业生产资料", "食品", "药品"]
    assert pd.isna(found[2])  # 99 is not in the register
    # the same as turning every sector into text and looking the ids up in it
    expected = enterprises.set_index("id")["sector"].astype(str).reindex(ids).to_numpy()
    assert np.array_equal(pd.isna(found), pd.isna(expected))
    assert list(found[~pd.isna(found)]) == list(expected[~pd.isna(expected)])


def test_a_missing_sector_stays_missing():
    enterprises = pd.DataFrame({"id": [1, 2], "sector": pd.Categorical(["食品", None])})
    found = _sectors_of(enterprises, pd.Series([2, 1]))
    assert pd.isna(found[0]) and found[1] == "食品"
