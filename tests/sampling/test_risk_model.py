import datetime as dt

import numpy as np
import pandas as pd
import pytest

from traceboard.sampling.risk_features import check_features, current_features
from traceboard.sampling.risk_model import class_thresholds, classify, fit_risk_classes


def enterprises():
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "sector": ["食品", "药品", "食品"],
            "subcategory": ["白酒", "中成药", "肉制品"],
            "township": ["山枣镇", "白田镇", "山枣镇"],
            "registered": [0, 0, -(2**31)],
            "first_adopted": [100.0, np.nan, 50.0],
            "first_connected": [np.nan, np.nan, 60.0],
            "first_listed": [np.nan, 300.0, np.nan],
            "blacklisted": [False, True, False],
        }
    )


def checks():
    return pd.DataFrame(
        {"enterprise_id": [1, 1, 2, 1], "day": [90, 200, 250, 400], "problem": [True, False, True, True]}
    )


def test_features_of_a_check_use_only_the_past():
    f = check_features(enterprises(), checks())
    first, second, third = f.iloc[0], f.iloc[1], f.iloc[3]
    assert (first["past_checks"], first["past_failures"], first["never_checked"], first["adopted"]) == (
        0,
        0,
        1,
        0,
    )
    assert (
        second["past_checks"],
        second["past_failures"],
        second["failed_last_check"],
        second["adopted"],
    ) == (1, 1, 1, 1)
    assert second["years_since_check"] == pytest.approx(110 / 365.25)
    assert (third["past_checks"], third["past_failures"], third["failed_last_check"]) == (2, 1, 0)
    assert f.iloc[2]["blacklist_history"] == 0  # listed on day 300, after the check on day 250


def test_current_features_as_of_a_day():
    now = current_features(enterprises(), checks(), 350).set_index(pd.Index([1, 2, 3]))
    assert now.loc[1, ["past_checks", "past_failures", "failed_last_check"]].tolist() == [2, 1, 0]
    assert now.loc[2, ["blacklist_history", "adopted", "failed_last_check"]].tolist() == [1, 0, 1]
    assert now.loc[3, ["never_checked", "adopted", "connected"]].tolist() == [1, 1, 1]


def test_classes_from_probabilities_relative_to_the_base_rate():
    thresholds = class_thresholds(0.2)
    assert thresholds == {"B": 0.1, "C": 0.2, "D": 0.4}
    p = np.array([0.0, 0.0999, 0.1, 0.2, 0.3999, 0.4, 0.9])
    assert classify(p, thresholds).tolist() == ["A", "A", "B", "C", "C", "D", "D"]


def test_too_few_results_fall_back_to_rules_said_as_such():
    feats = check_features(enterprises(), checks())
    current = current_features(enterprises(), checks(), 500)
    report, out = fit_risk_classes(feats, current, enterprises()["blacklisted"].to_numpy())
    assert report["method"] == "rules" and "validation" not in report
    # 1: failed its last check (2) + an earlier failure (1) = 3 → C; 2: blacklisted → D;
    # 3: never checked (1) → B
    assert out["risk_class"].tolist() == ["C", "D", "B"]
    assert out["reasons"].tolist() == [
        ["failed_last_check", "past_failures"],
        ["blacklisted", "failed_last_check", "blacklist_history", "not_adopted"],
        ["never_checked"],
    ]
    assert out["probability"].isna().all()


def test_model_trained_on_the_demo_city_beats_random_on_the_held_out_year(engine):
    from traceboard.data.frame import load_register_frame, to_day
    from traceboard.data.sampling_frames import load_checks
    from traceboard.demo import generate_demo
    from traceboard.sampling.frames import upload_rows
    from traceboard.services.sampling import sampling_frame

    generate_demo(engine, enterprises=20_000, seed=11)
    on = dt.date(2026, 10, 31)
    register = load_register_frame(engine)
    frame = sampling_frame(engine, on, register)
    uploads = upload_rows(register)  # the demo's feeds: silence and missing items as features
    past = load_checks(engine)
    past = past[past["day"] < to_day(on)]
    features = check_features(frame, past, uploads)
    current = current_features(frame, past, to_day(on), uploads)
    assert current["silent"].sum() > 0 and features["items_missing"].max() > 0
    report, out = fit_risk_classes(features, current, frame["blacklisted"].to_numpy(), random_state=0)
    v = report["validation"]
    assert report["method"] == "logistic" and v["test_year"] == 2026 and v["train_years"] == [2018, 2025]
    assert v["roc_auc"] > 0.5 and v["top20_found"] > v["top20_random"]
    assert v["brier"] < v["brier_base_rate"]
    assert (out.loc[frame["blacklisted"].to_numpy(), "risk_class"] == "D").all()
    assert sum(report["class_counts"].values()) == len(frame)


def test_silence_and_missing_items_come_from_the_90_days_before_a_check():
    # enterprise 1 adopted on day 100; the feeds reach the record on day 150
    uploads = pd.DataFrame(
        {
            "enterprise_id": [3, 1, 1, 1],
            "day": [150, 180, 300, 390],
            "records": [5, 4, 0, 2],
            "items": [-1, 0b000111, 0b111111, -1],  # day 180: subject, product, batch only
        }
    )
    f = check_features(enterprises(), checks(), uploads)  # checks in day order: 1@90, 1@200, 2@250, 1@400
    # day 90: no feed yet, nothing judged; day 200: uploaded on 180 (half the items)
    assert f.iloc[0][["silent", "items_missing"]].tolist() == [0, 0]
    assert f.iloc[1][["silent", "items_missing"]].tolist() == [0, 0.5]
    assert f.iloc[2]["silent"] == 0  # never declared: not silent, whatever it uploads
    # day 400: the 90 days before (310–399) hold day 390 (items not said); day 300 had 0 records
    assert f.iloc[3][["silent", "items_missing"]].tolist() == [0, 0]
    now = current_features(enterprises(), checks(), 380, uploads).set_index(pd.Index([1, 2, 3]))
    # day 380: enterprise 1's last upload with records was day 180, 200 days back; no. 3's day 150
    assert now["silent"].tolist() == [1, 0, 1]
    assert check_features(enterprises(), checks())["silent"].eq(0).all()  # without feeds
