"""The 年度考核 page under AppTest: sign-in required, figures from the same function as the CLI,
save for the office, lock for leaders only, draft labelled everywhere."""

import datetime as dt
import io
import json
import re
import subprocess
from pathlib import Path

import openpyxl
import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.errors import AppTestError

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
    at.checkbox(key="assessment_lock_ok").check().run()
    lock = next(b for b in at.button if b.label == "审定并锁定第1版")
    at = lock.click().run()
    assert not at.exception, at.exception
    assert list_runs(demo_engine, 2020)["status"].tolist() == ["locked"]
    assert any("已锁定（kao-leader）" in s.value for s in at.success) and not at.warning


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
    assert (ungraded["排名"] == "—").all()
    graded = departments[departments["等次"] != "不予评定"]
    assert graded["排名"].str.fullmatch(r"\d+").all()


def pdf_text(data: bytes) -> str:
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True)
    return done.stdout.decode()


def workbook_rows(content: bytes, sheet_prefix: str) -> list[tuple]:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    name = next(n for n in book.sheetnames if n.startswith(sheet_prefix))
    return list(book[name].iter_rows(values_only=True))


def saved_by_office(engine) -> None:
    at = open_page(OFFICE)
    next(b for b in at.button if b.label == "保存为新版本").click().run()
    assert list_runs(engine, 2020)["status"].tolist() == ["draft"]


def test_locking_asks_for_confirmation_first(demo_engine, fixed_today):
    saved_by_office(demo_engine)
    at = open_page(LEADER)
    lock = at.button(key="assessment_lock")
    assert lock.disabled, "locking cannot be undone: the button waits for the confirmation"
    assert "锁定不可撤销：请先勾选确认。" in [c.value for c in at.caption]
    assert at.checkbox(key="assessment_lock_ok").label == "我确认：锁定后第1版的分数不可更改，也不能撤销"
    with pytest.raises(AppTestError, match="disabled"):  # as in a browser: a disabled button takes no click
        at.button(key="assessment_lock").click()
    assert list_runs(demo_engine, 2020)["status"].tolist() == ["draft"], "no lock without the tick"
    at.checkbox(key="assessment_lock_ok").check().run()
    assert not at.button(key="assessment_lock").disabled
    at.button(key="assessment_lock").click().run()
    assert not at.exception, at.exception
    assert list_runs(demo_engine, 2020)["status"].tolist() == ["locked"]
    english = open_page(LEADER, lang="en")
    assert "assessment_lock" not in [b.key for b in english.button], "a locked run offers no second lock"


def test_the_reports_offered_after_locking_are_the_locked_ones(demo_engine, fixed_today):
    saved_by_office(demo_engine)
    at = open_page(LEADER)
    at.button(key="assessment_reports").click().run()
    _year, _xlsx, draft_pdf = at.session_state["assessment_files"]
    assert "草稿" in pdf_text(draft_pdf)
    at.checkbox(key="assessment_lock_ok").check().run()
    at.button(key="assessment_lock").click().run()
    assert not at.exception, at.exception
    assert "报告已按锁定版本重新生成" in at.success[0].value
    assert at.session_state["assessment_files_of"] == (2020, 1, "locked")
    year, xlsx, pdf = at.session_state["assessment_files"]
    text = pdf_text(pdf)
    assert year == 2020 and "已锁定（kao-leader）" in text and "草稿" not in text
    assert "已锁定（kao-leader）" in workbook_rows(xlsx, "排名")[0][0]
    assert len(at.get("download_button")) == 2
    # files made of another version than the page shows are not offered: the button makes them again
    at.session_state["assessment_files_of"] = (2020, 1, "draft")
    at.run()
    assert not at.get("download_button")


def test_the_explanation_is_chinese_and_the_values_formatted(demo_engine, fixed_today):
    at = open_page(LEADER)
    detail = at.dataframe[2].value  # the first department's indicators
    assert list(detail.columns) == ["指标", "权重", "测量值", "目标值", "得分", "完成情况", "说明"]
    adoption = detail[detail["指标"] == "监管企业追溯覆盖率"].iloc[0]
    assert adoption["测量值"].endswith(" %") and adoption["目标值"] == "70.0 %"
    assert adoption["说明"].startswith("追溯覆盖率 ") and "，目标 70.0 % → " in adoption["说明"]
    assert adoption["说明"].endswith(" 分")
    shown = detail.astype(str).to_numpy().ravel().tolist()
    assert not [c for c in shown if "None" in c or "vs target" in c or "nan" in c]
    assert "—" in detail["目标值"].tolist(), "an indicator without a target says —"
    english = open_page(LEADER, lang="en").dataframe[2].value
    assert english["Explanation"].str.contains(r"^adoption \d+\.\d % vs target 70\.0 % → ").any()


