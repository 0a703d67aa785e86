"""``traceboard assess`` in-process: formats, saving, locking, reports read back."""

import csv
import datetime as dt
import io
import json
import os
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest

from traceboard.cli.main import main
from traceboard.data import models as m
from traceboard.data.db import transaction

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "assessment_2020_demo400.txt"
BASE = ["assess", "--year", "2020", "--today", "2026-10-31"]


@pytest.fixture
def users(demo_engine):
    with transaction(demo_engine) as session:
        session.add_all(
            [m.User(username="kao-office", role="office"), m.User(username="kao-leader", role="leader")]
        )
    return demo_engine


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def test_csv_has_the_issue_columns_then_points(demo_engine, capsys):
    assert main([*BASE, "--format", "csv"]) == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    header = list(rows[0])
    assert header[:6] == ["unit", "unit_kind", "score", "grade", "rank", "role"]
    assert header[6:9] == ["plan_submitted", "platform_built", "platform_interconnected"]
    assert "reports_on_time" in header and "check_cooperation" in header
    assert len(rows) == 43 and {r["unit_kind"] for r in rows} == {"department", "township"}
    towns = [r for r in rows if r["unit_kind"] == "township"]
    assert towns[0]["rank"] == "1" and towns[0]["plan_submitted"] == ""  # departments' indicators stay empty
    for row in rows:  # the points of the applicable indicators make the score (scaled to their weights)
        assert 0 <= float(row["score"]) <= 100
    assert "2020: draft (not saved" in captured.err


