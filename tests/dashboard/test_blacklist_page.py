"""黑名单与消费提示 page: sign-in required, actions offered by role, acts reach the record."""

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_pages import run_page
from traceboard.accounts.authz import Actor
from traceboard.data.models import AuditLog, BlacklistEntry, ConsumerAlert, Enterprise, Inspection, User
from traceboard.decision_dates import day_of
from traceboard.i18n import translate

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
    # the approval states its date: not before the draft (recorded today), as the form says it
    drafted = day_of(alert.drafted_at)
    office.date_input(key="alert_move_on").set_value(drafted - dt.timedelta(days=1))
    office.button(key="alert_submit").click()
    office.run()
    assert not office.exception, office.exception
    assert office.error[0].value == (
        f"消费提示转为“已审核”的日期为 {drafted - dt.timedelta(days=1)}，早于上一环节的日期 {drafted}"
    )
    office.date_input(key="alert_move_on").set_value(drafted)
    office.button(key="alert_submit").click()
    office.run()
    assert not office.exception, office.exception
    with Session(demo_engine) as s:
        approved = s.get(ConsumerAlert, alert.id)
        assert (approved.state, approved.approved_by, approved.approved_on) == (
            "approved",
            "demo-office",
            drafted,
        )


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


def add_users(engine, *users: tuple[str, str]) -> None:
    from traceboard.data.db import transaction

    with transaction(engine) as session:
        session.add_all(User(username=name, role=role) for name, role in users)


def page_with(lang: str, actor: Actor, **state) -> AppTest:
    """The page opened with some of its fields already set (as a rerun would keep them)."""
    from tests.dashboard.test_pages import APP

    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["actor"] = actor
    for key, value in state.items():
        at.session_state[key] = value
    at.run()
    at.switch_page("views/blacklist.py")
    return at.run()


def test_publicity_publishes_the_public_site_from_the_page(demo_engine, tmp_path, monkeypatch):
    out = tmp_path / "public-site"
    monkeypatch.setenv("TRACEBOARD_SITE_DIR", str(out))
    office = run_page("blacklist", actor=OFFICE)
    assert "publish_site" not in [b.key for b in office.button], "only who may publish sees the button"
    at = run_page("blacklist", actor=PUBLICITY)
    assert at.button(key="publish_site").label == "发布公开网站"
    at.button(key="publish_site").click().run()
    assert not at.exception, at.exception
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert (out / "index.html").is_file() and (out / "audit-checkpoint.json").is_file()
    assert at.success[0].value == f"公开网站已发布：{len(written)} 个文件写入 {out}。"
    with Session(demo_engine) as s:
        row = s.scalars(select(AuditLog).where(AuditLog.action == "site.publish")).one()
    assert (row.actor, row.after["out"], row.after["files"]) == ("demo-publicity", str(out), len(written))
    english = run_page("blacklist", lang="en", actor=PUBLICITY)
    assert english.button(key="publish_site").label == "Publish the public site"


