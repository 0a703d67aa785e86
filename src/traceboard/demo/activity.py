"""The synthetic city's work: inspectors, checks, milestones, publicity, blacklist, alerts."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from traceboard.data import vocabulary
from traceboard.data.frame import to_day
from traceboard.demo.names import make_person_names
from traceboard.demo.register import EPOCH, as_dates

CHECK_ITEMS = ["追溯体系建立情况", "追溯信息真实性", "产品质量"]
FAILURES = [
    "rectification_ordered",
    "no_traceability",
    "false_trace_info",
    "quality_failure",
    "obstruction",
    "unreachable",
]
FAILURE_WEIGHTS = np.array([0.55, 0.16, 0.08, 0.12, 0.03, 0.06])
CONFLICT_REASONS = ["近亲属在该企业任职", "曾在该企业任职未满三年", "与企业负责人有利害关系"]
PLAN_ELEMENTS = list(vocabulary.PLAN_ELEMENTS)
MILESTONE_DUE = {
    "plan_submitted": dt.date(2017, 12, 31),
    "platform_built": dt.date(2019, 7, 31),
    "platform_interconnected": dt.date(2020, 12, 31),
}
PUBLICITY_KINDS = ["宣传周活动", "进社区宣传", "企业培训会", "媒体报道"]
XIANGTAN_COUNTIES = ("湘乡市", "湘潭县", "韶山市", "雨湖区", "岳塘区")


MIN_INSPECTORS = 4  # per department, however few enterprises it supervises
MIN_ACTIVE_INSPECTORS = 4  # per department: pairs can be drawn around a home-township recusal


def draw_inspectors(rng: np.random.Generator, ent: pd.DataFrame, townships: pd.Series) -> pd.DataFrame:
    """About one inspector per 100 enterprises, in the departments that supervise them (≥ 4 each);
    about 5 % inactive, but at least ``MIN_ACTIVE_INSPECTORS`` of each department active (a pool
    of two, one of them at home in a drawn enterprise's township, could not pair it)."""
    per_dept = ent["department_id"].value_counts().sort_index()
    counts = np.maximum(MIN_INSPECTORS, np.round(per_dept.to_numpy() / 100).astype(int))
    dept = np.repeat(per_dept.index.to_numpy(), counts)
    n = len(dept)
    seq = np.concatenate([np.arange(1, c + 1) for c in counts])
    dept_rank = np.repeat(np.arange(1, len(counts) + 1), counts)
    inspectors = pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "cert_no": [f"湘执{d:02d}{s:05d}" for d, s in zip(dept_rank, seq, strict=True)],
            "name": make_person_names(rng, n),
            "department_id": dept,
            "home_township_id": townships.to_numpy()[rng.integers(0, len(townships), n)],
            "active": rng.random(n) < 0.95,
        }
    )
    # a department short of active inspectors has its first inactive ones back (no draw used)
    short = MIN_ACTIVE_INSPECTORS - inspectors.groupby("department_id")["active"].transform("sum")
    inactive_rank = (~inspectors["active"]).groupby(inspectors["department_id"]).cumsum()
    inspectors.loc[~inspectors["active"] & (inactive_rank <= short), "active"] = True
    return inspectors


def draw_conflicts(rng: np.random.Generator, inspectors: pd.DataFrame, ent: pd.DataFrame) -> pd.DataFrame:
    """Declared conflicts: about 8 % of inspectors, one or two enterprises of their department each."""
    rows = []
    by_dept = {d: g["id"].to_numpy() for d, g in ent.groupby("department_id")}
    for ins in inspectors[rng.random(len(inspectors)) < 0.08].itertuples():
        pool = by_dept[ins.department_id]
        for ent_id in rng.choice(pool, size=min(len(pool), int(rng.integers(1, 3))), replace=False):
            rows.append((ins.id, int(ent_id), CONFLICT_REASONS[int(rng.integers(0, 3))]))
    frame = pd.DataFrame(rows, columns=["inspector_id", "enterprise_id", "reason"])
    frame["declared_on"] = pd.Timestamp("2018-01-15")
    return frame.drop_duplicates(["inspector_id", "enterprise_id"]).reset_index(drop=True)


