"""A risk run's report is read without its ``enterprises`` (every enterprise's class, probability
and reasons): the database leaves them out, and one entry or all probabilities are read apart."""

import math

import numpy as np
import pandas as pd

from traceboard.data import models as m
from traceboard.data import sampling_store
from traceboard.data.db import transaction
from traceboard.services.sampling import _predicted_by_sector

REPORT = {
    "method": "logistic",
    "class_counts": {"A": 2, "B": 1, "C": 0, "D": 1},
    "thresholds": {"B": 0.1, "C": 0.25, "D": 0.5},
    "validation": {"roc_auc": 0.71, "calibration": [{"predicted": 0.1, "observed": 0.12, "checks": 40}]},
    "enterprises": {
        "3": ["A", 0.0512, []],
        "7": ["D", 0.8123, ["blacklisted", "silent:120"]],
        "11": ["B", None, ["new"]],
        "12": ["A", 0.0333, []],
    },
}


def store(engine, report, method="logistic") -> int:
    with transaction(engine) as session:
        run = m.RiskModelRun(method=method, trained_by="office1", report=report)
        session.add(run)
        session.flush()
        return run.id


def test_the_latest_run_comes_without_its_enterprises(engine):
    assert sampling_store.load_latest_risk_run(engine) is None
    store(engine, {"method": "rules", "class_counts": {"A": 1}}, method="rules")
    newest = store(engine, REPORT)
    run = sampling_store.load_latest_risk_run(engine)
    assert run["id"] == newest and run["method"] == "logistic" and run["trained_by"] == "office1"
    without = {k: v for k, v in REPORT.items() if k != "enterprises"}
    assert run["report"] == without
    assert list(run["report"]["class_counts"]) == ["A", "B", "C", "D"]  # the order the page shows


def test_a_run_with_no_enterprises_reads_as_it_was(engine):
    store(engine, {})
    assert sampling_store.load_latest_risk_run(engine)["report"] == {}
    store(engine, {"method": "rules"}, method="rules")
    run = sampling_store.load_latest_risk_run(engine)
    assert run["report"] == {"method": "rules"}
    ids, probability = sampling_store.risk_probabilities(engine, run["id"])
    assert ids.tolist() == [] and probability.tolist() == []


def test_one_entry_and_every_probability_are_read_apart(engine):
    run_id = store(engine, REPORT)
    assert sampling_store.risk_entry(engine, run_id, 7) == ["D", 0.8123, ["blacklisted", "silent:120"]]
    assert sampling_store.risk_entry(engine, run_id, 11) == ["B", None, ["new"]]
    assert sampling_store.risk_entry(engine, run_id, 5) is None
    ids, probability = sampling_store.risk_probabilities(engine, run_id)
    got = dict(zip(ids.tolist(), probability.tolist(), strict=True))
    assert ids.dtype == np.int64 and probability.dtype == np.float64
    assert set(got) == {3, 7, 11, 12} and math.isnan(got.pop(11))
    assert got == {3: 0.0512, 7: 0.8123, 12: 0.0333}


def test_the_mean_prediction_per_sector_is_the_reports(engine):
    store(engine, REPORT)
    population = pd.DataFrame({"id": [3, 7, 11, 12, 99], "domain": ["食品", "食品", "药品", "药品", "药品"]})
    # as the report's own dict gives it: an id the run did not class, or without a probability, has none
    probability = {int(k): v[1] for k, v in REPORT["enterprises"].items()}
    expected = population["id"].map(probability).astype(float).groupby(population["domain"]).mean().to_dict()
    assert (
        _predicted_by_sector(engine, population)
        == expected
        == {"食品": (0.0512 + 0.8123) / 2, "药品": 0.0333}
    )
