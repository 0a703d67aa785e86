"""Acts on the record (SQLite and PostgreSQL): one event and one audit row per move, nothing half-written."""

import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests.blacklist.db_seed import OFFICE, OFFICE2, PUBLICITY, PUBLICITY2, USCC, seed_register
from traceboard.accounts.authz import Actor, PermissionDenied
from traceboard.blacklist.alerts import AlertDraft, AlertRefused
from traceboard.blacklist.lifecycle import REPAIR_CONDITIONS, IllegalMove, Move
from traceboard.data.blacklist_store import NotFound, load_case_events, load_cases
from traceboard.data.db import transaction
from traceboard.data.models import (
    AlertEnterprise,
    AuditLog,
    BlacklistEntry,
    BlacklistEvent,
    ConsumerAlert,
    Enterprise,
    Inspection,
)
from traceboard.decision_dates import day_of
from traceboard.i18n import message_of, word
from traceboard.services import blacklist as actions

D = dt.date


def counts(engine):
    with Session(engine) as s:
        return (
            s.scalar(select(func.count()).select_from(BlacklistEvent)),
            s.scalar(select(func.count()).select_from(AuditLog)),
        )


def risk(engine, enterprise_id):
    with Session(engine) as s:
        return s.get(Enterprise, enterprise_id).risk_class


LISTED_ON = D(2025, 3, 1)


def walk_to_published(engine, ids, listed_on=LISTED_ON):
    case = actions.propose_case(
        engine,
        OFFICE,
        USCC[0],
        "追溯信息不真实",
        source_inspection_id=ids["inspection"],
        on=listed_on - dt.timedelta(days=28),
    )
    actions.move_case(engine, OFFICE, case, Move("notified", listed_on - dt.timedelta(days=19), ""))
    actions.move_case(engine, OFFICE, case, Move("listed", listed_on, "", authority="市食药工商质监局"))
    actions.move_case(engine, PUBLICITY, case, Move("published", listed_on, ""))
    return case


def test_a_case_walks_its_life_with_one_event_and_one_audit_row_per_move(engine):
    ids = seed_register(engine)
    before = counts(engine)
    case = walk_to_published(engine, ids)
    assert risk(engine, ids["enterprises"][0]) == "D"
    details = dict.fromkeys(REPAIR_CONDITIONS, True)
    actions.move_case(
        engine, OFFICE2, case, Move("repaired", D(2026, 3, 1), "", "完成信用修复", details=details)
    )
    assert counts(engine) == (before[0] + 5, before[1] + 5)
    events = load_case_events(engine, case)
    assert events[["from_state", "to_state"]].values.tolist() == [
        [None, "proposed"],
        ["proposed", "notified"],
        ["notified", "listed"],
        ["listed", "published"],
        ["published", "repaired"],
    ]
    assert events["decided_by"].tolist() == ["wang", "wang", "wang", "li", "zhao"]
    assert events["details"].iloc[2] == {"risk_class_before": "B"}
    assert events["details"].iloc[4] == details
    row = load_cases(engine).iloc[0]
    assert (row["state"], row["listed_on"], row["removed_on"], row["removal_authority"]) == (
        "repaired",
        D(2025, 3, 1),
        D(2026, 3, 1),
        "市食药工商质监局",
    )
    assert row["remedies"].startswith(
        "对列入决定有异议的"
    )  # the default remedies were recorded when notifying
    assert risk(engine, ids["enterprises"][0]) == "B", "the risk class returns to what it was before listing"
    with Session(engine) as s:
        actions_logged = s.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()[-5:]
    assert actions_logged == [
        "blacklist.propose",
        "blacklist.notified",
        "blacklist.listed",
        "blacklist.published",
        "blacklist.repaired",
    ]


def test_a_refused_move_writes_nothing(engine):
    ids = seed_register(engine)
    case = walk_to_published(engine, ids)
    before = counts(engine)
    early = Move("repaired", D(2026, 2, 28), "", "修复", details=dict.fromkeys(REPAIR_CONDITIONS, True))
    with pytest.raises(IllegalMove, match="possible from 2026-03-01"):
        actions.move_case(engine, OFFICE, case, early)
    with pytest.raises(IllegalMove, match="allowed from published: expired, repaired, revoked"):
        actions.move_case(engine, OFFICE, case, Move("notified", D(2026, 3, 1), ""))
    with pytest.raises(PermissionDenied):
        actions.move_case(engine, PUBLICITY, case, Move("revoked", D(2026, 3, 1), "", "错误"))
    with pytest.raises(NotFound, match="no blacklist case 999"):
        actions.move_case(engine, OFFICE, 999, Move("notified", D(2026, 3, 1), ""))
    assert counts(engine) == before
    assert load_cases(engine).iloc[0]["state"] == "published"


