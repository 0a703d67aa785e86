"""``traceboard timetable``: the plan's timetable (任务进度), the same figures as the page.

``--part milestones`` (default): each unit's milestones against the plan's dates;
``--part goals``: the 2019 and 2020 goals; ``--part counties``: the city's rank among
Xiangtan's counties each year. CSV (for spreadsheets) or an aligned table.
"""

from __future__ import annotations

import click
import pandas as pd

from traceboard.cli.adoption_cmds import parse_date
from traceboard.cli.common import get_engine
from traceboard.files.tables import display_width
from traceboard.services.timetable import TimetableView, prepare_timetable

STATUS_ZH = {"on_time": "按期完成", "late": "逾期完成", "overdue": "逾期未报", "not_due": "未到期"}
PARTS = {
    "milestones": {
        "unit": "单位", "name_zh": "节点", "due_on": "规定期限", "achieved_on": "完成日期",
        "status": "完成情况", "days_late": "逾期天数",
    },
    "goals": {
        "year": "年度", "milestone_zh": "目标", "day": "统计日", "sector": "行业", "rate": "覆盖率",
        "target": "覆盖率目标", "connected_rate": "接入率", "connection_target": "接入率目标",
        "met": "是否达标",
    },
    "counties": {
        "year": "年度", "rate": "覆盖率", "rank": "在湘潭市排名", "counties": "参与排名数",
        "published": "湘潭市公布",
    },
}  # fmt: skip


def part_table(view: TimetableView, part: str) -> pd.DataFrame:
    """One part of the view with plain values: dates as ISO text, fractions to 4 decimals."""
    if part == "milestones":
        table = view.milestones.assign(
            status=view.milestones["status"].map(STATUS_ZH),
            due_on=view.milestones["due_on"].dt.strftime("%Y-%m-%d"),
            achieved_on=view.milestones["achieved_on"].dt.strftime("%Y-%m-%d"),
            days_late=view.milestones["days_late"].astype("Int64"),
        )
    elif part == "goals":
        table = view.goals.assign(day=view.goals["day"].map(lambda d: d.isoformat()))
    else:
        table = view.city_ranks
    table = table[list(PARTS[part])].copy()
    for column in ("rate", "target", "connected_rate", "connection_target"):
        if column in table:
            table[column] = table[column].astype(float).round(4)
    return table


def render_table(table: pd.DataFrame, headers: dict[str, str]) -> str:
    rows = [[("" if pd.isna(v) else str(v)) for v in row] for row in table.itertuples(index=False)]
    head = [headers[c] for c in table.columns]
    widths = [max(display_width(c) for c in col) for col in zip(head, *rows, strict=True)]
    return "\n".join(
        "  ".join(c + " " * (w - display_width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *rows]
    )


@click.command("timetable")
@click.option("--part", type=click.Choice(list(PARTS)), default="milestones", show_default=True)
@click.option("--as-of", "as_of", help="The day the timetable is read at (YYYY-MM-DD, default today).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def timetable(part: str, as_of: str | None, fmt: str) -> None:
    """The plan's timetable: milestones against their dates, the 2019/2020 goals, the county rank."""
    view = prepare_timetable(get_engine(), parse_date(as_of))
    table = part_table(view, part)
    if fmt == "csv":
        click.echo(table.to_csv(index=False, lineterminator="\n"), nl=False)
    else:
        click.echo(render_table(table, PARTS[part]))


def register(group: click.Group) -> None:
    group.add_command(timetable)
