"""Normalising cells: yes/no, dates (with Excel serials), credit codes over a whole column."""

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from tests.files.import_files import codes
from traceboard.data.uscc import check_code
from traceboard.files.importers.normalise import (
    check_codes,
    closest,
    normalise_codes,
    parse_date,
    parse_yes_no,
    per_unique,
)


@pytest.mark.parametrize(
    "text", ["是", "Y", "y", "yes", "√", "1", "有", "已建立", "已接入", " 是 ", "ｙ", "TRUE"]
)
def test_yes(text):
    assert parse_yes_no(text) == (True, None)


@pytest.mark.parametrize("text", ["否", "N", "n", "no", "×", "0", "无", "未建立", "未接入", "FALSE"])
def test_no(text):
    assert parse_yes_no(text) == (False, None)


def test_neither_yes_nor_no():
    assert parse_yes_no("待定") == (None, "expected yes or no (是/否, Y/N, √/×, 1/0, 有/无)")


@pytest.mark.parametrize(
    "text",
    [
        "2018-03-05",
        "2018/3/5",
        "2018.3.5",
        "2018年3月5日",
        "20180305",
        "43164",
        "２０１８－０３－０５",
        "2018-03-05 00:00:00",
    ],
)
def test_dates(text):
    # 43164 days after 1899-12-30 (Excel's day 0, which absorbs its 1900 leap-year bug) is 2018-03-05.
    assert parse_date(text) == (dt.date(2018, 3, 5), None)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2018-02-30", "impossible date (2018-02-30 does not exist)"),
        ("20181301", "impossible date (2018-13-01 does not exist)"),
        ("1850-01-01", "impossible date (before 1900)"),
        ("三月五日", "not a date (write 2018-03-05)"),
        ("2018", "not a date (write 2018-03-05)"),
    ],
)
def test_bad_dates(text, reason):
    assert parse_date(text) == (None, reason)


def test_per_unique_leaves_blank_cells_alone():
    values, reasons = per_unique(pd.Series(["是", "", "否", "待定"], index=[5, 6, 7, 8]), parse_yes_no)
    assert values.tolist() == [True, None, False, None]
    assert reasons.tolist()[:3] == [None, None, None] and reasons[8].startswith("expected yes or no")


def test_codes_are_normalised_from_full_width_lower_case_and_spaces():
    raw = pd.Series([" ９１４３０１１１ma4l41yt1u ", "9143 0111 MA4L 41YT 1U", "91430111MA4L41YT1U"])
    assert normalise_codes(raw).tolist() == ["91430111MA4L41YT1U"] * 3


def test_vectorised_check_agrees_with_the_per_code_check():
    valid = codes(200, seed=11)
    rng = np.random.default_rng(5)
    broken = []
    for code in valid[:100]:  # change one character: most break a check, a few stay valid by chance
        pos = int(rng.integers(0, 18))
        broken.append(
            code[:pos] + "0123456789ABCDEFGHJKLMNPQRTUWXYIOZ"[int(rng.integers(0, 34))] + code[pos + 1 :]
        )
    sample = pd.Series(valid + broken + ["123", "", "91430111MA4L41YT1X", "9143011１MA4L41YT1U"])
    got = check_codes(sample, allowlist=["91430111MA4L41YT1X"])
    expected = [check_code(c, ["91430111MA4L41YT1X"]).reason for c in sample]
    assert got.tolist() == expected
    assert got.iloc[:200].isna().all()
    assert got.iloc[-4:].tolist()[:3] == [
        "18 characters expected, got 3",
        "18 characters expected, got 0",
        None,
    ]


def test_closest_prefers_characters_in_the_same_place():
    names = ["栗山镇", "山枣镇", "东山街道"]
    assert closest("山早镇", names) == "山枣镇"
    assert closest("火星", names) is None
