"""The assessment report as files: an Excel workbook and a PDF in Chinese.

Both take a :class:`ReportData` (plain tables) and return bytes. Every page of
the PDF and the top of every sheet says 草稿 (draft) unless the run is locked.
The PDF's charts are drawn with fpdf2's own rectangles and text (no image
renderer), with the CJK font embedded by :func:`traceboard.files.pdf.new_pdf`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from fpdf import FPDF

from traceboard.files.pdf import FAMILY, new_pdf
from traceboard.files.tables import to_xlsx_bytes

KIND_ZH = {"department": "部门", "township": "乡镇（街道、园区）"}
NOT_GRADED_ZH = "不予评定"
GRADE_COLOURS = {
    "优秀": (46, 125, 50),
    "良好": (21, 101, 192),
    "合格": (249, 168, 37),
    "不合格": (198, 40, 40),
}
UNIT_COLUMNS = {
    "rank": "排名",
    "unit": "单位",
    "unit_kind": "类别",
    "score": "得分",
    "grade": "等次",
    "change": "较上年",
    "note": "说明",
}
MILESTONE_STATUS_ZH = {
    "on_time": "按期完成",
    "late": "逾期完成",
    "overdue": "逾期未报",
    "not_due": "未到期",
    "not_owed": "不涉及",
}
INPUT_NAMES = {
    "adopted": "已建立追溯企业数",
    "total": "在营企业数",
    "rate": "年末覆盖率",
    "rate_before": "上年末覆盖率",
    "due_on": "规定期限",
    "achieved_on": "完成日期",
    "on_time": "是否按期",
    "status": "完成情况",
    "duties": "承担职责数",
    "duties_recorded": "有台账的职责数",
    "records": "台账条数",
    "duties_without_record": "无台账的职责",
    "duty_quarters": "应有台账的职责季度数",
    "duty_quarters_recorded": "有台账的职责季度数",
    "elements_present": "具备要素数",
    "elements_required": "应具备要素数",
    "planned": "计划检查数",
    "done": "完成检查数",
    "basis": "计划依据",
    "published_on_time": "按时公示数",
    "checks": "检查数",
    "rectified": "已整改数",
    "ordered": "责令整改数",
    "obstructed_or_unreachable": "不配合或无法联系数",
    "blacklist_moves": "黑名单办理环节数",
    "alerts": "消费提示数",
    "activities": "宣传活动次数",
    "on_time_reports": "按时报送数",
    "due": "应报送数",
}


@dataclass(frozen=True)
class ReportData:
    """What a report shows. ``units``: unit_id, unit, unit_kind, score, grade, rank (NA when not
    graded), change, applicable_weight, required_weight, graded.
    ``indicators``: unit_id, unit_kind, indicator_code, name_zh, weight, target, value,
    applicable, points, max_points, inputs, and worded in Chinese (services.assessment.worded_indicators):
    value_text, target_text (73.4 %, — for none) and explanation_text (the 说明).
    ``sensitivity`` (optional): unit_id, grade_stays, rank_stays, fragile. ``status``: draft | locked."""

    year: int
    version: int | None
    status: str
    as_of: dt.date
    units: pd.DataFrame
    indicators: pd.DataFrame
    set_titles: dict[str, str]
    sensitivity: pd.DataFrame | None = None
    locked_by: str | None = None

    @property
    def label(self) -> str:
        """The run's label on every page and sheet: 第N版 and 已锁定 or 草稿."""
        version = f"第{self.version}版" if self.version else "未保存"
        state = f"已锁定（{self.locked_by}）" if self.status == "locked" else "草稿 draft"
        return f"{self.year}年度考核 {version} {state}"


def grading_note_zh(unit) -> str:
    """Why a unit is graded or not (说明): the points of its applicable indicators against the minimum."""
    weight, minimum = f"{unit.applicable_weight:g}", f"{unit.required_weight:g}"
    role = f"{unit.role_name}；" if getattr(unit, "role_name", "") else ""
    if unit.graded:
        return f"{role}适用指标合计 {weight} 分"
    return f"{role}适用指标合计 {weight} 分，不足 {minimum} 分，不予评定、不参加排名"


