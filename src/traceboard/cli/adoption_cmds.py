"""``traceboard adoption``: adoption rates per group at a date, against the targets.

The same numbers as the 追溯覆盖率 page (``metrics.adoption_report.adoption_table``).
"""

from __future__ import annotations

import datetime as dt
import json

import click
import numpy as np
import pandas as pd

from traceboard import config
from traceboard.cli.common import CommandError, get_engine
from traceboard.data.adoption_targets import InvalidTargets, load_targets
from traceboard.data.frame import to_day
from traceboard.data.frame_snapshot import open_register_frame
from traceboard.files.tables import display_width
from traceboard.i18n import Message
from traceboard.metrics.adoption import UnknownGroup
from traceboard.metrics.adoption_report import DateOutOfRange, adoption_table, check_day

COLUMNS = (
    *("total", "adopted", "rate", "ci_low", "ci_high", "connected", "connected_rate"),
    *("active", "active_rate", "active_ci_low", "active_ci_high", "target", "gap"),
    *("declared_active", "declared_silent", "undeclared_active"),
)
FRACTIONS = (
    *("rate", "ci_low", "ci_high", "connected_rate"),
    *("active_rate", "active_ci_low", "active_ci_high", "target", "gap"),
)
HEADERS = {
    "township": "乡镇（街道）",
    "department": "监管部门",
    "sector": "行业",
    "subcategory": "品类",
    "total": "在营企业",
    "adopted": "已建立",
    "rate": "覆盖率",
    "ci_low": "置信下限",
    "ci_high": "置信上限",
    "connected": "已接入",
    "connected_rate": "接入率",
    "active": "活跃追溯",
    "active_rate": "活跃率",
    "active_ci_low": "活跃率置信下限",
    "active_ci_high": "活跃率置信上限",
    "declared_active": "已建立且活跃",
    "declared_silent": "已建立未上传",
    "undeclared_active": "未申报但上传",
    "target": "目标",
    "gap": "差距",
}


def parse_groups(text: str) -> list[str]:
    """``"township,sector"`` → ``["township", "sector"]`` (spaces and empty items ignored)."""
    return [part.strip() for part in text.split(",") if part.strip()]


def parse_date(text: str | None) -> dt.date:
    """An ISO date (YYYY-MM-DD), or today when not given; a CommandError (exit 2) otherwise."""
    if text is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text) if len(text) == 10 else _bad_date(text)
    except ValueError:
        return _bad_date(text)


def _bad_date(text: str) -> dt.date:
    raise CommandError(Message("cli.bad_as_of", text=text), exit_code=2)


def rounded(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """The published columns: group names as text, counts as integers, fractions to 4 decimals."""
    out = table[[*by, *COLUMNS]].copy()
    for group in by:
        out[group] = out[group].astype(object)
    for column in FRACTIONS:
        out[column] = out[column].astype(float).round(4)
    return out


def render_csv(table: pd.DataFrame) -> str:
    return table.to_csv(index=False, lineterminator="\n", float_format="%.4f")


def render_json(table: pd.DataFrame) -> str:
    records = table.astype(object).where(table.notna(), None).to_dict("records")
    plain = [{k: v.item() if isinstance(v, np.generic) else v for k, v in r.items()} for r in records]
    return json.dumps(plain, ensure_ascii=False, indent=2)


def render_table(table: pd.DataFrame, by: list[str]) -> str:
    """An aligned table with Chinese headers; rates as percentages, missing values as —."""
    cells = [[_cell(row[c], c) for c in table.columns] for row in table.to_dict("records")]
    header = [HEADERS[c] for c in table.columns]
    widths = [max(display_width(c) for c in col) for col in zip(header, *cells, strict=True)]
    lines = []
    for row in [header, *cells]:
        padded = [_pad(c, w, i >= len(by)) for i, (c, w) in enumerate(zip(row, widths, strict=True))]
        lines.append("  ".join(padded).rstrip())
    return "\n".join(lines)


def _cell(value, column: str) -> str:
    if pd.isna(value):
        return "—"
    return f"{value:.1%}" if column in FRACTIONS else str(value)


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - display_width(text))
    return space + text if right else text + space


@click.command("adoption")
@click.option(
    "--by",
    "groups",
    required=True,
    metavar="GROUPS",
    help="Comma list of township, department, sector, subcategory.",
)
@click.option("--as-of", "as_of", metavar="YYYY-MM-DD", help="The date (default today).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--active-days",
    type=click.IntRange(min=1),
    default=config.active_window_days,
    show_default="90, or TRACEBOARD_ACTIVE_DAYS",
    help="Column active (活跃追溯): enterprises in operation that uploaded records within this many "
    "days up to the date.",
)
def adoption_cmd(groups: str, as_of: str | None, fmt: str, active_days: int) -> None:
    """Adoption of IT-based traceability (追溯覆盖率) per group at a date, with targets and gaps.

    total: enterprises in operation (在营企业: registered and not closed at the
    date). Rates are fractions of them with 95 %
    Wilson intervals; target is the sector's (weighted by enterprises for
    other groups, from config/targets.toml: the office's assumptions); gap =
    target − rate. active (活跃追溯, not to be confused with total): enterprises
    in operation that uploaded records to a platform within --active-days up
    to the date (active traceability), with
    active_rate and its interval; declared_active, declared_silent,
    undeclared_active: the cross-table of declared adoption × active.
    """
    day = to_day(parse_date(as_of))
    try:
        targets = load_targets()
        frame = open_register_frame(get_engine())  # the snapshot patched forward (docs/frame.md)
        table = adoption_table(
            frame, parse_groups(groups), check_day(frame, day), targets, window=active_days
        )
    except (UnknownGroup, DateOutOfRange, InvalidTargets) as exc:
        raise CommandError(exc, exit_code=2) from None
    by = parse_groups(groups)
    out = rounded(table, by)
    if fmt == "csv":
        click.echo(render_csv(out), nl=False)
    elif fmt == "json":
        click.echo(render_json(out))
    else:
        click.echo(render_table(out, by))


def register(cli: click.Group) -> None:
    cli.add_command(adoption_cmd)