def draw_inspections(
    rng: np.random.Generator, ent: pd.DataFrame, first_adoption: pd.Series, as_of: dt.date
) -> pd.DataFrame:
    """Random checks 2018 to ``as_of``: about 4 % of active enterprises a year, riskier ones more often."""
    frames = []
    latent = ent["_latent"].to_numpy()
    adopt_day = first_adoption.reindex(ent["id"]).fillna(np.iinfo(np.int32).max).to_numpy()
    for year in range(2018, as_of.year + 1):
        start, end = to_day(dt.date(year, 1, 1)), min(to_day(dt.date(year, 12, 31)), to_day(as_of))
        active = (ent["_registered_days"].to_numpy() < start) & (ent["_closed_days"].to_numpy() > end)
        chance = 0.04 * (0.6 + 4 * latent) * (end - start + 1) / 365
        picked = np.flatnonzero(active & (rng.random(len(ent)) < chance))
        day = rng.integers(start, end + 1, size=picked.size)
        adopted = adopt_day[picked] <= day
        p_fail = np.clip(latent[picked] * 1.6 + np.where(adopted, 0.0, 0.08), 0, 0.9)
        fails = rng.random(picked.size) < p_fail
        result = np.where(fails, rng.choice(FAILURES, size=picked.size, p=FAILURE_WEIGHTS), "no_problem")
        result = np.where((result == "no_traceability") & adopted, "false_trace_info", result)
        frames.append(pd.DataFrame({"_idx": picked, "_day": day, "result": result}))
    checks = pd.concat(frames, ignore_index=True).sort_values(["_day", "_idx"], kind="stable")
    n = len(checks)
    day = checks["_day"].to_numpy()
    failed = checks["result"].to_numpy() != "no_problem"
    needs_fix = np.isin(checks["result"].to_numpy(), FAILURES[:4])
    publish_day = day + np.where(rng.random(n) < 0.88, rng.integers(3, 26, n), rng.integers(30, 60, n))
    fixed_day = day + rng.integers(5, 50, n)
    fixed = needs_fix & (rng.random(n) < 0.85) & (fixed_day <= to_day(as_of))
    findings = np.where(failed, "检查发现问题，详见检查记录", None)
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1),
            "enterprise_id": ent["id"].to_numpy()[checks["_idx"]],
            "department_id": ent["department_id"].to_numpy()[checks["_idx"]],
            "checked_on": as_dates(day),
            "check_items": [CHECK_ITEMS] * n,
            "result": checks["result"].to_numpy(),
            "findings": findings,
            "major_hazard": (checks["result"].to_numpy() == "quality_failure") & (rng.random(n) < 0.3),
            "rectification_due_on": as_dates(day + 30, needs_fix),
            "rectified_on": as_dates(fixed_day, fixed),
            "published_on": as_dates(publish_day, publish_day <= to_day(as_of)),
            "recorded_by": "demo",
        }
    )


def draw_milestones(rng: np.random.Generator, lead_departments: list[int], as_of: dt.date) -> pd.DataFrame:
    """Plan submitted / platform built / interconnected per lead department; some late, some missing."""
    rows = []
    for dept in lead_departments:
        for kind, due in MILESTONE_DUE.items():
            slip = int(rng.choice([-40, -10, 0, 25, 90, 400], p=[0.3, 0.3, 0.15, 0.12, 0.08, 0.05]))
            achieved = due + dt.timedelta(days=slip)
            elements = PLAN_ELEMENTS if rng.random() < 0.75 else PLAN_ELEMENTS[: int(rng.integers(4, 7))]
            rows.append(
                {
                    "department_id": dept,
                    "kind": kind,
                    "due_on": due,
                    "achieved_on": achieved if achieved <= as_of else None,
                    "elements": elements if kind == "plan_submitted" else [],
                    "note": None,
                }
            )
    return pd.DataFrame(rows)