def kind_label(kind: str, role_name: str) -> str:
    """部门 / 乡镇（街道、园区）, with the class where the set ranks classes apart: 部门（牵头部门）."""
    return f"{KIND_ZH[kind]}（{role_name}）" if role_name else KIND_ZH[kind]


def rank_text(rank) -> str:
    return "—" if pd.isna(rank) else str(int(rank))


def explanation_zh(row) -> str:
    """An indicator's 说明: the milestone's standing first (逾期未报 …) where there is one."""
    status = row.inputs.get("status") if isinstance(row.inputs, dict) else None
    if not row.applicable and status not in ("not_due",):
        return "不适用"
    prefix = f"{MILESTONE_STATUS_ZH[status]}；" if status in MILESTONE_STATUS_ZH else ""
    return prefix + str(row.explanation_text)


# --- Excel --------------------------------------------------------------------


def ranking_table(data: ReportData) -> pd.DataFrame:
    """The ranking with Chinese headers, departments first then townships."""
    table = data.units.assign(note=[grading_note_zh(u) for u in data.units.itertuples()])
    table = table[list(UNIT_COLUMNS)].copy()
    table["rank"] = table["rank"].map(rank_text)
    table["unit_kind"] = [
        kind_label(k, r) for k, r in zip(data.units["unit_kind"], data.units["role_name"], strict=True)
    ]
    return table.rename(columns=UNIT_COLUMNS)


def indicator_table(data: ReportData, kind: str, code: str) -> pd.DataFrame:
    """One indicator of one kind: unit, value, target, points, explanation and its inputs spread out."""
    rows = data.indicators[
        (data.indicators["unit_kind"] == kind) & (data.indicators["indicator_code"] == code)
    ]
    rows = rows.merge(data.units[["unit_id", "unit"]], on="unit_id")
    table = pd.DataFrame(
        {
            "单位": rows["unit"].to_numpy(),
            "测量值": rows["value_text"].to_numpy(),
            "目标值": rows["target_text"].to_numpy(),
            "权重": rows["weight"].to_numpy(),
            "得分": rows["points"].to_numpy(),
            "满分": rows["max_points"].to_numpy(),
            "说明": [explanation_zh(r) for r in rows.itertuples()],
        }
    )
    spread = pd.json_normalize(list(rows["inputs"]))
    if "status" in spread:
        spread["status"] = spread["status"].map(MILESTONE_STATUS_ZH)
    spread = spread.rename(columns=lambda c: INPUT_NAMES.get(c, c))
    return pd.concat([table, spread], axis=1)


def raw_table(data: ReportData) -> pd.DataFrame:
    """Every unit × indicator with the raw inputs as JSON (the record behind every figure)."""
    rows = data.indicators.merge(data.units[["unit_id", "unit"]], on="unit_id")
    return pd.DataFrame(
        {
            "单位": rows["unit"],
            "类别": rows["unit_kind"].map(KIND_ZH),
            "指标代码": rows["indicator_code"],
            "指标": rows["name_zh"],
            "测量值": rows["value_text"],
            "目标值": rows["target_text"],
            "是否适用": rows["applicable"].map({True: "是", False: "否"}),
            "得分": rows["points"],
            "满分": rows["max_points"],
            "原始数据": rows["inputs"].map(lambda d: pd.Series(d).to_json(force_ascii=False)),
        }
    )


def write_assessment_xlsx(data: ReportData) -> bytes:
    """Workbook: 排名 (ranking), one sheet per indicator and kind with its inputs, 原始数据 (raw), 敏感性."""
    sheets: dict[str, pd.DataFrame] = {"排名": ranking_table(data)}
    pairs = data.indicators[["unit_kind", "indicator_code", "name_zh"]].drop_duplicates()
    for number, (kind, code, name) in enumerate(pairs.itertuples(index=False), 1):
        prefix = "部门" if kind == "department" else "乡镇"
        sheets[f"{number:02d}{prefix}-{name}"[:31]] = indicator_table(data, kind, code)
    sheets["原始数据"] = raw_table(data)
    if data.sensitivity is not None:
        sheets["权重敏感性"] = sensitivity_table(data)
    return to_xlsx_bytes(sheets, {name: data.label for name in sheets})


