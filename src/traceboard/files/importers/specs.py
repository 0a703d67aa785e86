"""What each kind of file holds: its columns, canonical Chinese headers and English aliases.

A column's ``type`` says how its cells are read (see ``validate.py``):
``text``, ``code`` (credit code), ``township``, ``sector``, ``subcategory``,
``department``, ``unit`` (department or township), ``yesno``, ``date``,
``int``, ``status``, ``result`` (inspection result), ``milestone``,
``enterprise`` (a credit code already in the register), ``inspector`` (a
certificate number already in the register), ``duty`` (a duty of the plan,
by name or code), ``elements`` (plan elements listed in one cell),
``period`` (a reporting period: 2019Q1, 2019-03, 2019), ``money`` (yuan),
``rate`` (62.5% or 0.625), ``trace_event`` (建立/停用追溯体系, 接入/断开追溯平台),
``case_end`` (how a blacklist case ended), ``severity`` (of a consumer alert).

``required``: the column must be in the file; ``mandatory``: each row must
fill it. Optional columns may be absent: the record keeps what it has.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from traceboard.data.vocabulary import (
    CASE_ENDINGS,
    CASE_LABELS,
    PLAN_ELEMENTS,
    RESULT_LABELS,
    SEVERITY_LABELS,
    TRACE_EVENT_LABELS,
)


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    mandatory: bool = False
    help: str = ""


@dataclass(frozen=True)
class Spec:
    kind: str
    title: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


IGNORED_HEADERS = ("序号", "编号", "No", "No.", "#", "index")
STATUSES = {"在营": "在营", "存续": "在营", "开业": "在营", "正常": "在营", "在业": "在营", "active": "在营"}
STATUSES |= {s: s for s in ("注销", "吊销", "迁出", "停业")}
CLOSED_STATUSES = ("注销", "吊销", "迁出")
MILESTONE_LABELS = {
    "plan_submitted": "实施方案报送",
    "platform_built": "追溯平台建成",
    "platform_interconnected": "平台互联互通",
}

# One yes/no column per element of an implementation plan, as an alternative to the list in one cell.
ELEMENT_COLUMNS = tuple(
    Column(
        f"element_{i}", name, "yesno", (f"含{name}",), help="仅“实施方案报送”：方案是否包含此要素（是/否）"
    )
    for i, name in enumerate(PLAN_ELEMENTS, start=1)
)

_CODE = Column(
    "uscc",
    "统一社会信用代码",
    "code",
    ("信用代码", "社会信用代码", "USCC", "credit code", "unified social credit code"),
    required=True,
    mandatory=True,
    help="18 位，全角、小写、空格会自动规范化",
)
_TRACE = (
    Column(
        "adopted",
        "是否建立信息化追溯体系",
        "yesno",
        ("是否建立追溯体系", "建立追溯体系", "adopted", "traceability"),
        mandatory=True,
        help="是/否（也可写 Y/N、√/×、1/0、有/无、已建立/未建立）",
    ),
    Column(
        "adopted_on",
        "追溯体系建立日期",
        "date",
        ("建立日期", "adopted on", "adoption date"),
        help="“是”时必填，如 2018-03-05",
    ),
    Column(
        "connected",
        "是否接入追溯平台",
        "yesno",
        ("是否接入平台", "接入追溯平台", "connected"),
        mandatory=True,
        help="是/否；接入前须已建立追溯体系",
    ),
    Column(
        "connected_on",
        "接入日期",
        "date",
        ("接入平台日期", "connected on", "connection date"),
        help="“是”时必填",
    ),
    Column(
        "dropped_on",
        "停用日期",
        "date",
        ("dropped on", "drop date"),
        help="由“是”改为“否”时的日期，缺省为导入日",
    ),
)

SPECS: dict[str, Spec] = {
    "enterprises": Spec(
        "enterprises",
        "企业名录",
        (
            _CODE,
            Column("name", "企业名称", "text", ("名称", "单位名称", "name", "enterprise name"), True, True),
            Column(
                "township_id",
                "所属乡镇",
                "township",
                ("乡镇", "所属乡镇(街道)", "乡镇(街道)", "township"),
                True,
                True,
            ),
            Column("sector_id", "行业类别", "sector", ("行业", "sector"), True, True, "六大类之一"),
            Column(
                "subcategory_id",
                "细分品类",
                "subcategory",
                ("品类", "产品品类", "subcategory"),
                help="须属于所填行业",
            ),
            Column(
                "department_id",
                "主管部门",
                "department",
                ("监管部门", "department"),
                help="可选，缺省为品类的主管部门",
            ),
            Column(
                "operating_status",
                "经营状态",
                "status",
                ("状态", "operating status", "status"),
                help="可选，缺省为在营",
            ),
            Column("registered_on", "登记日期", "date", ("成立日期", "registered on", "registration date")),
            Column("closed_on", "注销日期", "date", ("closed on",), help="注销、吊销、迁出的日期"),
            Column("address", "住所", "text", ("地址", "经营场所", "address")),
            *_TRACE,
        ),
    ),
    "traceability": Spec(
        "traceability", "追溯情况更新", (replace(_CODE, key="enterprise_id", type="enterprise"), *_TRACE)
    ),
    "inspectors": Spec(
        "inspectors",
        "执法检查人员",
        (
            Column(
                "cert_no", "执法证号", "text", ("证件号", "执法证件号", "certificate", "cert no"), True, True
            ),
            Column("name", "姓名", "text", ("name",), True, True),
            Column("department_id", "所属部门", "department", ("部门", "department"), True, True),
            Column("home_township_id", "常住乡镇", "township", ("居住乡镇", "home township")),
            Column("active", "是否在岗", "yesno", ("在岗", "active"), help="缺省为是"),
        ),
    ),
    "conflicts": Spec(
        "conflicts",
        "利益冲突申报",
        (
            Column("inspector_id", "执法证号", "inspector", ("证件号", "certificate", "cert no"), True, True),
            Column("enterprise_id", "统一社会信用代码", "enterprise", _CODE.aliases, True, True),
            Column("reason", "回避事由", "text", ("事由", "reason"), True, True),
            Column("declared_on", "申报日期", "date", ("declared on",)),
        ),
    ),
    "inspections": Spec(
        "inspections",
        "检查结果",
        (
            Column("enterprise_id", "统一社会信用代码", "enterprise", _CODE.aliases, True, True),
            Column("department_id", "检查部门", "department", ("部门", "department"), True, True),
            Column("checked_on", "检查日期", "date", ("checked on", "date"), True, True),
            Column(
                "result",
                "检查结果",
                "result",
                ("结果", "result"),
                True,
                True,
                "、".join(RESULT_LABELS.values()),
            ),
            Column("findings", "发现问题", "text", ("问题", "findings")),
            Column("major_hazard", "是否重大隐患", "yesno", ("重大隐患", "major hazard")),
            Column("rectification_due_on", "整改期限", "date", ("rectification due",)),
            Column("rectified_on", "整改完成日期", "date", ("rectified on",)),
            Column("published_on", "公示日期", "date", ("published on",)),
        ),
    ),
    "milestones": Spec(
        "milestones",
        "工作节点",
        (
            Column(
                "department_id",
                "单位",
                "unit",
                ("部门", "所属部门", "乡镇", "department", "unit"),
                True,
                True,
                "牵头部门或乡镇（街道）",
            ),
            Column(
                "kind",
                "工作节点",
                "milestone",
                ("节点", "milestone"),
                True,
                True,
                "、".join(MILESTONE_LABELS.values()),
            ),
            Column(
                "due_on",
                "应完成日期",
                "date",
                ("due on", "deadline"),
                help="可不填：缺省为实施方案规定的期限",
            ),
            Column("achieved_on", "实际完成日期", "date", ("完成日期", "achieved on")),
            Column(
                "elements",
                "方案要素",
                "elements",
                ("实施方案要素", "要素", "elements"),
                help="仅“实施方案报送”：方案包含的要素，用顿号分隔（"
                + "、".join(PLAN_ELEMENTS)
                + "）；也可在各要素列填是/否",
            ),
            *ELEMENT_COLUMNS,
            Column("note", "备注", "text", ("note",)),
        ),
    ),
    "publicity": Spec(
        "publicity",
        "宣传活动",
        (
            Column("unit_id", "单位", "unit", ("部门或乡镇", "举办单位", "unit"), True, True),
            Column("held_on", "活动日期", "date", ("日期", "held on", "date"), True, True),
            Column("kind", "活动类型", "text", ("类型", "kind"), True, True),
            Column("title", "活动名称", "text", ("标题", "名称", "title"), True, True),
            Column("participants", "参与人数", "int", ("人数", "participants")),
        ),
    ),
    "reports": Spec(
        "reports",
        "进度报告报送",
        (
            Column("unit_id", "单位", "unit", ("报送单位", "乡镇", "unit"), True, True),
            Column(
                "period",
                "报告期",
                "period",
                ("期次", "period"),
                True,
                True,
                "季度写 2019Q1 或 2019年第一季度，月份写 2019-03，年度写 2019",
            ),
            Column("due_on", "应报日期", "date", ("截止日期", "due on"), True, True),
            Column("submitted_on", "实际报送日期", "date", ("报送日期", "submitted on"), help="未报送则留空"),
        ),
    ),
    "duty-records": Spec(
        "duty-records",
        "工作台账",
        (
            Column("unit_id", "单位", "unit", ("责任单位", "部门或乡镇", "unit"), True, True),
            Column("duty_id", "工作职责", "duty", ("职责", "duty"), True, True, "职责清单中的名称（或代码）"),
            Column("occurred_on", "日期", "date", ("办理日期", "date"), True, True),
            Column(
                "kind",
                "事项类别",
                "text",
                ("类别", "事项", "kind"),
                True,
                True,
                "如 资金拨付、政府采购、贷款、保险、制度文件、平台对接、档案建立",
            ),
            Column(
                "amount",
                "金额（元）",
                "money",
                ("金额", "amount"),
                help="涉及资金时填写，单位元；也可写 12.5万元",
            ),
            Column(
                "enterprise_id",
                "统一社会信用代码",
                "enterprise",
                _CODE.aliases,
                help="涉及企业时填写，须已在企业名录中",
            ),
            Column("document_no", "文号", "text", ("文件编号", "document no")),
            Column("note", "备注", "text", ("说明", "note")),
        ),
    ),
    "county-rates": Spec(
        "county-rates",
        "湘潭市各县市区追溯覆盖率",
        (
            Column("county", "县市区", "text", ("县（市、区）", "县市", "county"), True, True),
            Column("year", "年度", "int", ("年份", "year"), True, True),
            Column("rate", "追溯覆盖率", "rate", ("覆盖率", "rate"), True, True, "如 62.5% 或 0.625"),
            Column("source", "数据来源", "text", ("来源", "source"), help="如 湘潭市商务局通报的文号"),
        ),
    ),
    "blacklist": Spec(
        "blacklist",
        "质量失信黑名单案件",
        (
            Column("enterprise_id", "统一社会信用代码", "enterprise", _CODE.aliases, True, True),
            Column("proposed_on", "立案日期", "date", ("拟列入日期", "proposed on"), True, True),
            Column("grounds", "列入事由", "text", ("事由", "grounds"), True, True),
            Column("legal_basis", "法律依据", "text", ("依据", "legal basis"), True, True),
            Column(
                "source_department_id",
                "来源检查部门",
                "department",
                ("检查部门", "source department"),
                help="案件来自一次检查时填写（与来源检查日期一起，须是已录入的检查结果）",
            ),
            Column("source_checked_on", "来源检查日期", "date", ("检查日期", "source checked on")),
            Column("authority", "决定机关", "text", ("决定部门", "authority")),
            Column("notified_on", "告知日期", "date", ("notified on",)),
            Column("listed_on", "列入日期", "date", ("listed on",)),
            Column("published_on", "公布日期", "date", ("published on",)),
            Column(
                "ending",
                "移出或不予列入",
                "case_end",
                ("移出方式", "ending"),
                help="、".join(CASE_LABELS[e] for e in CASE_ENDINGS) + "；与移出日期一起填写",
            ),
            Column("removed_on", "移出日期", "date", ("不予列入日期", "removed on")),
            Column("removal_reason", "移出原因", "text", ("removal reason",)),
            Column("removal_authority", "移出决定机关", "text", ("removal authority",)),
            Column("remedies", "救济途径", "text", ("remedies",)),
        ),
    ),
    "alerts": Spec(
        "alerts",
        "已发布的消费提示",
        (
            Column("title", "标题", "text", ("提示标题", "title"), True, True),
            Column("published_on", "发布日期", "date", ("published on",), True, True),
            Column("body", "正文", "text", ("内容", "body"), True, True),
            Column(
                "approved_on",
                "审核日期",
                "date",
                ("批准日期", "approved on"),
                help="不晚于发布日期；缺省为发布日期",
            ),
            Column("sector_id", "行业类别", "sector", ("行业", "sector")),
            Column(
                "severity",
                "级别",
                "severity",
                ("提示级别", "severity"),
                help="、".join(SEVERITY_LABELS.values()) + "，缺省为提示",
            ),
            Column("withdrawn_on", "撤回日期", "date", ("withdrawn on",)),
            Column("withdrawn_reason", "撤回原因", "text", ("withdrawn reason",)),
        ),
    ),
    "trace-events": Spec(
        "trace-events",
        "追溯变更记录",
        (
            Column("enterprise_id", "统一社会信用代码", "enterprise", _CODE.aliases, True, True),
            Column(
                "kind",
                "变更类型",
                "trace_event",
                ("类型", "kind"),
                True,
                True,
                "、".join(TRACE_EVENT_LABELS.values()),
            ),
            Column("occurred_on", "变更日期", "date", ("日期", "date"), True, True),
            Column("platform", "追溯平台", "text", ("平台", "platform")),
            Column("source", "来源", "text", ("source",), help="缺省为“导入”"),
        ),
    ),
}
KINDS = tuple(SPECS)