def test_save_then_lock_as_leader(users, capsys):
    assert main([*BASE, "--lock"]) == 1
    assert "--as NAME" in capsys.readouterr().err
    assert main([*BASE, "--lock", "--as", "kao-leader"]) == 1
    assert "no saved run holds the current 2020 figures" in capsys.readouterr().err
    assert main([*BASE, "--as", "kao-leader"]) == 1
    assert "may not assessment.run" in capsys.readouterr().err
    assert main([*BASE, "--as", "kao-office", "--format", "json"]) == 0
    captured = capsys.readouterr()
    doc = json.loads(captured.out)
    assert (doc["version"], doc["status"]) == (1, "draft")
    assert "version 1 draft — saved now" in captured.err
    wang = next(u for u in doc["units"] if u["unit"] == "望春门街道")
    assert set(wang["points"]) <= set(wang["explanations"]) and len(wang["explanations"]) == 7
    assert (
        wang["explanations"]["adoption"].startswith("adoption ")
        and " vs target 70.0 % → " in wang["explanations"]["adoption"]
    )
    graded = [u for u in doc["units"] if u["grade"] != "不予评定"]
    assert all(u["rank"] is None for u in doc["units"] if u not in graded)
    assert len(doc["sensitivity"]) == len(graded) and {"grade_stays", "rank_stays", "fragile"} <= set(
        doc["sensitivity"][0]
    )
    assert main([*BASE, "--lock", "--as", "kao-office"]) == 1
    assert "may not assessment.lock" in capsys.readouterr().err
    assert main([*BASE, "--lock", "--as", "kao-leader", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["status"] == "locked"
    assert main([*BASE, "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["status"] == "locked" and "version 1 locked" in captured.err
    assert main([*BASE, "--lock", "--as", "kao-leader"]) == 1
    assert "already locked" in capsys.readouterr().err


def test_table_names_its_status_first(demo_engine, capsys):
    assert main(BASE) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "2020年度考核 未保存 草稿 draft"
    assert lines[1].split() == ["排名", "单位", "类别", "得分", "等次", "较上年", "说明"]
    kinds = [line.split()[2] for line in lines[2:] if len(line.split()) > 2]
    assert kinds.count("部门（牵头部门）") == 7 and kinds.count("部门（配合部门）") == 12  # ranked apart
    assert not [line for line in lines if "不予评定" in line.split()]  # every class has its 60 points


def test_a_unit_without_enough_applicable_points_is_shown_not_graded(
    demo_engine, capsys, tmp_path, monkeypatch
):
    """With a set asking 90 points, the supporting departments' 80 applicable points are too few."""
    sets = Path(__file__).resolve().parents[2] / "src/traceboard/config/assessment"
    for name in ("department-2018.toml", "township-2018.toml"):
        text = (sets / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("min_applicable_weight = 60", "min_applicable_weight = 90"))
    monkeypatch.setattr("traceboard.data.assessment_config.assessment_dir", lambda: tmp_path)
    pdf, xlsx = tmp_path / "kh.pdf", tmp_path / "kh.xlsx"
    assert main([*BASE, "--pdf", str(pdf), "--xlsx", str(xlsx)]) == 0
    text = re.sub(r"\s+", "", pdf_text(pdf.read_bytes()))
    assert (
        "不予评定11个" in text
        and "市财政局：配合部门；适用指标合计80分，不足90分，不予评定、不参加排名。" in text
    )
    notes = [row[6].value for row in openpyxl.load_workbook(xlsx)["排名"].iter_rows(min_row=3)]
    assert sum("不足 90 分" in n for n in notes) == 11
    ungraded = [line for line in capsys.readouterr().out.splitlines() if "不予评定" in line.split()]
    assert len(ungraded) == 11 and all(
        "部门（配合部门）" in row for row in ungraded
    )  # 12 less 市林业局 (100)
    assert all(row.split()[0] == "—" and "适用指标合计 80 分，不足 90 分" in row for row in ungraded)


def test_bad_year_and_bad_indicator_set_exit_2(demo_engine, capsys, tmp_path, monkeypatch):
    assert main(["assess", "--year", "2017"]) == 2
    assert "starts in 2018" in capsys.readouterr().err
    assert main(["assess", "--year", "2027", "--today", "2026-10-31"]) == 2
    assert "2027 has not begun" in capsys.readouterr().err
    bad = tmp_path / "department-2018.toml"
    text = (
        Path(__file__).resolve().parents[2] / "src/traceboard/config/assessment/department-2018.toml"
    ).read_text()
    bad.write_text(text.replace("weight = 20", "weight = 25"), encoding="utf-8")
    (tmp_path / "township-2018.toml").write_text(
        (
            Path(__file__).resolve().parents[2] / "src/traceboard/config/assessment/township-2018.toml"
        ).read_text()
    )
    monkeypatch.setattr("traceboard.data.assessment_config.assessment_dir", lambda: tmp_path)
    assert main(BASE) == 2
    assert f"{bad}: weights of role lead sum to 105, not 100 — the set is refused" in capsys.readouterr().err


def test_workbook_reads_back(demo_engine, capsys, tmp_path):
    path = tmp_path / "kh.xlsx"
    assert main([*BASE, "--xlsx", str(path), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    book = openpyxl.load_workbook(path)
    names = book.sheetnames
    assert names[0] == "排名" and "原始数据" in names and "权重敏感性" in names
    assert len(names) == 3 + 17 + 7  # ranking, raw, sensitivity + one per indicator of each kind
    ranking = book["排名"]
    assert ranking["A1"].value == "2020年度考核 未保存 草稿 draft"
    assert [c.value for c in ranking[2]] == ["排名", "单位", "类别", "得分", "等次", "较上年", "说明"]
    assert ranking.freeze_panes == "A3"
    first = [c.value for c in ranking[3]]
    assert (first[1], first[3]) == (rows[0]["unit"], float(rows[0]["score"]))
    adoption = book[next(n for n in names if n.endswith("乡镇-辖区企业追溯覆盖率"))]
    header = [c.value for c in adoption[2]]
    assert header[:4] == ["单位", "测量值", "目标值", "权重"] and "已建立追溯企业数" in header
    assert adoption.max_row == 2 + 24
    # the sensitivity sheet names each unit's class as the ranking does: classes are ranked apart
    sens = book["权重敏感性"]
    assert [c.value for c in sens[2]][:4] == ["单位", "类别", "等次", "等次保持比例"]
    ranked_as = {r[1].value: r[2].value for r in ranking.iter_rows(min_row=3)}
    classes = {r[0].value: r[1].value for r in sens.iter_rows(min_row=3)}
    assert classes and all(classes[unit] == ranked_as[unit] for unit in classes)


def test_pdf_is_chinese_text_and_matches_the_golden(demo_engine, capsys, tmp_path):
    path = tmp_path / "kh.pdf"
    assert main([*BASE, "--pdf", str(path)]) == 0
    text = pdf_text(path.read_bytes())
    for name in (
        "望春门街道",
        "水府示范区",
        "市商务粮食局",
        "2020年度考核报告",
        "草稿",
        "部门（牵头部门）排名",
        "部门（配合部门）排名",
        "等次分布",
    ):
        assert name in text
    assert b"/FontFile" in path.read_bytes()
    scrubbed = re.sub(r"[ \t]+", " ", text).strip()
    if os.environ.get("TRACEBOARD_UPDATE_GOLDEN"):  # regenerate deliberately, review the diff, commit
        GOLDEN.write_text(scrubbed, encoding="utf-8")
    assert scrubbed == GOLDEN.read_text(encoding="utf-8")


def test_a_run_or_lock_may_not_be_dated_after_today(engine, capsys):
    with transaction(engine) as session:
        session.add_all(
            [m.User(username="kao-office", role="office"), m.User(username="kao-leader", role="leader")]
        )
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    args = ["assess", "--year", str(tomorrow.year), "--today", tomorrow.isoformat()]
    assert main([*args, "--as", "kao-office"]) == 1
    assert f"dated {tomorrow.isoformat()}, after today" in capsys.readouterr().err
    assert main([*args, "--lock", "--as", "kao-leader"]) == 1
    assert "after today" in capsys.readouterr().err


def test_in_chinese_the_status_line_and_written_files_are_chinese(users, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main([*BASE, "--format", "json"]) == 0
    assert "2020 年：草稿（未保存；由领导小组办公室用 --as 保存）" in capsys.readouterr().err
    book = tmp_path / "考核.xlsx"
    assert main([*BASE, "--as", "kao-office", "--format", "json", "--xlsx", str(book)]) == 0
    err = capsys.readouterr().err.splitlines()
    assert err[0] == "2020 年：第 1 版，草稿——刚刚保存" and f"已写入 {book}" in err


def test_in_chinese_a_year_without_assessment_is_refused_in_chinese(demo_engine, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["assess", "--year", "2017"]) == 2
    assert capsys.readouterr().err.strip() == (
        "traceboard: 年度考核从 2018 年开始（实施方案第五部分）；2017 年没有考核"
    )
    assert main(["assess", "--year", "2027", "--today", "2026-10-31"]) == 2
    assert capsys.readouterr().err.strip() == (
        "traceboard: 2027 年尚未开始（今天是 2026-10-31）：还没有可考核的内容"
    )


def test_in_chinese_the_changes_since_the_saved_version_are_chinese(users, capsys, monkeypatch):
    from sqlalchemy import select, update

    assert main([*BASE, "--as", "kao-office", "--format", "json"]) == 0
    with transaction(users) as session:  # the saved version is made to differ from today's figures
        run_id = session.scalar(select(m.AssessmentRun.id).where(m.AssessmentRun.year == 2020))
        session.execute(update(m.AssessmentRun).where(m.AssessmentRun.id == run_id).values(inputs_sha256="0"))
        unit = session.scalars(select(m.UnitScore).where(m.UnitScore.run_id == run_id)).first()
        name = session.get(m.Unit, unit.unit_id).name
        score = unit.score
        unit.score = score + 1
    capsys.readouterr()
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main([*BASE, "--format", "json"]) == 0
    lines = capsys.readouterr().err.splitlines()
    assert f"  {name}：得分 {score + 1} → {score}" in lines
    assert not [line for line in lines if re.search(r"\b(score|grade|rank|None)\b", line)]
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    assert main([*BASE, "--format", "json"]) == 0
    assert f"  {name}: score {score + 1} → {score}" in capsys.readouterr().err.splitlines()


def test_in_chinese_the_refused_locks_are_chinese(users, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main([*BASE, "--lock", "--as", "kao-leader"]) == 1
    assert capsys.readouterr().err.strip() == (
        "traceboard: 没有保存过与当前 2020 年数字相同的考核结果："
        "须先由办公室保存一版（traceboard assess --year 2020 --as 办公室用户）"
    )
    assert main([*BASE, "--as", "kao-office", "--format", "json"]) == 0
    assert main([*BASE, "--lock", "--as", "kao-leader", "--format", "json"]) == 0
    capsys.readouterr()
    assert main([*BASE, "--lock", "--as", "kao-leader"]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 2020 年考核第 1 版已由 kao-leader 锁定"
