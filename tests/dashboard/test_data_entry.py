"""AppTest of 数据管理 → 录入/更正: one record entered, corrected and refused through the form."""

import datetime as dt

from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_data_admin import DASHBOARD, open_page
from traceboard.accounts.authz import Actor
from traceboard.dashboard.i18n import translate
from traceboard.data import models as m

OFFICE = Actor("office1", "office")


def widget(widgets, label: str):
    return next(w for w in widgets if w.label.startswith(label))


def enter_report(at, unit: str, period: str, due: str, submitted: str):
    at.selectbox(key="entry_kind").set_value("reports")
    at.run()
    widget(at.selectbox, "单位").set_value(unit)
    widget(at.text_input, "报告期").set_value(period)
    widget(at.text_input, "应报日期").set_value(due)
    widget(at.text_input, "实际报送日期").set_value(submitted)
    next(b for b in at.button if b.label == "校验并保存").click()
    at.run()


def reports(engine):
    with engine.connect() as conn:
        return conn.execute(
            select(m.ReportSubmission.period, m.ReportSubmission.due_on, m.ReportSubmission.submitted_on)
        ).all()


def test_the_office_enters_and_corrects_one_report(engine):
    at = open_page(OFFICE)
    enter_report(at, "山枣镇", "2019年第一季度", "2019-04-10", "2019-04-15")
    assert not at.exception
    assert at.success[0].value == "已新增一条记录。"
    assert [tuple(r) for r in reports(engine)] == [("2019Q1", dt.date(2019, 4, 10), dt.date(2019, 4, 15))]
    # correct it: pick the record, change the submission date
    at.selectbox(key="entry_kind").set_value("reports")
    at.run()
    assert "entry_pick_reports" not in [s.key for s in at.selectbox]  # no records read until asked
    at.toggle(key="entry_correct_reports").set_value(True).run()
    at.selectbox(key="entry_pick_reports").set_value(0)  # the first record (None would be a new one)
    at.run()
    assert widget(at.text_input, "报告期").value == "2019Q1"
    widget(at.text_input, "实际报送日期").set_value("2019-04-09")
    next(b for b in at.button if b.label == "校验并保存").click()
    at.run()
    assert at.success[0].value == "已更正该记录。"
    assert [tuple(r) for r in reports(engine)] == [("2019Q1", dt.date(2019, 4, 10), dt.date(2019, 4, 9))]
    with engine.connect() as conn:
        actions = conn.scalars(select(m.AuditLog.action).order_by(m.AuditLog.id)).all()
    assert actions[-2:] == ["entry.reports", "entry.reports"]


def test_a_faulty_entry_names_the_column_and_saves_nothing(engine):
    at = open_page(OFFICE)
    enter_report(at, "山枣镇", "2019Q5", "", "")
    assert not at.exception
    assert at.error[0].value == "发现 2 个问题，未保存任何数据。"
    problems = at.dataframe[0].value
    assert problems.values.tolist() == [
        ["报告期", "2019Q5", "not a reporting period (write 2019Q1, 2019-03 or 2019)"],
        ["应报日期", "", "missing"],
    ]
    assert reports(engine) == []


def test_the_form_speaks_english_too(engine):
    # One run with everything set before it: a second run would format the kinds' names outside
    # the script, where the session's language is not known.
    at = AppTest.from_file(str(DASHBOARD / "views" / "data_admin.py"), default_timeout=60)
    at.session_state["actor"] = OFFICE
    at.session_state["lang"] = "en"
    at.session_state["entry_kind"] = "duty-records"
    at.run()
    assert not at.exception
    assert any(b.label == "Check and save" for b in at.button)
    assert widget(at.selectbox, "工作职责").placeholder == "Choose one"
    assert "工作职责" in widget(at.selectbox, "工作职责").label  # the file's own column names
    assert "政府采购优先采购可追溯产品" in widget(at.selectbox, "工作职责").options


def test_in_english_a_kind_is_picked_by_its_english_name(engine):
    # the options are worded in the run (widgets.worded): the test runner words a pick outside it
    at = open_page(OFFICE, lang="en")
    at.selectbox(key="entry_kind").set_value("reports").run()
    assert not at.exception, at.exception
    picker = at.selectbox(key="entry_kind")
    assert picker.value == "reports"
    assert picker.options[picker.index] == translate("data_admin.kind_reports", "en")
    assert widget(at.text_input, "报告期")  # the form's fields are the template's columns