def _sensitivity_named(data: ReportData) -> pd.DataFrame:
    sens = data.sensitivity.drop(columns=["unit", "unit_kind"], errors="ignore")
    return sens.merge(data.units[["unit_id", "unit", "unit_kind", "role_name"]], on="unit_id")


def sensitivity_table(data: ReportData) -> pd.DataFrame:
    """Each unit's stability under re-weighting, with its class: classes are ranked apart."""
    sens = _sensitivity_named(data)
    return pd.DataFrame(
        {
            "单位": sens["unit"],
            "类别": [kind_label(k, r) for k, r in zip(sens["unit_kind"], sens["role_name"], strict=True)],
            "等次": sens["grade"],
            "等次保持比例": sens["grade_stays"].round(3),
            "排名": sens["rank"],
            "排名保持比例": sens["rank_stays"].round(3),
            "最好排名": sens["rank_best"],
            "最差排名": sens["rank_worst"],
            "等次不稳定": sens["fragile"].map({True: "是", False: "否"}),
        }
    )


# --- PDF ------------------------------------------------------------------------


def _new_page(pdf: FPDF, data: ReportData) -> None:
    pdf.add_page()
    pdf.set_font(FAMILY, "", 8)
    pdf.set_text_color(198, 40, 40) if data.status != "locked" else pdf.set_text_color(90, 90, 90)
    pdf.cell(0, 5, data.label, align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)


def _heading(pdf: FPDF, text: str, size: int = 14) -> None:
    pdf.set_font(FAMILY, "B", size)
    pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FAMILY, "", 10)


