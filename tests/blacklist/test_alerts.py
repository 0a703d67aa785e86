import datetime as dt

import pytest

from traceboard.blacklist.alerts import (
    ALERT_MOVES,
    AlertDraft,
    AlertRefused,
    check_draft,
    draft_from_checks,
    draft_from_listing,
    draft_from_sector,
    plan_alert_move,
)
from traceboard.data.blacklist_config import load_alert_templates
from traceboard.data.models import ALERT_STATES
from traceboard.decision_dates import day_of

D = dt.date(2026, 3, 1)
LEGAL = {
    ("draft", "approved"),
    ("draft", "withdrawn"),
    ("approved", "published"),
    ("approved", "withdrawn"),
    ("published", "withdrawn"),
}


def test_alert_states_match_the_schema():
    assert set(ALERT_MOVES) == set(ALERT_STATES)


@pytest.mark.parametrize("state", ALERT_STATES)
@pytest.mark.parametrize("to_state", ALERT_STATES)
def test_every_alert_move(state, to_state):
    alert = {"state": state, "drafted_by": "zhang"}
    if (state, to_state) not in LEGAL:
        with pytest.raises(
            AlertRefused, match=f"cannot move a {state} alert to {to_state}; allowed from {state}"
        ):
            plan_alert_move(alert, to_state, "li", D, "复核更正")
        return
    expected = {
        "approved": {"state": "approved", "approved_by": "li", "approved_on": D},
        "published": {"state": "published", "published_on": D},
        "withdrawn": {"state": "withdrawn", "withdrawn_on": D, "withdrawn_reason": "复核更正"},
    }[to_state]
    assert plan_alert_move(alert, to_state, "li", D, " 复核更正 ") == expected


def test_the_drafter_cannot_approve_and_a_withdrawal_needs_a_reason():
    with pytest.raises(AlertRefused, match="zhang drafted this alert; another user must approve it"):
        plan_alert_move({"state": "draft", "drafted_by": "zhang"}, "approved", "zhang", D)
    with pytest.raises(AlertRefused, match="needs a reason"):
        plan_alert_move({"state": "published", "drafted_by": "zhang"}, "withdrawn", "li", D, "")


def test_each_step_is_dated_not_before_the_one_before_it():
    drafted = dt.datetime(2026, 2, 26, 2, 0, tzinfo=dt.UTC)  # the draft's day on this machine's clock
    draft = {"state": "draft", "drafted_by": "zhang", "drafted_at": drafted}
    draft_day = day_of(drafted)
    refused = draft_day - dt.timedelta(days=1)
    with pytest.raises(AlertRefused, match=f"dated {refused}, before the previous step on {draft_day}"):
        plan_alert_move(draft, "approved", "li", refused)
    assert plan_alert_move(draft, "approved", "li", draft_day)["approved_on"] == draft_day
    approved = {**draft, "state": "approved", "approved_on": D}
    with pytest.raises(AlertRefused, match=f"before the previous step on {D}"):
        plan_alert_move(approved, "published", "li", D - dt.timedelta(days=1))
    with pytest.raises(AlertRefused, match=f"before the previous step on {D}"):  # nor withdrawn earlier
        plan_alert_move(approved, "withdrawn", "li", D - dt.timedelta(days=1), "撤回")
    assert plan_alert_move(approved, "published", "li", D) == {"state": "published", "published_on": D}
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    with pytest.raises(AlertRefused, match=f"dated {tomorrow}, after today"):
        plan_alert_move(approved, "published", "li", tomorrow)


def test_check_draft():
    draft = check_draft(AlertDraft("  标题 ", " 正文 ", "food", ("91430381mpya9ru06c",), "warning"))
    assert (draft.title, draft.body, draft.usccs) == ("标题", "正文", ("91430381MPYA9RU06C",))
    with pytest.raises(AlertRefused, match="title and a body"):
        check_draft(AlertDraft("标题", "  "))
    with pytest.raises(AlertRefused, match="unknown severity 'loud'"):
        check_draft(AlertDraft("标题", "正文", severity="loud"))
    with pytest.raises(AlertRefused, match="301 characters long"):
        check_draft(AlertDraft("字" * 301, "正文"))


def test_templates_by_sector_listing_and_checks():
    templates = load_alert_templates()
    draft = draft_from_sector(templates, "food", "食品")
    assert draft.title == "关于选购可追溯食品的消费提示"
    assert (draft.sector, draft.template, draft.severity) == ("food", "sector:food", "info")
    with pytest.raises(AlertRefused, match="no alert template for sector 'toys'"):
        draft_from_sector(templates, "toys", "玩具")
    entry = {
        "state": "published",
        "name": "某公司",
        "uscc": "91430381MPYA9RU06C",
        "grounds": "追溯信息不真实",
        "listed_on": dt.date(2025, 2, 6),
        "sector_code": "food",
    }
    draft = draft_from_listing(templates, entry)
    assert draft.title == "关于某公司列入质量失信黑名单的消费提示"
    assert "于2025-02-06被列入" in draft.body and draft.usccs == ("91430381MPYA9RU06C",)
    with pytest.raises(AlertRefused, match="published listing only; this case is listed"):
        draft_from_listing(templates, {**entry, "state": "listed"})
    checks = [
        {"name": "乙", "uscc": "B2", "checked_on": dt.date(2026, 1, 2), "result_label": "产品质量不合格"},
        {"name": "甲", "uscc": "A1", "checked_on": dt.date(2026, 1, 3), "result_label": "追溯信息不真实"},
    ]
    draft = draft_from_checks(templates, checks, "food")
    assert draft.title == "关于2家企业抽查不合格的消费提示"
    assert draft.body.endswith("- 乙（B2）2026-01-02 产品质量不合格\n- 甲（A1）2026-01-03 追溯信息不真实")
    assert draft.usccs == ("A1", "B2")


def test_a_withdrawal_may_not_precede_the_publication():
    published = {"state": "published", "drafted_by": "a", "published_on": dt.date(2026, 5, 2)}
    with pytest.raises(AlertRefused, match="before the alert was published on 2026-05-02"):
        plan_alert_move(published, "withdrawn", "b", dt.date(2026, 5, 1), reason="错误")
    assert plan_alert_move(published, "withdrawn", "b", dt.date(2026, 5, 2), reason="错误")["withdrawn_on"]