def draw_township_milestones(rng: np.random.Generator, owed: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The milestones the plan's timetable gives the townships (unit_id, kind, due_on): most on
    time, some late, about one in eight never recorded (逾期未报)."""
    slip = rng.choice([-60, -20, 0, 30, 120, 10_000], size=len(owed), p=[0.3, 0.3, 0.15, 0.1, 0.03, 0.12])
    due = pd.to_datetime(owed["due_on"]).dt.date.to_numpy()
    achieved = [d + dt.timedelta(days=int(s)) for d, s in zip(due, slip, strict=True)]
    return pd.DataFrame(
        {
            "department_id": owed["unit_id"].to_numpy(),  # the unit owing it (a township here)
            "kind": owed["kind"].to_numpy(),
            "due_on": due,
            "achieved_on": [a if a <= as_of else None for a in achieved],
            "elements": [[] for _ in achieved],
            "note": None,
        }
    )


DUTY_RECORD_KINDS = ["制度文件", "工作会议", "资金拨付", "督查检查", "培训指导"]


def draw_duty_records(
    rng: np.random.Generator, carriers: pd.DataFrame, duty_names: dict[int, str], as_of: dt.date
) -> pd.DataFrame:
    """Work-ledger entries (工作台账) from 2018: each department records each of its duties in a
    year with some chance of its own (some departments keep their ledgers better than others),
    one to three entries when it does; money entries carry an amount in yuan."""
    diligence = {d: float(rng.uniform(0.35, 0.95)) for d in carriers["department_id"].unique()}
    rows = []
    for year in range(2018, as_of.year + 1):
        for duty, dept in carriers[["duty_id", "department_id"]].itertuples(index=False):
            if rng.random() > diligence[dept]:
                continue
            for n in range(int(rng.integers(1, 4))):
                day = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
                if day > as_of:
                    continue
                kind = DUTY_RECORD_KINDS[int(rng.integers(0, len(DUTY_RECORD_KINDS)))]
                rows.append(
                    {
                        "unit_id": dept,
                        "duty_id": duty,
                        "occurred_on": day,
                        "kind": kind,
                        "amount": float(rng.integers(5, 200)) * 10_000 if kind == "资金拨付" else None,
                        "enterprise_id": None,
                        "document_no": f"湘{year}{int(dept):02d}{int(duty):02d}{n + 1:02d}号",
                        "note": f"{year}年{duty_names[duty]}",
                    }
                )
    return pd.DataFrame(rows)


def draw_publicity(rng: np.random.Generator, units: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Publicity activities of every unit, a few a year."""
    rows = []
    seen: dict[tuple, int] = {}  # an activity is known by unit, day and title: a second one is numbered
    for unit in units.itertuples():
        for year in range(2017, as_of.year + 1):
            for _ in range(int(rng.poisson(1.6 if unit.kind == "department" else 1.2))):
                held = dt.date(year, 1, 1) + dt.timedelta(days=int(rng.integers(0, 365)))
                if held <= as_of:
                    kind = PUBLICITY_KINDS[int(rng.integers(0, len(PUBLICITY_KINDS)))]
                    title = f"{year}年{unit.name}重要产品追溯{kind}"
                    seen[unit.id, held, title] = seen.get((unit.id, held, title), 0) + 1
                    if seen[unit.id, held, title] > 1:
                        title += f"（第{seen[unit.id, held, title]}场）"
                    rows.append(
                        {
                            "unit_id": unit.id,
                            "held_on": held,
                            "kind": kind,
                            "title": title,
                            "participants": int(rng.integers(20, 400)),
                        }
                    )
    return pd.DataFrame(rows)


def draw_reports(rng: np.random.Generator, township_ids: list[int], as_of: dt.date) -> pd.DataFrame:
    """Quarterly progress reports owed by township-level units since 2018; most on time."""
    rows = []
    for year in range(2018, as_of.year + 1):
        for quarter in range(1, 5):
            end = (pd.Timestamp(year=year, month=3 * quarter, day=1) + pd.offsets.MonthEnd(0)).date()
            due = end + dt.timedelta(days=10)
            if due > as_of:
                continue
            for unit in township_ids:
                u = rng.random()
                offset = -int(rng.integers(0, 10)) if u < 0.85 else int(rng.integers(1, 21))
                rows.append(
                    {
                        "unit_id": unit,
                        "period": f"{year}Q{quarter}",
                        "due_on": due,
                        "submitted_on": None if u > 0.97 else due + dt.timedelta(days=offset),
                    }
                )
    return pd.DataFrame(rows)


def first_adoption_days(events: pd.DataFrame) -> pd.Series:
    """Day number (since 1970) of each enterprise's first adoption."""
    adopted = events[events["kind"] == "adopted"]
    days = (adopted["occurred_on"].to_numpy().astype("datetime64[D]") - EPOCH).astype(np.int64)
    return pd.Series(days, index=adopted["enterprise_id"].to_numpy()).groupby(level=0).min()


def draw_county_rates(rng: np.random.Generator, as_of: dt.date) -> pd.DataFrame:
    """The adoption rates 湘潭市 published for its counties each year up to the year before ``as_of``."""
    rows = []
    start = rng.uniform(0.15, 0.35, len(XIANGTAN_COUNTIES))
    for year in range(2018, as_of.year):
        start = np.minimum(0.98, start + rng.uniform(0.03, 0.12, len(start)))
        rows += [
            {"county": c, "year": year, "rate": round(float(r), 4), "source": f"湘潭市{year}年度通报"}
            for c, r in zip(XIANGTAN_COUNTIES, start, strict=True)
        ]
    return pd.DataFrame(rows)
