"""The 任务进度 page under AppTest: the same figures as the service, in Chinese and English."""

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from traceboard.accounts.authz import Actor
from traceboard.services.timetable import prepare_timetable

PAGE = str(
    Path(__file__).resolve().parents[2] / "src" / "traceboard" / "dashboard" / "views" / "timetable.py"
)
TODAY = dt.date(2026, 10, 31)
LEADER = Actor("tt-leader", "leader")


@pytest.fixture
def fixed_today(monkeypatch):
    monkeypatch.setattr("traceboard.dashboard.state.today", lambda: TODAY)


def open_page(lang: str, actor: Actor | None = LEADER, group: str = "department") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["lang"] = lang
    at.session_state["tt_group"] = group
    if actor is not None:
        at.session_state["actor"] = actor
    return at.run()


def test_signed_out_visitors_are_asked_to_sign_in(demo_engine):
    at = open_page("zh", actor=None)
    assert not at.exception
    assert at.info[0].value == "任务进度仅对已登录用户开放，请先登录。"


def test_milestones_goals_and_counties_in_chinese_and_english(demo_engine, fixed_today):
    view = prepare_timetable(demo_engine, TODAY)
    departments = view.milestones[view.milestones["group"] == "department"]
    assert len(departments) == 7 * 3  # the seven lead departments owe three milestones each
    counts = departments["status"].value_counts()
    for lang, title, labels, column in (
        ("zh", "任务进度", {"on_time": "按期完成", "late": "逾期完成", "overdue": "逾期未报"}, "完成情况"),
        (
            "en",
            "Plan timetable",
            {"on_time": "On time", "late": "Late", "overdue": "Overdue, not reported"},
            "Standing",
        ),
    ):
        at = open_page(lang)
        assert not at.exception, at.exception
        assert at.title[0].value == title
        metrics = {m.label: m.value for m in at.metric}
        assert all(metrics[label] == str(int(counts.get(s, 0))) for s, label in labels.items())
        table = at.dataframe[0].value
        assert len(table) == 21 and set(table[column]) == {labels[s] for s in counts.index}
        assert len(at.get("plotly_chart")) >= 3  # the timeline and one chart per goal year