def _title_page(pdf: FPDF, data: ReportData) -> None:
    _new_page(pdf, data)
    pdf.ln(60)
    pdf.set_font(FAMILY, "B", 22)
    pdf.multi_cell(0, 12, "湘乡市重要产品追溯体系建设工作", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.multi_cell(0, 12, f"{data.year}年度考核报告", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(10)
    pdf.set_font(FAMILY, "", 13)
    for line in (
        f"版本：{'第' + str(data.version) + '版' if data.version else '未保存'}",
        f"状态：{'已锁定' if data.status == 'locked' else '草稿（未经领导小组审定锁定）'}",
        f"数据截至：{data.as_of.isoformat()}",
        "湘乡市重要产品追溯体系建设工作领导小组办公室",
    ):
        pdf.cell(0, 9, line, align="C", new_x="LMARGIN", new_y="NEXT")


def _summary_page(pdf: FPDF, data: ReportData) -> None:
    _new_page(pdf, data)
    _heading(pdf, "一、总体情况")
    for kind, label in KIND_ZH.items():
        units = data.units[data.units["unit_kind"] == kind]
        counts = units["grade"].value_counts()
        grades = "，".join(f"{g} {int(counts.get(g, 0))} 个" for g in [*GRADE_COLOURS, NOT_GRADED_ZH])
        graded = units[units["graded"].astype(bool)]
        best = graded.sort_values("score", ascending=False).iloc[0] if not graded.empty else None
        top = f"最高 {best['unit']} {best['score']:.1f} 分" if best is not None else "无参评单位"
        pdf.multi_cell(
            0,
            7,
            f"{label}共 {len(units)} 个：{grades}；参评单位平均得分 {graded['score'].mean():.1f}，{top}。"
            + (f"（指标：{data.set_titles.get(kind, '')}）" if data.set_titles.get(kind) else ""),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.ln(2)
    pdf.multi_cell(
        0, 7, "说明：不涉及的指标不计分，得分按该单位适用指标的权重折算为百分制（见排名表“适用指标”）；"
        "适用指标合计不足 60 分的单位不予评定、不参加排名；应报未报的节点计 0 分（逾期未报）。",
        new_x="LMARGIN", new_y="NEXT",
    )  # fmt: skip
    if data.sensitivity is not None:
        fragile = _sensitivity_named(data)
        names = "、".join(fragile.loc[fragile["fragile"], "unit"]) or "无"
        pdf.multi_cell(
            0,
            7,
            f"权重敏感性（各指标权重随机变动 ±20%）：等次不稳定的单位：{names}。",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(4)
    _grade_chart(pdf, data)


def _grade_chart(pdf: FPDF, data: ReportData) -> None:
    """Grade distribution per kind: one bar per grade, drawn with rectangles."""
    _heading(pdf, "等次分布", 12)
    top = pdf.get_y() + 2
    for col, (kind, label) in enumerate(KIND_ZH.items()):
        counts = data.units.loc[data.units["unit_kind"] == kind, "grade"].value_counts()
        left = pdf.l_margin + col * 95
        most = max(1, int(counts.max()) if len(counts) else 1)
        pdf.set_xy(left, top)
        pdf.cell(90, 6, label)
        for i, grade in enumerate(GRADE_COLOURS):
            n = int(counts.get(grade, 0))
            y = top + 9 + i * 9
            pdf.set_xy(left, y)
            pdf.cell(16, 7, grade)
            pdf.set_fill_color(*GRADE_COLOURS[grade])
            width = 60 * n / most
            if width:
                pdf.rect(left + 17, y + 1, width, 5, style="F")
            pdf.set_xy(left + 18 + width, y)
            pdf.cell(10, 7, str(n))
    pdf.set_y(top + 50)


def _score_chart(pdf: FPDF, units: pd.DataFrame) -> None:
    """Horizontal score bars (0–100) coloured by grade, in rank order."""
    bar_height, label_width, scale = 5.2, 32, 1.2
    for row in units[units["graded"].astype(bool)].sort_values(["rank", "unit_id"]).itertuples():
        if pdf.get_y() > pdf.h - 25:
            pdf.add_page()
        y = pdf.get_y()
        pdf.set_font(FAMILY, "", 8)
        pdf.cell(label_width, bar_height, str(row.unit))
        pdf.set_fill_color(*GRADE_COLOURS.get(row.grade, (120, 120, 120)))
        pdf.rect(pdf.l_margin + label_width, y + 0.8, scale * row.score, bar_height - 1.6, style="F")
        pdf.set_xy(pdf.l_margin + label_width + scale * row.score + 1, y)
        pdf.cell(20, bar_height, f"{row.score:.1f}", new_x="LMARGIN", new_y="NEXT")


def ranking_groups(units: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """The ranked groups in order: each kind, and within it each class (牵头部门, 配合部门) where
    its set ranks classes apart; a label and the group's units in rank order."""
    groups = []
    for kind, label in KIND_ZH.items():
        mine = units[units["unit_kind"] == kind]
        for role_name in pd.unique(mine["role_name"]):
            part = mine[mine["role_name"] == role_name].sort_values(["rank", "unit_id"], na_position="last")
            groups.append((f"{label}（{role_name}）" if role_name else label, part))
    return groups


def _ranking_pages(pdf: FPDF, data: ReportData) -> None:
    for number, (label, units) in enumerate(ranking_groups(data.units)):
        _new_page(pdf, data)
        _heading(pdf, f"{'二三四五六'[number]}、{label}排名")
        pdf.set_font(FAMILY, "", 9)
        applied = _applied(data)
        rows = [
            [
                *(rank_text(r.rank), str(r.unit), f"{r.score:.1f}", str(r.grade), _signed(r.change)),
                *(applied[r.unit_id], f"{r.applicable_weight:g}"),
            ]
            for r in units.itertuples()
        ]
        header = ["排名", "单位", "得分", "等次", "较上年", "适用指标", "适用分值"]
        _grid(pdf, (14, 56, 18, 22, 18, 22, 22), header, rows, "CLRCRCR")
        ungraded = units[~units["graded"].astype(bool)]
        if not ungraded.empty:
            pdf.ln(2)
            pdf.set_font(FAMILY, "", 9)
            for r in ungraded.itertuples():
                pdf.multi_cell(0, 6, f"{r.unit}：{grading_note_zh(r)}。", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        _heading(pdf, "得分图", 11)
        _score_chart(pdf, units)


def _applied(data: ReportData) -> dict:
    """Per unit "applicable / all" indicators (a score is scaled over the applicable ones)."""
    grouped = data.indicators.groupby("unit_id")["applicable"]
    return {
        u: f"{int(a)}/{int(n)}"
        for u, a, n in zip(grouped.sum().index, grouped.sum(), grouped.size(), strict=True)
    }


def _place(rank) -> str:
    return "不参加排名" if pd.isna(rank) else f"第{int(rank)}名"


def _signed(value) -> str:
    return "—" if pd.isna(value) else f"{value:+.1f}"


def _unit_page(pdf: FPDF, data: ReportData, unit) -> None:
    _new_page(pdf, data)
    _heading(pdf, f"{unit.unit}（{KIND_ZH[unit.unit_kind]}）", 15)
    change = _signed(unit.change)
    pdf.cell(
        0,
        8,
        f"得分 {unit.score:.1f}　等次 {unit.grade}　排名 {_place(unit.rank)}　较上年 {change}",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(FAMILY, "", 9)
    pdf.multi_cell(0, 6, f"说明：{grading_note_zh(unit)}。", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rows = data.indicators[data.indicators["unit_id"] == unit.unit_id]
    pdf.set_font(FAMILY, "", 8)
    table = [
        [
            str(r.name_zh),
            f"{r.weight:g}",
            r.value_text if r.applicable else "不适用",
            r.target_text,
            f"{r.points:.1f}" if r.applicable else "—",
            explanation_zh(r),
        ]
        for r in rows.itertuples()
    ]
    _grid(
        pdf, (42, 9, 19, 19, 11, 80), ["指标", "权重", "测量值", "目标", "得分", "说明"], table, "LRRRRL", 7
    )
    pdf.ln(6)
    _heading(pdf, "各指标得分率", 11)
    _share_bars(pdf, rows)


def _share_bars(pdf: FPDF, rows: pd.DataFrame) -> None:
    """Per indicator: points ÷ weight as a bar on a grey 100 % track (not applicable: no bar)."""
    track, label_width = 100, 50
    pdf.set_font(FAMILY, "", 8)
    for r in rows.itertuples():
        y = pdf.get_y()
        pdf.cell(label_width, 6, str(r.name_zh))
        pdf.set_fill_color(236, 239, 241)
        pdf.rect(pdf.l_margin + label_width, y + 1.2, track, 3.6, style="F")
        share = r.points / r.weight if r.applicable else None
        if share:
            pdf.set_fill_color(21, 101, 192)
            pdf.rect(pdf.l_margin + label_width, y + 1.2, track * share, 3.6, style="F")
        pdf.set_xy(pdf.l_margin + label_width + track + 2, y)
        pdf.cell(20, 6, "不适用" if share is None else f"{100 * share:.0f}%", new_x="LMARGIN", new_y="NEXT")


def _grid(pdf: FPDF, widths, header: list[str], rows: list[list[str]], aligns: str, size: int = 9) -> None:
    """A plain table of one-line cells (far faster than fpdf2's wrapping tables); header on grey."""
    height = size * 0.62
    pdf.set_font(FAMILY, "B", size)
    pdf.set_fill_color(236, 239, 241)
    for width, text in zip(widths, header, strict=True):
        pdf.cell(width, height, text, border=1, align="C", fill=True)
    pdf.ln(height)
    pdf.set_font(FAMILY, "", size)
    for row in rows:
        if pdf.get_y() + height > pdf.h - pdf.b_margin:
            pdf.add_page()
        for width, text, align in zip(widths, row, aligns, strict=True):
            pdf.cell(width, height, text, border=1, align=align)
        pdf.ln(height)


def write_assessment_pdf(data: ReportData) -> bytes:
    """Title page, summary with the grade chart, ranking tables and score charts per kind, a page per unit."""
    pdf = new_pdf(f"湘乡市{data.year}年度重要产品追溯体系建设工作考核报告")
    _title_page(pdf, data)
    _summary_page(pdf, data)
    _ranking_pages(pdf, data)
    for unit in data.units.itertuples():
        _unit_page(pdf, data, unit)
    return bytes(pdf.output())


def save_report_files(data: ReportData, xlsx: Path | None = None, pdf: Path | None = None) -> list[Path]:
    """Write the workbook and/or the PDF to the given paths (OSError as raised); the paths written."""
    written = []
    for path, writer in ((xlsx, write_assessment_xlsx), (pdf, write_assessment_pdf)):
        if path is not None:
            path.write_bytes(writer(data))
            written.append(path)
    return written
