"""The official Chinese terms of the record, shared by everything that shows or reads them.

Check results are the categories of national 双随机、一公开 practice (issue #6); their codes
are ``models.INSPECTION_RESULTS``. Case states, severities and alert states are the terms
the city publishes (the plan and 双随机、一公开 practice). Public pages, results files, the
public site, exports and imports all use these labels, so a label is changed here and
nowhere else. The stages of a blacklist case (which states are open, which in force) are
here too: the stores query them and the life cycle's rules (``blacklist.lifecycle``) use them.
"""

from __future__ import annotations

from traceboard.data.models import ALERT_STATES, BLACKLIST_STATES, INSPECTION_RESULTS, TRACE_EVENT_KINDS
from traceboard.i18n import Message

RESULT_LABELS = {
    "no_problem": "未发现问题",
    "rectification_ordered": "发现问题已责令改正",
    "obstruction": "不配合检查情节严重",
    "no_traceability": "未按规定建立追溯体系",
    "false_trace_info": "追溯信息不真实",
    "quality_failure": "产品质量不合格",
    "unreachable": "通过登记的住所（经营场所）无法联系",
}
# Spellings that offices write and imports accept besides the labels (label → code).
RESULT_ALIASES = {"通过登记的住所无法联系": "unreachable"}

assert tuple(RESULT_LABELS) == INSPECTION_RESULTS, "every result code needs its label"


def result_name(code: str) -> Message:
    """A check result's name in the reader's language (``sampling.result.<code>``)."""
    return Message(f"sampling.result.{code}")


def result_code(text: str) -> str | None:
    """The result code that ``text`` names: the code itself, its Chinese or English name, or an
    alias offices write (``RESULT_ALIASES``); None when it names none."""
    given = text.strip()
    if given in RESULT_LABELS:
        return given
    for code in INSPECTION_RESULTS:
        if given == RESULT_LABELS[code] or given.casefold() == result_name(code).word("en").casefold():
            return code
    return RESULT_ALIASES.get(given)


# The seven elements every lead department's implementation plan must contain (the plan, part 四:
# 实施方案内容应当包括：建设目标、工作任务、追溯模式、落地模式、时间进度、重要产品目录和具体措施).
PLAN_ELEMENTS = ("建设目标", "工作任务", "追溯模式", "落地模式", "时间进度", "重要产品目录", "具体措施")

# The changes of an enterprise's traceability as offices name them.
TRACE_EVENT_LABELS = {
    "adopted": "建立追溯体系",
    "dropped": "停用追溯体系",
    "connected": "接入追溯平台",
    "disconnected": "断开追溯平台",
}

assert tuple(TRACE_EVENT_LABELS) == TRACE_EVENT_KINDS, "every traceability change needs its label"

# Blacklist case states, alert severities and alert states, as the city publishes them.
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

assert tuple(CASE_LABELS) == BLACKLIST_STATES, "every case state needs its label"
assert tuple(ALERT_LABELS) == ALERT_STATES, "every alert state needs its label"

# The stages of a blacklist case: awaiting a decision, in force (the enterprise is on the
# list: risk class D), removed from the list; a rejected proposal is none of these.
AWAITING_DECISION = ("proposed", "notified")
IN_FORCE = ("listed", "published")
OPEN_STATES = AWAITING_DECISION + IN_FORCE
REMOVALS = ("expired", "repaired", "revoked")
# How a case ends: removed from the list (or never listed).
CASE_ENDINGS = (*REMOVALS, "rejected")
# What the public sees: a published listing, and its removal once it was published.
PUBLIC_STATES = ("published", *REMOVALS)
