"""黑名单与消费提示 page: sign-in required, actions offered by role, acts reach the record."""

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_pages import run_page
from traceboard.accounts.authz import Actor
from traceboard.data.models import AuditLog, BlacklistEntry, ConsumerAlert, Enterprise, Inspection

PAGE = str(
    Path(__file__).resolve().parents[2] / "src" / "traceboard" / "dashboard" / "views" / "blacklist.py"
)
OFFICE = Actor("demo-office", "office")
PUBLICITY = Actor("demo-publicity", "publicity")


def test_without_sign_in_the_page_asks_for_it(demo_engine):
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.info[0].value.startswith("请先登录")
    assert not at.dataframe


def test_office_sees_the_queue_and_a_refused_proposal_says_why(demo_engine):
    at = run_page("blacklist", actor=OFFICE)
    assert not at.exception, at.exception
    assert [tab.label for tab in at.tabs] == ["拟列入队列", "案件与时间线", "消费提示", "已公布名单"]
    at.text_input(key="propose_uscc").input("91430381MPYA9RU06X")
    at.text_area(key="propose_grounds").input("追溯信息不真实")
    next(b for b in at.button if b.label == "提出").click()
    at.run()
    assert not at.exception
    assert at.error[0].value == "企业名录中没有统一社会信用代码为“91430381MPYA9RU06X”的企业"


def test_a_suggestion_is_proposed_from_its_row_audited_and_awaits_a_decision(demo_engine):
    from traceboard.services.blacklist import suggest_cases

    with Session(demo_engine) as s:  # two checks that found false traceability information
        listed = set(s.scalars(select(BlacklistEntry.enterprise_id)))
        for enterprise in s.scalars(select(Enterprise).where(Enterprise.id.not_in(listed)).limit(2)):
            s.add(
                Inspection(
                    enterprise_id=enterprise.id,
                    department_id=enterprise.department_id,
                    checked_on=dt.date.today() - dt.timedelta(days=3),
                    result="false_trace_info",
                    recorded_by="demo-inspector",
                )
            )
        s.commit()
    suggestions = suggest_cases(demo_engine)
    assert len(suggestions) >= 2
    at = run_page("blacklist", actor=OFFICE)
    picker = at.selectbox(key="suggestion")
    assert picker.options[0].startswith(f"{suggestions['name'].iloc[0]}（{suggestions['uscc'].iloc[0]}）")
    second = suggestions.iloc[1]
    picker.set_value(int(second["inspection_id"]))
    at.run()
    at.button(key="propose_suggestion").click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("已提出，案件编号 ")
    with Session(demo_engine) as s:
        case = s.scalars(select(BlacklistEntry).order_by(BlacklistEntry.id.desc())).first()
        enterprise = s.get(Enterprise, case.enterprise_id)
        logged = s.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (case.state, case.grounds, case.source_inspection_id) == (
        "proposed",
        second["grounds"],
        int(second["inspection_id"]),
    )
    assert enterprise.uscc == second["uscc"]
    assert (logged.action, logged.actor, logged.entity_id) == (
        "blacklist.propose",
        "demo-office",
        str(case.id),
    )
    # The suggestion has left the queue; the case waits for a decision like any other proposal.
    left = at.selectbox(key="suggestion").options
    assert len(left) == len(suggestions) - 1
    assert not [o for o in left if f"检查记录 {int(second['inspection_id'])}（" in o]
    assert [o for o in at.selectbox(key="bl_case").options if o.startswith(f"{case.id} · 拟列入 · ")]


OFFERED = {  # (role, state of the first demo case) → the moves the page offers
    ("office", "published"): ["期满移出", "信用修复移出", "撤销列入"],
    ("office", "listed"): ["已公布", "期满移出", "信用修复移出", "撤销列入"],
    ("publicity", "published"): None,
    ("publicity", "listed"): ["已公布"],
}


def test_cases_offer_only_the_moves_of_the_role(demo_engine):
    with Session(demo_engine) as s:
        first = s.scalars(select(BlacklistEntry).order_by(BlacklistEntry.id)).first()
    for actor in (OFFICE, PUBLICITY):
        at = run_page("blacklist", actor=actor)
        assert int(at.selectbox(key="bl_case").value) == first.id
        expected = OFFERED[(actor.role, first.state)]
        if expected is None:
            assert "当前角色在此状态下没有可办理的操作。" in [c.value for c in at.caption]
        else:
            assert at.selectbox(key="move_to").options == expected


def test_publicity_drafts_from_a_template_and_cannot_approve_its_own_draft(demo_engine):
    at = run_page("blacklist", actor=PUBLICITY)
    at.radio[0].set_value("sector")
    at.run()
    at.selectbox(key="alert_sector").set_value("drug")
    at.run()
    next(b for b in at.button if b.label == "套用模板").click()
    at.run()
    assert at.text_input(key="alert_title").value == "关于安全购药的消费提示"
    next(b for b in at.button if b.label == "保存草稿").click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("已保存草稿，编号 ")
    with Session(demo_engine) as s:
        alert = s.scalars(select(ConsumerAlert).order_by(ConsumerAlert.id.desc())).first()
    assert (alert.title, alert.state, alert.drafted_by) == (
        "关于安全购药的消费提示",
        "draft",
        "demo-publicity",
    )
    at.selectbox(key="alert_pick").set_value(alert.id)
    at.run()
    assert at.radio(key="alert_move_to").options == ["已撤回"], "the drafter is not offered the approval"
    office = run_page("blacklist", actor=OFFICE)
    office.selectbox(key="alert_pick").set_value(alert.id)
    office.run()
    assert office.radio(key="alert_move_to").options == ["已审核"], "the office approves; publicity withdraws"


def test_english(demo_engine):
    at = run_page("blacklist", lang="en", actor=OFFICE)
    assert not at.exception
    assert at.title[0].value == "Blacklist & alerts"


def test_an_alert_from_failed_checks_names_each_enterprise_once(demo_engine):
    import datetime as dt

    from traceboard.data.models import Inspection, Sector

    since = dt.date(2018, 1, 1)
    with Session(demo_engine) as s:
        failed = s.execute(
            select(Sector.code, Enterprise.uscc)
            .join(Inspection, Inspection.enterprise_id == Enterprise.id)
            .join(Sector, Sector.id == Enterprise.sector_id)
            .where(Inspection.published_on.is_not(None), Inspection.checked_on >= since)
            .where(Inspection.result.is_not(None), Inspection.result != "no_problem")
        ).all()
    sector = min(code for code, _ in failed)
    rows = [uscc for code, uscc in failed if code == sector]
    assert rows, "the demo city has failed checks to cite"
    at = run_page("blacklist", actor=PUBLICITY)
    at.radio[0].set_value("checks")
    at.run()
    at.selectbox(key="alert_sector").set_value(sector)
    at.date_input(key="alert_since").set_value(since)
    at.run()
    next(b for b in at.button if b.label == "套用模板").click()
    at.run()
    assert not at.exception, at.exception
    assert at.text_input(key="alert_title").value == f"关于{len(set(rows))}家企业抽查不合格的消费提示"
    assert at.text_area(key="alert_usccs").value.split("\n") == sorted(set(rows))
    assert at.text_area(key="alert_body").value.count("\n- ") == len(rows)