def test_proposals_check_department_open_cases_and_the_source_inspection(engine):
    ids = seed_register(engine)
    outsider = Actor("li", "inspector", department_id=ids["other_department"])
    with pytest.raises(PermissionDenied, match="outside the user's own department"):
        actions.propose_case(engine, outsider, USCC[0], "事由", on=D(2026, 1, 1))
    insider = Actor("li", "inspector", department_id=ids["department"])
    with pytest.raises(IllegalMove, match=f"inspection {ids['inspection']} is not a check of {USCC[1]}"):
        actions.propose_case(engine, insider, USCC[1], "事由", source_inspection_id=ids["inspection"])
    before = counts(engine)
    with pytest.raises(IllegalMove) as early:  # the seeded check of USCC[0] was on 2022-12-05
        actions.propose_case(
            engine, OFFICE, USCC[0], "事由", source_inspection_id=ids["inspection"], on=D(2022, 12, 4)
        )
    assert message_of(early.value).code == "refusals.proposal_before_check"
    assert word(early.value.args[0], "zh") == (
        f"拟列入的日期为 2022-12-04，早于其所依据的检查记录 {ids['inspection']} 的检查日期 2022-12-05；"
        "拟列入不能早于它引用的检查"
    )
    assert counts(engine) == before
    same_day = actions.propose_case(
        engine, OFFICE, USCC[0], "事由", source_inspection_id=ids["inspection"], on=D(2022, 12, 5)
    )
    actions.move_case(engine, OFFICE, same_day, Move("rejected", D(2022, 12, 6), "", reason="误报"))
    case = actions.propose_case(engine, insider, USCC[0].lower(), "事由", on=D(2026, 1, 1))
    with pytest.raises(IllegalMove, match=f"already has an open case: {case}"):
        actions.propose_case(engine, OFFICE, USCC[0], "事由")
    with pytest.raises(NotFound, match="no enterprise with credit code"):
        actions.propose_case(engine, OFFICE, "91430381MPYA9RU06X", "事由")
    with pytest.raises(IllegalMove, match="grounds"):
        actions.propose_case(engine, OFFICE, USCC[1], "  ")


def test_expire_moves_every_due_listing_at_its_expiry_date(engine):
    ids = seed_register(engine)
    case = walk_to_published(engine, ids, listed_on=D(2023, 3, 1))
    before = counts(engine)
    assert actions.expire_cases(engine, OFFICE, D(2026, 2, 28)) == []
    assert counts(engine) == before
    assert actions.expire_cases(engine, OFFICE, D(2026, 3, 1)) == [(case, D(2026, 3, 1))]
    row = load_cases(engine).iloc[0]
    assert (row["state"], row["removed_on"], row["removal_reason"]) == (
        "expired",
        D(2026, 3, 1),
        "列入期满3年",
    )
    assert risk(engine, ids["enterprises"][0]) == "B"
    with pytest.raises(PermissionDenied):
        actions.expire_cases(engine, PUBLICITY, D(2026, 3, 1))


def drafted_days_ago(engine, alert_id: int, days: int) -> dt.date:
    """Put the draft's recording ``days`` back (as if drafted then); return the draft's day."""
    with transaction(engine) as s:
        alert = s.get(ConsumerAlert, alert_id)
        alert.drafted_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        return day_of(alert.drafted_at)


