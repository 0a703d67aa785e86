"""The estimates' candidates: each candidate's sector as the register's text, looked up by code."""

import numpy as np
import pandas as pd
import pytest

from tests.sampling.draws import commit_a_draw
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


def _population_from_frozen(engine, draw_id, frame):
    """The candidates as the estimates read them before draws kept their ids apart (0012): every
    stratum of the frozen list decoded, its labels repeated as a NumPy text array."""
    from traceboard.data import sampling_store

    strata = sampling_store.load_frozen(engine, draw_id)[1]["strata"]
    population = pd.DataFrame(
        {
            "stratum": np.repeat([s["stratum"] for s in strata], [len(s["ids"]) for s in strata]),
            "id": np.concatenate([np.asarray(s["ids"], dtype=np.int64) for s in strata]),
        }
    )
    population["domain"] = _sectors_of(frame.enterprises, population["id"])
    return population


def test_the_candidates_kept_apart_are_the_frozen_lists_and_old_draws_still_read(demo_engine):
    """A draw keeps its strata's candidate ids beside its frozen list at commit; the estimates'
    candidates read from them are those of the frozen list, and a draw committed before they were
    kept (NULL) is read from its frozen list, the same."""
    import datetime as dt

    from sqlalchemy import null, select, update

    from traceboard.accounts.authz import SYSTEM
    from traceboard.data import models as m
    from traceboard.data.db import transaction
    from traceboard.data.frame import load_register_frame
    from traceboard.sampling import ceremony
    from traceboard.services import sampling as support

    seed = "2-7-1-8-2-8"
    frozen, draw_id = commit_a_draw(demo_engine, seed, "township")
    with demo_engine.connect() as conn:
        kept = conn.scalar(select(m.Draw.candidate_ids).where(m.Draw.id == draw_id))
    assert kept == {"strata": [{"stratum": s["stratum"], "ids": s["ids"]} for s in frozen["strata"]]}
    with pytest.raises(support.DrawRefused):  # committed, not drawn: no estimates yet
        support.estimate_population(demo_engine, draw_id)
    support.reveal_draw(demo_engine, SYSTEM, draw_id, seed, ceremony.reveal)
    frame = load_register_frame(demo_engine)
    expected = _population_from_frozen(demo_engine, draw_id, frame)
    assert len(expected) == sum(len(s["ids"]) for s in frozen["strata"]) and len(frozen["strata"]) > 1
    kept_apart, predicted = support.estimate_population(demo_engine, draw_id, frame)
    with transaction(demo_engine) as session:  # NULL, as a draw committed before 0012
        session.execute(update(m.Draw).where(m.Draw.id == draw_id).values(candidate_ids=null()))
    from_frozen, predicted_before = support.estimate_population(demo_engine, draw_id, frame)
    for population in (kept_apart, from_frozen):
        pd.testing.assert_frame_equal(population, expected, check_exact=True)
        assert [type(v) for v in population["stratum"]] == [type(v) for v in expected["stratum"]]
    assert predicted == predicted_before

    # the estimates from the checked checks alone: those weighed among all the draw's checks
    def same_estimates():
        checks = support.load_assignments(demo_engine, draw_id)
        pd.testing.assert_frame_equal(
            support.estimates_table(demo_engine, draw_id, frame),
            support.estimates_table(demo_engine, draw_id, frame, assignments=checks),
            check_exact=True,
        )
        return checks

    checks = same_estimates()  # none checked yet
    assert support.inspection_store.load_checked(demo_engine, draw_id).empty
    rows = [
        {
            "assignment_id": int(a),
            "checked_on": dt.date(2026, 10, 30),
            "result": result,
            "findings": None,
            "rectification_due_on": None,
            "rectified_on": None,
        }
        for a, result in zip(
            checks["assignment_id"].iloc[[0, 3, 5]], ["no_problem", "obstruction", "no_problem"], strict=True
        )
    ]
    support.record_results(demo_engine, SYSTEM, rows, dt.date(2026, 10, 31))
    same_estimates()
    checked = support.inspection_store.load_checked(demo_engine, draw_id)
    assert checked["result"].tolist() == ["no_problem", "obstruction", "no_problem"]
    assert checked["sector"].tolist() == checks["sector"].iloc[[0, 3, 5]].tolist()
