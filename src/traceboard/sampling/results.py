"""What is published and printed from a draw: check lists and the results file (issue 6, parts 7–8).

Pure tables: assignments in (as ``traceboard.data.inspection_store.load_assignments``
gives them), DataFrames with Chinese headers out. The published words of each
result are those of the national practice (the comments of ``INSPECTION_RESULTS``).
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from traceboard.data.vocabulary import RESULT_LABELS
from traceboard.workdays import publication_due_each

CHECKLIST_COLUMNS = {
    "position": "序号",
    "enterprise": "企业名称",
    "uscc": "统一社会信用代码",
    "township": "乡镇（街道）",
    "sector": "行业",
    "check_items": "检查事项",
    "inspectors": "检查人员",
    "drawn_on": "抽取日期",
    "due_on": "检查截止日期",
}
RESULT_COLUMNS = {
    "enterprise": "企业名称",
    "uscc": "统一社会信用代码",
    "township": "乡镇（街道）",
    "sector": "行业",
    "department": "检查部门",
    "checked_on": "检查日期",
    "result_label": "检查结果",
    "findings": "问题描述",
    "rectification_due_on": "整改期限",
    "rectified_on": "整改完成日期",
    "published_on": "公示日期",
}


def checklist_table(assignments: pd.DataFrame, check_items: list[str], drawn_on: dt.date) -> pd.DataFrame:
    """The 检查任务单 rows: one per drawn enterprise, Chinese headers, in stratum and key order."""
    table = assignments.assign(
        check_items="、".join(check_items),
        inspectors=assignments["inspectors"].map("、".join),
        drawn_on=drawn_on,
        position=range(1, len(assignments) + 1),
    )
    return table[list(CHECKLIST_COLUMNS)].rename(columns=CHECKLIST_COLUMNS)


def checklists_by_pair(assignments: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Assignments split per inspector pair (key: the two inspectors joined by 、), pairs sorted."""
    key = assignments["inspectors"].map(lambda pair: "、".join(sorted(pair)))
    return {k: g.reset_index(drop=True) for k, g in assignments.groupby(key, sort=True)}


def results_table(assignments: pd.DataFrame) -> pd.DataFrame:
    """The public results: published checks only, Chinese headers, by check date then code."""
    published = assignments[assignments["published_on"].notna() & assignments["result"].notna()]
    table = published.assign(result_label=published["result"].map(RESULT_LABELS))
    table = table.sort_values(["checked_on", "uscc"], kind="stable")
    return table[list(RESULT_COLUMNS)].rename(columns=RESULT_COLUMNS).reset_index(drop=True)


def pending_publication(assignments: pd.DataFrame, today: dt.date) -> pd.DataFrame:
    """Checks with a result not yet published, with ``publish_by`` (the last day to publish: 20
    working days after the check, :func:`traceboard.workdays.publication_due`) and ``overdue``
    (bool: ``publish_by`` has passed), soonest deadline first."""
    pending = assignments[assignments["result"].notna() & assignments["published_on"].isna()].copy()
    pending["publish_by"] = publication_due_each(pd.to_datetime(pending["checked_on"])).dt.date
    pending["overdue"] = pending["publish_by"] < today
    return pending.sort_values("publish_by", kind="stable").reset_index(drop=True)
