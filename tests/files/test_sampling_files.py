"""The published results file (HTML, CSV, JSON) and the check lists, against golden files."""

import datetime as dt
import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from traceboard.files import sampling_files
from traceboard.sampling import results

GOLDEN = Path(__file__).parent / "golden"
NOW = dt.datetime(2026, 11, 2, 8, 0, tzinfo=dt.UTC)


def assignments():
    base = {
        "township": "山枣镇",
        "sector": "食品",
        "department": "市食药工商质监局",
        "stratum": "C",
        "due_on": dt.date(2026, 12, 31),
        "rectification_due_on": None,
        "rectified_on": None,
    }
    rows = [
        {
            "enterprise": "湘乡市<script>alert(1)</script>食品厂",
            "uscc": "91430381MA4L0001X1",
            "result": "false_trace_info",
            "findings": '=HYPERLINK("http://x")',
            "checked_on": dt.date(2026, 9, 26),
            "published_on": dt.date(2026, 10, 20),
            "rectification_due_on": dt.date(2026, 10, 26),
            "inspectors": ["张三（湘执0500001）", "李四（湘执0500002）"],
        },
        {
            "enterprise": "湘乡市东山🍵茶叶有限公司",
            "uscc": "91430381MA4L0002X2",
            "result": "no_problem",
            "findings": None,
            "checked_on": dt.date(2026, 9, 25),
            "published_on": dt.date(2026, 10, 9),
            "inspectors": ["李四（湘执0500002）", "张三（湘执0500001）"],
        },
        {
            "enterprise": "湘乡市未公示商行",
            "uscc": "91430381MA4L0003X3",
            "result": "no_problem",
            "findings": None,
            "checked_on": dt.date(2026, 10, 9),
            "published_on": None,
            "inspectors": ["王五（湘执0500003）", "张三（湘执0500001）"],
        },
    ]
    return pd.DataFrame([{**base, **r} for r in rows]).assign(position=[1, 2, 3])


@pytest.mark.parametrize("suffix", ["html", "csv", "json"])
def test_results_file_golden(suffix):
    table = results.results_table(assignments())
    assert table["统一社会信用代码"].tolist() == [
        "91430381MA4L0002X2",
        "91430381MA4L0001X1",
    ]  # published only, by date
    writer = {"html": sampling_files.results_html, "json": sampling_files.results_json}.get(suffix)
    data = writer(table, sampling_files.RESULTS_TITLE, NOW) if writer else sampling_files.results_csv(table)
    path = GOLDEN / f"sampling_results.{suffix}"
    if os.environ.get("UPDATE_GOLDEN"):
        path.write_bytes(data)
    assert data == path.read_bytes()


def test_results_file_escapes_and_neutralises():
    table = results.results_table(assignments())
    page = sampling_files.results_html(table, "公示", NOW).decode()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "'=HYPERLINK" in sampling_files.results_csv(table).decode("utf-8-sig")
    assert "<td>追溯信息不真实</td>" in page and "<td>未发现问题</td>" in page


def test_checklists_by_pair_and_pdf():
    rows = assignments()
    by_pair = results.checklists_by_pair(rows)
    assert list(by_pair) == [
        "张三（湘执0500001）、李四（湘执0500002）",
        "张三（湘执0500001）、王五（湘执0500003）",
    ]
    assert by_pair["张三（湘执0500001）、李四（湘执0500002）"]["uscc"].tolist() == [
        "91430381MA4L0001X1",
        "91430381MA4L0002X2",
    ]
    tables = {
        k: results.checklist_table(v, ["追溯体系建立情况", "产品质量"], dt.date(2026, 9, 1))
        for k, v in by_pair.items()
    }
    pdf = sampling_files.checklist_pdf("市食药工商质监局", tables, {"检查事项": "追溯体系建立情况、产品质量"})
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    assert (
        text.count("双随机抽查检查任务单") == 2
        and "王五（湘执0500003）" in text
        and "91430381MA4L0003X3" in text
    )