def test_alerts_need_a_second_person_and_keep_their_history(engine):
    seed_register(engine)
    alert_id = actions.draft_alert(engine, PUBLICITY, AlertDraft("标题", "正文", "food", (USCC[1], USCC[0])))
    drafted = drafted_days_ago(engine, alert_id, 10)
    with pytest.raises(AlertRefused, match="li drafted this alert; another user must approve it"):
        actions.move_alert(engine, PUBLICITY, alert_id, "approved")
    with pytest.raises(AlertRefused, match="allowed from draft: approved, withdrawn"):
        actions.move_alert(engine, PUBLICITY2, alert_id, "published")
    before = counts(engine)
    with pytest.raises(AlertRefused) as early:  # an approval is not dated before the draft
        actions.move_alert(engine, OFFICE, alert_id, "approved", drafted - dt.timedelta(days=1))
    assert message_of(early.value).code == "refusals.date_before_previous"
    assert word(early.value.args[0], "zh").startswith(
        f"消费提示转为“已审核”的日期为 {drafted - dt.timedelta(days=1)}，早于上一环节的日期 {drafted}"
    )
    with pytest.raises(AlertRefused) as ahead:  # nor after today
        actions.move_alert(engine, OFFICE, alert_id, "approved", dt.date.today() + dt.timedelta(days=1))
    assert message_of(ahead.value).code == "refusals.date_ahead"
    assert counts(engine) == before
    approved = actions.move_alert(engine, OFFICE, alert_id, "approved", drafted + dt.timedelta(days=2))
    assert (approved["approved_by"], approved["approved_on"]) == ("wang", drafted + dt.timedelta(days=2))
    with pytest.raises(PermissionDenied):
        actions.move_alert(engine, OFFICE, alert_id, "published")
    with pytest.raises(AlertRefused) as unapproved:  # a publication is not dated before the approval
        actions.move_alert(engine, PUBLICITY2, alert_id, "published", drafted + dt.timedelta(days=1))
    assert word(unapproved.value.args[0], "en") == (
        f"the alert published is dated {drafted + dt.timedelta(days=1)}, "
        f"before the previous step on {drafted + dt.timedelta(days=2)}"
    )
    published_on, withdrawn_on = drafted + dt.timedelta(days=2), drafted + dt.timedelta(days=6)
    actions.move_alert(engine, PUBLICITY2, alert_id, "published", published_on)
    after = actions.move_alert(engine, PUBLICITY, alert_id, "withdrawn", withdrawn_on, "更正")
    assert (after["state"], after["published_on"], after["withdrawn_on"], after["withdrawn_reason"]) == (
        "withdrawn",
        published_on,
        withdrawn_on,
        "更正",
    )
    with Session(engine) as s:
        assert s.scalar(select(func.count()).select_from(AlertEnterprise)) == 2
        assert s.get(ConsumerAlert, alert_id).approved_at is not None
        logged = s.scalars(select(AuditLog.action).where(AuditLog.entity == "consumer_alert")).all()
        approval = s.scalars(select(AuditLog).where(AuditLog.action == "alert.approved")).one()
    assert logged == ["alert.draft", "alert.approved", "alert.published", "alert.withdrawn"]
    assert approval.after["approved_on"] == str(drafted + dt.timedelta(days=2))  # stated, beside ``at``
    with pytest.raises(NotFound, match="unknown sector 'toys'"):
        actions.draft_alert(engine, PUBLICITY, AlertDraft("标题", "正文", "toys"))


def test_suggestions_come_from_recorded_results(engine):
    ids = seed_register(engine)
    found = actions.suggest_cases(engine)
    assert found[["uscc", "rule", "inspection_id"]].values.tolist() == [
        [USCC[0], "false_trace_info", ids["inspection"]]
    ]
    actions.propose_case(engine, OFFICE, USCC[0], "事由")
    assert actions.suggest_cases(engine).empty


def test_suggestions_read_only_the_results_the_rules_look_at(demo_engine):
    from traceboard.blacklist.rules import proposal_rules, suggest_proposals
    from traceboard.data.public_record import load_check_results

    with transaction(demo_engine) as session:  # a false-information check; two failures in a year
        listed = set(session.scalars(select(BlacklistEntry.enterprise_id)))
        free = session.scalars(select(Enterprise).where(Enterprise.id.not_in(listed)).limit(2)).all()
        today = dt.date.today()
        for enterprise, days_ago, result in (
            (free[0], 3, "false_trace_info"),
            (free[1], 300, "rectification_ordered"),
            (free[1], 200, "no_problem"),
            (free[1], 10, "no_traceability"),
        ):
            session.add(
                Inspection(
                    enterprise_id=enterprise.id,
                    department_id=enterprise.department_id,
                    checked_on=today - dt.timedelta(days=days_ago),
                    result=result,
                    recorded_by="demo-inspector",
                )
            )
    every = load_check_results(demo_engine)
    rules = proposal_rules(actions.load_blacklist_rules())
    assert set(every["result"]) - set(rules.results())  # the demo has checks that suggest nothing
    expected = suggest_proposals(every, load_cases(demo_engine), rules)
    found = actions.suggest_cases(demo_engine)
    assert {free[0].id, free[1].id} <= set(expected["enterprise_id"])
    pd.testing.assert_frame_equal(found[expected.columns], expected)


def test_enterprises_in_force_are_known_to_sampling(engine):
    from traceboard.data.blacklist_store import load_listed_enterprise_ids

    ids = seed_register(engine)
    case = walk_to_published(engine, ids)
    assert load_listed_enterprise_ids(engine) == {ids["enterprises"][0]}
    actions.move_case(engine, OFFICE, case, Move("revoked", D(2025, 4, 1), "", "列入错误"))
    assert load_listed_enterprise_ids(engine) == set()