def test_the_reports_word_the_explanation_in_chinese(demo_engine, fixed_today):
    at = open_page(OFFICE)
    at.button(key="assessment_reports").click().run()
    _year, xlsx, pdf = at.session_state["assessment_files"]
    text = pdf_text(pdf)
    assert "vs target" not in text and "None" not in text
    assert re.search(r"追溯覆盖率 \d+\.\d %，目标 70\.0 % → \d+\.\d / 15 分", text)
    rows = workbook_rows(xlsx, "04部门-监管企业追溯覆盖率")
    header = rows[1]
    body = [dict(zip(header, r, strict=False)) for r in rows[2:]]
    assert header[:4] == ("单位", "测量值", "目标值", "权重")
    assert all(re.fullmatch(r"\d+\.\d %|—", r["测量值"]) for r in body)
    assert {r["目标值"] for r in body} == {"70.0 %"}
    assert all(r["说明"].startswith("追溯覆盖率 ") or r["说明"] == "不适用" for r in body)
    raw = workbook_rows(xlsx, "原始数据")
    assert not [c for r in raw for c in r if c in ("None", "nan")]


def test_a_run_saved_before_the_facts_were_kept_still_reads(demo_engine, fixed_today):
    """Runs saved before revision 0007 hold only the English line: the page words them in Chinese."""
    from sqlalchemy import update

    from traceboard.data import models as m
    from traceboard.data.db import transaction

    saved_by_office(demo_engine)
    with transaction(demo_engine) as session:
        session.execute(
            update(m.IndicatorScore).values(explanation="adoption 1.0 % vs target 2.0 % → 0.2 / 15",
                                            explanation_facts=None)
        )  # fmt: skip
    at = open_page(LEADER)
    assert not at.exception, at.exception
    assert "第1版" in at.warning[0].value, "the stored run is the one shown"
    detail = at.dataframe[2].value
    assert detail["说明"].str.contains("，目标 ").any() and not detail["说明"].str.contains("vs target").any()


def test_the_score_history_is_computed_only_when_asked_for(demo_engine, fixed_today, monkeypatch):
    calls = []
    from traceboard.services import assessment as service

    real = service.score_history
    monkeypatch.setattr(service, "score_history", lambda *a: calls.append(a[1]) or real(*a))
    at = open_page(OFFICE)
    assert not at.exception, at.exception
    assert calls == []  # the first view computes no year but the one shown
    history = at.toggle(key="assessment_history")
    assert history.label == "显示 2018 年以来的历年得分（逐年计算，需稍候）"
    history.set_value(True).run()
    assert not at.exception, at.exception
    assert calls == [2020]
    titles = [json.loads(c.proto.spec)["layout"]["title"]["text"] for c in at.get("plotly_chart")]
    assert sum("历年得分与同类平均" in title for title in titles) == 1


def test_each_year_is_scored_once_for_the_view_the_year_before_and_the_history(
    demo_engine, fixed_today, monkeypatch
):
    """The year shown, the year before (without a stored run) and the history's years share one
    computation per year and data version; a locked year of the history is read, not computed."""
    from traceboard.services import assessment as service

    calls = []
    real = service.score_year
    monkeypatch.setattr(service, "score_year", lambda i, *a: calls.append(i.year) or real(i, *a))
    at = open_page(OFFICE)
    assert not at.exception, at.exception
    assert sorted(calls) == [2019, 2020]  # the year shown and the year before, once each
    at.toggle(key="assessment_history").set_value(True).run()
    assert not at.exception, at.exception
    assert sorted(calls) == [2018, 2019, 2020]  # only 2018 was not computed yet
    at.selectbox(key="assessment_year").set_value(2019).run()
    assert not at.exception, at.exception
    assert sorted(calls) == [2018, 2019, 2020]  # 2019 and its year before: both computed already


