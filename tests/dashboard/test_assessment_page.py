"""The 年度考核 page under AppTest: sign-in required, figures from the same function as the CLI,
save for the office, lock for leaders only, draft labelled everywhere."""

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from traceboard.accounts.authz import Actor
from traceboard.data.assessment_store import list_runs
from traceboard.services.assessment import prepare_assessment

PAGE = str(
    Path(__file__).resolve().parents[2] / "src" / "traceboard" / "dashboard" / "views" / "assessment.py"
)
OFFICE = Actor("kao-office", "office")
LEADER = Actor("kao-leader", "leader")


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr("traceboard.dashboard.state.today", lambda: dt.date(2026, 10, 31))


def open_page(actor, lang="zh", year=2020) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["assessment_year"] = year
    if actor is not None:
        at.session_state["actor"] = actor
    return at.run()


def test_signed_out_visitors_are_asked_to_sign_in(demo_engine):
    at = open_page(None)
    assert not at.exception
    assert at.info[0].value == "年度考核仅对已登录用户开放，请先登录。"
    assert not at.dataframe


def test_rankings_match_the_command_and_say_draft(demo_engine, fixed_today):
    at = open_page(LEADER)
    assert not at.exception, at.exception
    assert at.title[0].value == "年度考核"
    assert "草稿" in at.warning[0].value
    view = prepare_assessment(demo_engine, 2020, dt.date(2026, 10, 31))
    departments = at.dataframe[0].value
    expected = view.result.units[view.result.units["unit_kind"] == "department"]
    assert departments["单位"].tolist() == expected["unit"].tolist()
    assert departments["得分"].tolist() == expected["score"].tolist()
    assert departments["类别"].tolist() == ["牵头部门"] * 7 + ["配合部门"] * 12  # ranked apart
    assert departments["说明"].str.startswith("适用指标合计").all()
    assert [b.label for b in at.button] == [
        "生成 Excel 与 PDF 报告"
    ]  # a leader cannot save, nothing to lock yet


def test_office_saves_then_leader_locks(demo_engine, fixed_today):
    at = open_page(OFFICE)
    save = next(b for b in at.button if b.label == "保存为新版本")
    at = save.click().run()
    assert not at.exception, at.exception
    assert list_runs(demo_engine, 2020)[["version", "status"]].values.tolist() == [[1, "draft"]]
    at = open_page(LEADER)
    lock = next(b for b in at.button if b.label == "审定并锁定第1版")
    at = lock.click().run()
    assert not at.exception, at.exception
    assert list_runs(demo_engine, 2020)["status"].tolist() == ["locked"]
    assert "已锁定（kao-leader）" in at.success[0].value and not at.warning


def test_english_and_reports(demo_engine, fixed_today):
    at = open_page(OFFICE, lang="en")
    assert at.title[0].value == "Annual assessment" and "DRAFT" in at.warning[0].value
    table = at.dataframe[0].value
    assert set(table["Class"]) == {"lead departments", "supporting departments"}
    assert table["Note"].str.startswith("Applicable indicators carry").all()
    at = next(b for b in at.button if b.label == "Make the Excel and PDF reports").click().run()
    assert not at.exception, at.exception
    year, xlsx, pdf = at.session_state["assessment_files"]
    assert year == 2020 and xlsx[:2] == b"PK" and pdf[:5] == b"%PDF-"


def test_not_graded_units_say_why_in_chinese(demo_engine, fixed_today, tmp_path, monkeypatch):
    sets = Path(__file__).resolve().parents[2] / "src/traceboard/config/assessment"
    for name in ("department-2018.toml", "township-2018.toml"):
        text = (sets / name).read_text(encoding="utf-8")
        (tmp_path / name).write_text(text.replace("min_applicable_weight = 60", "min_applicable_weight = 90"))
    monkeypatch.setattr("traceboard.data.assessment_config.assessment_dir", lambda: tmp_path)
    departments = open_page(LEADER).dataframe[0].value
    ungraded = departments[departments["等次"] == "不予评定"]
    assert len(ungraded) == 11 and ungraded["说明"].str.contains("不足 90 分：不予评定，不参加排名").all()
    assert ungraded["排名"].isna().all()
