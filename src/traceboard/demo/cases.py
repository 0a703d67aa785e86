"""A few blacklist cases and consumer alerts in different states, with their histories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import update
from sqlalchemy.orm import Session

from traceboard.data.models import AlertEnterprise, BlacklistEntry, BlacklistEvent, ConsumerAlert, Enterprise

LEGAL_BASIS = (
    "《国务院关于建立完善守信联合激励和失信联合惩戒制度加快推进社会诚信建设的指导意见》（国发〔2016〕33号）"
)
REMEDIES = (
    "对列入决定有异议的，可自收到告知书之日起10个工作日内向作出决定的部门书面提出异议；"
    "对决定不服的，可自知道之日起60日内申请行政复议，或6个月内提起行政诉讼。"
)
GROUNDS = {
    "false_trace_info": "随机抽查发现追溯信息不真实，经责令改正拒不改正",
    "quality_failure": "产品质量抽检不合格，存在重大安全隐患",
    "obstruction": "拒不配合监督检查，情节严重",
}
# The last state each case reaches, in turn; each needs the case to be old enough.
FINAL_STATES = ["published", "listed", "proposed", "notified", "repaired", "expired", "revoked", "published"]
PATHS = {
    "proposed": ["proposed"],
    "notified": ["proposed", "notified"],
    "listed": ["proposed", "notified", "listed"],
    "published": ["proposed", "notified", "listed", "published"],
    "repaired": ["proposed", "notified", "listed", "published", "repaired"],
    "expired": ["proposed", "notified", "listed", "published", "expired"],
    "revoked": ["proposed", "notified", "listed", "published", "revoked"],
}
STEP_DAYS = {
    "proposed": 10,
    "notified": 7,
    "listed": 20,
    "published": 3,
    "repaired": 420,
    "expired": 1096,
    "revoked": 60,
}


def add_blacklist_cases(
    session: Session,
    rng: np.random.Generator,
    inspections: pd.DataFrame,
    authority: dict[int, str],
    count: int,
    as_of: dt.date,
) -> int:
    """Open ``count`` cases from serious check results, walking each to a state it is old enough for."""
    serious = inspections[inspections["result"].isin(list(GROUNDS))]
    serious = serious.drop_duplicates("enterprise_id").sort_values("checked_on")
    picked = serious.iloc[np.sort(rng.choice(len(serious), size=min(count, len(serious)), replace=False))]
    for i, check in enumerate(picked.itertuples()):
        path = _reachable(PATHS[FINAL_STATES[i % len(FINAL_STATES)]], check.checked_on.date(), as_of)
        _add_case(session, check, path, authority[check.department_id])
    return len(picked)


def _reachable(path: list[str], start: dt.date, as_of: dt.date) -> list[tuple[str, dt.date]]:
    out, day = [], start
    for state in path:
        day = day + dt.timedelta(days=STEP_DAYS[state])
        if day > as_of:
            break
        out.append((state, day))
    return out or [("proposed", as_of)]


def _add_case(session: Session, check, path: list[tuple[str, dt.date]], authority: str) -> None:
    dates = dict(path)
    final = path[-1][0]
    removed = final in ("repaired", "expired", "revoked")
    entry = BlacklistEntry(
        enterprise_id=int(check.enterprise_id),
        state=final,
        grounds=GROUNDS[check.result],
        legal_basis=LEGAL_BASIS,
        authority=authority if "listed" in dates else None,
        remedies=REMEDIES,
        source_inspection_id=int(check.id),
        proposed_on=dates["proposed"],
        listed_on=dates.get("listed"),
        published_on=dates.get("published"),
        removed_on=path[-1][1] if removed else None,
        removal_reason={
            "repaired": "完成信用修复",
            "expired": "列入期满三年",
            "revoked": "列入依据有误，予以撤销",
        }.get(final),
        removal_authority=authority if removed else None,
    )
    session.add(entry)
    session.flush()
    if final in ("listed", "published"):  # a case in force puts the enterprise in risk class D
        session.execute(update(Enterprise).where(Enterprise.id == entry.enterprise_id).values(risk_class="D"))
    previous = None
    for state, day in path:
        details = (
            {
                "obligations_fulfilled": True,
                "rectified": True,
                "no_new_serious_penalty": True,
                "credit_commitment_signed": True,
            }
            if state == "repaired"
            else {}
        )
        session.add(
            BlacklistEvent(
                entry_id=entry.id,
                from_state=previous,
                to_state=state,
                occurred_on=day,
                reason=GROUNDS[check.result] if state == "proposed" else None,
                legal_basis=LEGAL_BASIS,
                authority=authority,
                details=details,
                decided_by="demo-office",
            )
        )
        previous = state


ALERTS = [
    (
        "food",
        "关于选购可追溯肉制品的消费提示",
        "购买肉制品时请认准产品追溯码，扫码可查询产地、检验和流通信息。",
        "published",
    ),
    (
        "farm-input",
        "春耕时节农资选购消费提示",
        "请到证照齐全的农资门店购买农药、种子、肥料，索要票据并核对追溯标识。",
        "published",
    ),
    (
        "special-equipment",
        "电梯安全使用消费提示",
        "乘梯时请留意电梯安全检验合格标志及维保记录，发现异常及时报告。",
        "published",
    ),
    (
        "hazardous",
        "春节期间烟花爆竹安全燃放提示",
        "请在正规网点购买有追溯标识的烟花爆竹，远离易燃物安全燃放。",
        "approved",
    ),
    (
        "drug",
        "谨慎网购处方药的消费提示",
        "请通过合法渠道购药，药品最小销售单位上的追溯码可用于核验真伪。",
        "draft",
    ),
    ("farm", "关于蔬菜农药残留的消费提示", "经复核，该提示所涉抽检结果已更正。", "withdrawn"),
]


def add_alerts(
    session: Session, sector_ids: dict[str, int], enterprise_ids: list[int], as_of: dt.date
) -> int:
    """The demo's consumer alerts, one per state at least."""
    for i, (sector, title, body, state) in enumerate(ALERTS):
        drafted = as_of - dt.timedelta(days=300 - 45 * i)
        approved = state in ("approved", "published", "withdrawn")
        alert = ConsumerAlert(
            title=title,
            body=body,
            sector_id=sector_ids[sector],
            severity="warning" if i % 2 else "info",
            state=state,
            drafted_by="demo-publicity",
            drafted_at=dt.datetime.combine(drafted, dt.time(9, 30), dt.UTC),
            approved_by="demo-leader" if approved else None,
            approved_at=dt.datetime.combine(drafted + dt.timedelta(days=2), dt.time(15), dt.UTC)
            if approved
            else None,
            approved_on=drafted + dt.timedelta(days=2) if approved else None,
            published_on=drafted + dt.timedelta(days=3) if state in ("published", "withdrawn") else None,
            withdrawn_on=drafted + dt.timedelta(days=20) if state == "withdrawn" else None,
            withdrawn_reason="抽检结果经复核更正" if state == "withdrawn" else None,
        )
        session.add(alert)
        session.flush()
        if enterprise_ids and i == 0:
            session.add(AlertEnterprise(alert_id=alert.id, enterprise_id=enterprise_ids[0]))
    return len(ALERTS)