def test_a_site_that_cannot_be_written_says_so_and_publishes_nothing(demo_engine, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TRACEBOARD_SITE_DIR", str(blocker / "site"))
    at = run_page("blacklist", actor=PUBLICITY)
    at.button(key="publish_site").click().run()
    assert at.error[0].value.startswith(f"公开网站未能写入 {blocker / 'site'}：")
    with Session(demo_engine) as s:
        assert s.scalars(select(AuditLog).where(AuditLog.action == "site.publish")).first() is None


def test_the_drafter_is_told_plainly_that_a_second_person_must_approve(demo_engine):
    add_users(demo_engine, ("pub-2", "publicity"))  # the demo has demo-office and demo-publicity
    with Session(demo_engine) as s:
        draft = s.scalars(select(ConsumerAlert).where(ConsumerAlert.state == "draft")).first()
    assert draft.drafted_by == "demo-publicity"
    at = run_page("blacklist", actor=PUBLICITY)
    at.selectbox(key="alert_pick").set_value(draft.id)
    at.run()
    notice = at.info[0].value
    assert notice.startswith("四眼原则：这条消费提示由您起草，须由另一位有审核权限的人员审核")
    assert "领导小组办公室、宣传工作人员" in notice and "demo-office、pub-2" in notice
    assert "demo-publicity；" not in notice and notice.count("demo-publicity") == 0
    assert at.radio(key="alert_move_to").options == ["已撤回"]
    english = page_with("en", PUBLICITY, alert_pick=draft.id)  # (AppTest words options in one language)
    assert english.info[0].value.startswith("Four-eyes rule: you drafted this alert")
    assert "Roles that may approve: Leading group office, Publicity staff" in english.info[0].value
    # an office drafter has no move at all on its own draft: the page still says why, not nothing
    from traceboard.blacklist.alerts import AlertDraft
    from traceboard.services.blacklist import draft_alert

    own = draft_alert(demo_engine, OFFICE, AlertDraft("办公室起草的提示", "正文", None, (), "info"))
    office = run_page("blacklist", actor=OFFICE)
    office.selectbox(key="alert_pick").set_value(own)
    office.run()
    assert office.info[0].value.startswith("四眼原则") and "demo-publicity、pub-2" in office.info[0].value
    assert not [r for r in office.radio if r.key == "alert_move_to"]


def failed_checks_of_a_sector(engine, since):
    """(sector code, credit codes of its published failed checks since ``since``) of the demo city."""
    from traceboard.data.models import Inspection, Sector

    with Session(engine) as s:
        failed = s.execute(
            select(Sector.code, Enterprise.uscc)
            .join(Inspection, Inspection.enterprise_id == Enterprise.id)
            .join(Sector, Sector.id == Enterprise.sector_id)
            .where(Inspection.published_on.is_not(None), Inspection.checked_on >= since)
            .where(Inspection.result.is_not(None), Inspection.result != "no_problem")
        ).all()
    sector = max(code for code, _ in failed)
    return sector, sorted({uscc for code, uscc in failed if code == sector})


def test_a_date_changed_just_before_the_click_counts_at_once(demo_engine):
    import datetime as dt

    since = dt.date(2018, 1, 1)
    sector, usccs = failed_checks_of_a_sector(demo_engine, since)
    at = run_page("blacklist", actor=PUBLICITY)
    at.radio(key="alert_kind").set_value("checks")
    at.run()
    assert (
        at.selectbox(key="alert_sector").value != sector and at.date_input(key="alert_since").value != since
    )
    at.selectbox(key="alert_sector").set_value(sector)
    at.date_input(key="alert_since").set_value(since)
    next(b for b in at.button if b.label == "套用模板").click()  # no rerun between the date and the click
    at.run()
    assert not at.exception, at.exception
    assert not at.error
    assert at.text_input(key="alert_title").value == f"关于{len(usccs)}家企业抽查不合格的消费提示"
    assert at.text_area(key="alert_usccs").value.split("\n") == usccs


def test_no_failed_checks_to_cite_is_said_in_the_session_language(demo_engine):
    import datetime as dt

    tomorrow = dt.date.today() + dt.timedelta(days=1)  # no check is recorded ahead of its day
    for lang, expected in (
        ("zh", f"{tomorrow} 以来该行业没有已公示的不合格抽查结果可以引用。"),
        ("en", f"No published failed checks of this sector since {tomorrow} to cite."),
    ):
        at = run_page("blacklist", lang=lang, actor=PUBLICITY)
        at.radio(key="alert_kind").set_value("checks")
        at.run()
        at.date_input(key="alert_since").set_value(tomorrow)
        next(b for b in at.button if b.label == translate("blacklist.use_template", lang)).click()
        at.run()
        assert at.error[0].value == expected


def test_saving_empties_the_forms(demo_engine):
    with Session(demo_engine) as s:
        free = s.scalars(
            select(Enterprise)
            .where(~Enterprise.id.in_(select(BlacklistEntry.enterprise_id)))
            .order_by(Enterprise.id)
        ).first()
    at = run_page("blacklist", actor=OFFICE)
    at.text_input(key="propose_uscc").input(free.uscc)
    at.text_area(key="propose_grounds").input("追溯信息不真实")
    at.text_input(key="propose_basis").input("《产品质量法》")
    next(b for b in at.button if b.label == "提出").click()
    at.run()
    assert not at.exception, at.exception
    assert at.success[0].value.startswith("已提出，案件编号 ")
    assert at.text_input(key="propose_uscc").value == "" and at.text_area(key="propose_grounds").value == ""
    assert at.text_input(key="propose_basis").value == ""
    at.text_input(key="alert_title").input("标题")
    at.text_area(key="alert_body").input("正文")
    next(b for b in at.button if b.label == "保存草稿").click()
    at.run()
    assert at.success[0].value.startswith("已保存草稿，编号 ")
    assert at.text_input(key="alert_title").value == "" and at.text_area(key="alert_body").value == ""
    refused = run_page("blacklist", actor=OFFICE)
    refused.text_input(key="propose_uscc").input("91430381MPYA9RU06X")
    refused.text_area(key="propose_grounds").input("追溯信息不真实")
    next(b for b in refused.button if b.label == "提出").click()
    refused.run()
    assert refused.error and refused.text_input(key="propose_uscc").value == "91430381MPYA9RU06X", (
        "a refused proposal keeps what was typed"
    )


def test_states_are_worded_in_both_languages(demo_engine):
    for lang, published, withdrawn in (("zh", "已发布", "已撤回"), ("en", "Published", "Withdrawn")):
        at = run_page("blacklist", lang=lang, actor=OFFICE)
        tables = [d.value for d in at.dataframe]
        alerts = tables[-1]  # the last tab's last table: the published alerts
        states = set(alerts.iloc[:, 4])
        assert states == {published, withdrawn}, states
        every = {str(v) for t in tables for v in t.to_numpy().ravel()}
        assert not every & {"published", "withdrawn", "draft", "approved", "listed", "expired", "revoked"}


def test_the_lists_follow_a_change_made_elsewhere(demo_engine):
    """The page's lists are kept once per data version: a case proposed by another session (or the
    command line) is in this session's queue and case picker at its next rerun."""
    from traceboard.services.blacklist import propose_case

    at = run_page("blacklist", actor=OFFICE)
    with Session(demo_engine) as s:
        listed = set(s.scalars(select(BlacklistEntry.enterprise_id)))
        enterprise = s.scalars(select(Enterprise).where(Enterprise.id.not_in(listed)).limit(1)).one()
    queued = [frame.value for frame in at.dataframe if "统一社会信用代码" in frame.value.columns]
    assert not any(enterprise.uscc in set(frame["统一社会信用代码"]) for frame in queued)
    case_id = propose_case(
        demo_engine, OFFICE, enterprise.uscc, "追溯信息不真实", None, None, dt.date.today()
    )
    at.run()
    assert not at.exception, at.exception
    queued = [frame.value for frame in at.dataframe if "统一社会信用代码" in frame.value.columns]
    assert any(enterprise.uscc in set(frame["统一社会信用代码"]) for frame in queued)
    assert any(option.startswith(f"{case_id} · ") for option in at.selectbox(key="bl_case").options)
