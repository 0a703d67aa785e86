import numpy as np
import pandas as pd
import pytest

from traceboard.data.uscc import code_ranks
from traceboard.sampling.plans import (
    build_strata,
    effective_class,
    new_plan,
    select_oneoff_candidates,
    select_plan_candidates,
    stratum_rows,
    validate_plan,
)
from traceboard.sampling.spec import DrawRefused

DAY = 20_000  # 2024-10-04
NEVER = np.iinfo(np.int32).max


def frame():
    """Six enterprises of 市农业局 and one of 市林业局, each with one reason to be in or out."""
    rows = [
        # uscc, township, sector, department, registered, closed, class, adopted, last_checked, blacklisted
        ("U1", "山枣镇", "食用农产品", "市农业局", DAY - 900, NEVER, "A", True, np.nan, False),
        ("U2", "山枣镇", "食用农产品", "市农业局", DAY - 900, NEVER, None, True, DAY - 400, False),
        (
            "U3",
            "白田镇",
            "农业生产资料",
            "市农业局",
            DAY - 900,
            NEVER,
            "B",
            True,
            DAY - 100,
            False,
        ),  # checked recently
        (
            "U4",
            "白田镇",
            "农业生产资料",
            "市农业局",
            DAY - 60,
            NEVER,
            "C",
            True,
            np.nan,
            False,
        ),  # registered recently
        ("U5", "白田镇", "食用农产品", "市农业局", DAY - 900, DAY - 5, "C", True, np.nan, False),  # closed
        ("U6", "壶天镇", "食用农产品", "市农业局", DAY - 900, NEVER, "A", True, np.nan, True),  # blacklisted
        (
            "U7",
            "壶天镇",
            "食用农产品",
            "市农业局",
            DAY - 900,
            NEVER,
            "B",
            False,
            np.nan,
            False,
        ),  # no traceability
        ("U8", "山枣镇", "食用农产品", "市林业局", DAY - 900, NEVER, "B", True, np.nan, False),
    ]
    columns = ["uscc", "township", "sector", "department", "registered", "closed", "risk_class", "adopted"]
    out = pd.DataFrame(rows, columns=[*columns, "last_checked", "blacklisted"])
    return out.assign(id=range(1, 9), name=out["uscc"] + "公司")


def test_plan_candidates_apply_scope_and_exclusions():
    plan = new_plan("市农业局", 2024)
    chosen = select_plan_candidates(frame(), plan, DAY)
    assert dict(zip(chosen["uscc"], chosen["stratum"], strict=True)) == {"U1": "A", "U2": "B", "U6": "D"}
    assert set(chosen["pool"]) == {"市农业局"}


def test_all_enterprises_scope_and_earlier_batches():
    plan = new_plan("市农业局", 2024)
    plan["scope"]["traceability_only"] = False
    plan["scope"]["townships"] = ["山枣镇", "壶天镇"]
    chosen = select_plan_candidates(frame(), plan, DAY, drawn_before=["U1"])
    assert chosen["uscc"].tolist() == ["U2", "U6", "U7"]


def test_blacklisted_is_class_d_and_unclassed_is_b():
    assert effective_class(frame()).tolist() == ["A", "B", "B", "C", "C", "D", "B", "B"]


def test_a_plan_with_no_candidates_is_refused():
    plan = new_plan("市农业局", 2024)
    plan["scope"]["sectors"] = ["危险品"]
    with pytest.raises(DrawRefused, match="no candidates"):
        select_plan_candidates(frame(), plan, DAY)


@pytest.mark.parametrize(
    ("cls", "ratio", "named"), [("C", 1.2, "class C: ratio 1.2 is outside"), ("A", -0.1, "class A")]
)
def test_plan_ratio_outside_unit_interval_is_refused(cls, ratio, named):
    plan = new_plan("市农业局", 2024)
    plan["ratios"][cls] = ratio
    with pytest.raises(DrawRefused, match=named):
        validate_plan(plan)


def test_oneoff_strata_by_township_use_the_chinese_names():
    chosen = select_oneoff_candidates(frame(), DAY, "township")
    strata = build_strata(chosen, {"*": 0.5})
    assert [(s.label, s.candidates, s.k) for s in strata] == [
        ("壶天镇", ("U6", "U7"), 1),
        ("山枣镇", ("U1", "U2", "U8"), 2),
        ("白田镇", ("U3", "U4"), 1),
    ]
    assert dict(zip(chosen["uscc"], chosen["pool"], strict=True))["U8"] == "市林业局"


def test_risk_strata_come_in_class_order():
    chosen = select_oneoff_candidates(frame(), DAY, "risk")
    assert [s.label for s in build_strata(chosen, {"*": 1})] == ["A", "B", "C", "D"]


def test_strata_from_the_frames_code_ranks_equal_strata_from_the_codes():
    codes = [
        "91430381MA4L0009X9",
        "91430381MA4L0001X1",
        "湘甲",
        "91430381MA4L0005X5",
        "A",
        "91430381MA4L0002X2",
    ]
    candidates = pd.DataFrame(
        {
            "uscc": codes,
            "stratum": ["食品", "药品", "食品", "D", "食品", "药品"],
            "code_rank": code_ranks(codes),
        }
    )
    with_ranks = [(label, rows.tolist()) for label, rows in stratum_rows(candidates)]
    assert with_ranks == [
        (label, rows.tolist()) for label, rows in stratum_rows(candidates.drop(columns="code_rank"))
    ]
    assert with_ranks == [("D", [3]), ("药品", [1, 5]), ("食品", [0, 4, 2])]


def test_a_code_twice_in_a_stratum_is_refused_with_or_without_ranks():
    codes = ["91430381MA4L0001X1", "91430381MA4L0002X2", "91430381MA4L0001X1"]
    candidates = pd.DataFrame({"uscc": codes, "stratum": "食品", "code_rank": code_ranks(codes)})
    for table in (candidates, candidates.drop(columns="code_rank")):
        with pytest.raises(DrawRefused, match="candidate 91430381MA4L0001X1 appears twice in stratum 食品"):
            stratum_rows(table)