def test_a_lock_refused_by_the_record_is_said_in_chinese(demo_engine, fixed_today, monkeypatch):
    from traceboard.data.assessment_store import LockedRunError
    from traceboard.i18n import Message

    saved_by_office(demo_engine)

    def locked_meanwhile(engine, actor, view):  # another leader locked the run after this page was drawn
        raise LockedRunError(Message("refusals.run_already_locked", year=2020, version=1, user="kao-leader2"))

    monkeypatch.setattr("traceboard.services.assessment.lock_assessment", locked_meanwhile)
    at = open_page(LEADER)
    at.checkbox(key="assessment_lock_ok").check().run()
    at.button(key="assessment_lock").click().run()
    assert not at.exception, at.exception
    assert [e.value for e in at.error] == ["2020 年考核第 1 版已由 kao-leader2 锁定"]


def test_the_weight_sensitivity_is_computed_only_when_its_tab_is_open(demo_engine, fixed_today, monkeypatch):
    """Ten thousand re-weightings wait for the 权重敏感性 tab: a first view on 排名 does not run them."""
    from traceboard.metrics import sensitivity

    calls = []
    real = sensitivity.sensitivity_by_kind
    monkeypatch.setattr(sensitivity, "sensitivity_by_kind", lambda *a: calls.append(1) or real(*a))
    at = open_page(OFFICE)
    assert not at.exception, at.exception
    assert calls == []
    shown = len(at.dataframe)
    at.session_state["assessment_tab"] = "权重敏感性"  # the click on the tab
    at.run()
    assert not at.exception, at.exception
    assert calls == [1]
    assert len(at.dataframe) == shown + 1 and "等次保持比例" in at.dataframe[-1].value.columns
    assert not any("等次保持比例" in frame.value.columns for frame in at.dataframe[:shown])
    # classes are ranked apart: each unit's class is shown beside it, the same as on 排名
    sens = at.dataframe[-1].value
    assert list(sens.columns[:2]) == ["单位", "类别"]
    ranking = at.dataframe[0].value.set_index("单位")["类别"]
    departments = sens[sens["单位"].isin(ranking.index)]
    assert len(departments) and departments.set_index("单位")["类别"].equals(ranking.loc[departments["单位"]])
    assert departments["类别"].nunique() > 1
    assert (departments.groupby("类别")["排名"].min() == 1).all()


def test_a_year_is_scored_again_only_when_a_change_reaches_into_it(demo_engine, fixed_today, monkeypatch):
    """After a change of the record the page reads each year's facts again, but scores a year again
    only when they changed: a check recorded this year leaves 2020 and 2019 as scored; a check dated
    back into 2020 scores 2020 again (and not 2019, which it does not reach)."""
    from traceboard.data.frame import load_register_frame
    from traceboard.services import assessment as service
    from traceboard.services.record_entry import save_entry

    calls = []
    real = service.score_year
    monkeypatch.setattr(service, "score_year", lambda i, *a: calls.append(i.year) or real(i, *a))
    at = open_page(OFFICE)
    assert not at.exception, at.exception
    assert sorted(calls) == [2019, 2020]
    shown = at.dataframe[1].value["得分"].tolist()
    ent = load_register_frame(demo_engine).enterprises
    row = ent[ent["department"].notna()].iloc[0]
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查结果": "未发现问题"}

    def record_check(day: str) -> None:
        outcome = save_entry(
            demo_engine, OFFICE, "inspections", cells | {"检查日期": day}, dt.date(2026, 10, 31)
        )
        assert outcome.summary is not None and outcome.summary.changed, outcome.validation

    record_check("2026-10-09")
    at.run()
    assert not at.exception, at.exception
    assert sorted(calls) == [2019, 2020]  # the data version moved; neither year's facts did
    assert at.dataframe[1].value["得分"].tolist() == shown
    record_check("2020-06-15")
    at.run()
    assert not at.exception, at.exception
    assert sorted(calls) == [2019, 2020, 2020]  # 2020 again, for its new check; 2019 as it was
    expected = prepare_assessment(demo_engine, 2020, dt.date(2026, 10, 31)).result.units
    townships = expected[expected["unit_kind"] == "township"]
    assert at.dataframe[1].value["得分"].tolist() == townships["score"].tolist()
