"""The published vocabulary: Chinese labels of check results, case states and severities.

These are the official terms the city publishes (the plan and 双随机、一公开
practice), used on the public site, in CSV files and in look-up answers.
"""

from __future__ import annotations

RESULT_LABELS = {
    "no_problem": "未发现问题",
    "rectification_ordered": "发现问题已责令改正",
    "obstruction": "不配合检查情节严重",
    "no_traceability": "未按规定建立追溯体系",
    "false_trace_info": "追溯信息不真实",
    "quality_failure": "产品质量不合格",
    "unreachable": "通过登记的住所（经营场所）无法联系",
}
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
