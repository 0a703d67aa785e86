"""公众查询 page: no sign-in, only published information, nothing personal."""

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from streamlit.testing.v1 import AppTest

from traceboard.data.models import BlacklistEntry, Enterprise

PAGE = str(
    Path(__file__).resolve().parents[2] / "src" / "traceboard" / "dashboard" / "views" / "public_lookup.py"
)


def look_up(query: str, lang: str = "zh") -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["lang"] = lang
    at.run()
    at.text_input(key="lookup_query").input(query)
    at.run()
    assert not at.exception, at.exception
    return at


def enterprise_in_state(engine, state: str) -> Enterprise:
    with Session(engine) as s:
        return s.scalars(
            select(Enterprise)
            .join(BlacklistEntry, BlacklistEntry.enterprise_id == Enterprise.id)
            .where(BlacklistEntry.state == state)
            .order_by(BlacklistEntry.id)
        ).first()


def test_a_published_listing_is_shown_without_sign_in(demo_engine):
    listed = enterprise_in_state(demo_engine, "published")
    at = look_up(listed.uscc)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["质量失信黑名单"] == "列入"
    assert metrics["政府采购：可追溯且未列入黑名单"] == "否"
    assert at.text[0].value.startswith(f"{listed.name}（{listed.uscc}）")
    cases = at.dataframe[0].value
    assert list(cases.columns)[:2] == ["列入日期", "事由"]
    assert "decided_by" not in " ".join(map(str, cases.columns)) and "办理人" not in cases.columns


def test_a_case_not_yet_published_is_not_shown(demo_engine):
    pending = enterprise_in_state(demo_engine, "listed") or enterprise_in_state(demo_engine, "notified")
    at = look_up(pending.uscc)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["质量失信黑名单"] == "未列入"
    assert all("列入日期" not in df.value.columns for df in at.dataframe)


def test_no_match_and_english(demo_engine):
    at = look_up("没有这家企业")
    assert at.info[0].value == "未找到匹配的企业。"
    listed = enterprise_in_state(demo_engine, "published")
    at = look_up(listed.uscc.lower(), lang="en")
    assert {m.label: m.value for m in at.metric}["Quality-credit blacklist"] == "Listed"


def test_the_latest_upload_of_traceability_data_is_shown(engine):
    from tests.metrics.adoption_world import USCC, seed_database, seed_feed

    seed_database(engine)
    seed_feed(engine)  # no. 1: 2020-01-10 and 2020-06-15 on the provincial platform; no. 5: 0 records
    captions = [c.value for c in look_up(USCC[1]).caption]
    assert "最近上传追溯数据：2020-06-15 (湖南省重要产品追溯管理平台)" in captions
    assert not any("最近上传" in c.value for c in look_up(USCC[5]).caption)
    english = [c.value for c in look_up(USCC[7], lang="en").caption]
    assert "Latest traceability data uploaded: 2020-04-02 (湘潭市重要产品追溯管理平台)" in english


def test_a_published_alert_naming_the_enterprise_is_shown_and_a_withdrawn_one_not(demo_engine):
    import datetime as dt

    from tests.blacklist.db_seed import drafted_on
    from traceboard.accounts.authz import Actor
    from traceboard.blacklist.alerts import AlertDraft
    from traceboard.services.blacklist import draft_alert, move_alert

    office, publicity = Actor("demo-office", "office"), Actor("demo-publicity", "publicity")
    with Session(demo_engine) as s:
        named = s.scalars(select(Enterprise).order_by(Enterprise.id.desc())).first()
    day = dt.date(2024, 3, 1)
    ids = {}
    for title in ("关于某批次食品的消费提示", "已撤回的消费提示"):
        ids[title] = draft_alert(
            demo_engine, office, AlertDraft(title, f"{title}正文", None, (named.uscc,), "warning")
        )
        drafted_on(demo_engine, ids[title], day)  # drafted then: approved and published that day
        move_alert(demo_engine, publicity, ids[title], "approved", day)
        move_alert(demo_engine, publicity, ids[title], "published", day)
    move_alert(demo_engine, publicity, ids["已撤回的消费提示"], "withdrawn", day, "核实有误")
    at = look_up(named.uscc)
    assert "**已发布的消费提示**" in [m.value for m in at.markdown]
    labels = [e.label for e in at.expander]
    assert "2024-03-01 发布：关于某批次食品的消费提示" in labels
    assert not [label for label in labels if "已撤回的消费提示" in label]
    assert "关于某批次食品的消费提示正文" in [t.value for t in at.text]
    english = look_up(named.uscc, lang="en")
    assert "2024-03-01: 关于某批次食品的消费提示" in [e.label for e in english.expander]
    other = look_up(enterprise_in_state(demo_engine, "published").uscc)
    assert not [e for e in other.expander if "关于某批次食品" in e.label]
