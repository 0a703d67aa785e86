"""The published vocabulary: Chinese labels of case states, severities and alert states.

(Check results' labels are in ``traceboard.data.vocabulary``.)

These are the official terms the city publishes (the plan and 双随机、一公开
practice), used on the public site, in CSV files and in look-up answers.
"""

from __future__ import annotations

CASE_LABELS = {
    "proposed": "拟列入",
    "notified": "已告知",
    "listed": "已列入",
    "published": "已公布",
    "expired": "期满移出",
    "repaired": "信用修复移出",
    "revoked": "撤销列入",
    "rejected": "不予列入",
}
SEVERITY_LABELS = {"info": "提示", "warning": "警示", "serious": "严重警示"}
ALERT_LABELS = {"draft": "草稿", "approved": "已审核", "published": "已发布", "withdrawn": "已撤回"}
