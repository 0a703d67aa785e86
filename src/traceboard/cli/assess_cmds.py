"""``traceboard assess``: the annual assessment from the command line.

Without ``--as`` nothing is written: the year is computed and shown, labelled
draft unless its figures are those of a locked run. ``--as`` an office user
saves the figures as the year's next version (when they differ from the newest
saved one) and lists the differences; ``--lock --as`` a leader locks the saved
run that holds the current figures.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
import numpy as np
import pandas as pd

from traceboard.cli.common import CommandError, acting_user, as_option, echo, get_engine
from traceboard.decision_dates import DecisionDateRefused
from traceboard.files.assessment_report import grading_note_zh, rank_text, save_report_files
from traceboard.files.tables import display_width
from traceboard.i18n import Message
from traceboard.metrics.assessment import UnknownMeasure, word_explanation
from traceboard.metrics.sensitivity import sensitivity_by_kind
from traceboard.services.assessment import (
    AssessmentView,
    InvalidIndicatorSet,
    LockedRunError,
    NothingToLock,
    change_item,
    lock_assessment,
    prepare_assessment,
    report_data,
    save_assessment,
)

TABLE_HEADERS = {
    "rank": "排名",
    "unit": "单位",
    "kind": "类别",
    "score": "得分",
    "grade": "等次",
    "change": "较上年",
    "note": "说明",
}
KIND_ZH = {"department": "部门", "township": "乡镇"}


def points_table(view: AssessmentView) -> pd.DataFrame:
    """unit, unit_kind, score, grade, rank, then each indicator's points (empty where it does not apply)."""
    ind = view.result.indicators
    points = ind.assign(points=ind["points"].where(ind["applicable"]))
    wide = points.pivot(index="unit_id", columns="indicator_code", values="points")
    codes = list(dict.fromkeys(ind["indicator_code"]))
    table = view.result.units[["unit_id", "unit", "unit_kind", "score", "grade", "rank", "role"]]
    return table.merge(wide[codes], left_on="unit_id", right_index=True).drop(columns="unit_id")


def render_table(view: AssessmentView) -> str:
    """A readable aligned table with Chinese headers, one block per kind."""
    lines = []
    for kind, label in KIND_ZH.items():
        units = view.result.units[view.result.units["unit_kind"] == kind]
        rows = [
            [
                *(rank_text(r.rank), str(r.unit), f"{label}（{r.role_name}）" if r.role_name else label),
                *(f"{r.score:.1f}", str(r.grade)),
                *(_change(r.change), grading_note_zh(r)),
            ]
            for r in units.itertuples()
        ]
        widths = [
            max(display_width(c) for c in col) for col in zip(TABLE_HEADERS.values(), *rows, strict=True)
        ]
        for row in [list(TABLE_HEADERS.values()), *rows]:
            lines.append(
                "  ".join(
                    _pad(c, w, i in (0, 3, 5)) for i, (c, w) in enumerate(zip(row, widths, strict=True))
                )
            )
        lines.append("")
    return "\n".join(lines).rstrip()


def _pad(text: str, width: int, right: bool) -> str:
    space = " " * (width - display_width(text))
    return space + text if right else text + space


def _change(value) -> str:
    return "—" if pd.isna(value) else f"{value:+.1f}"


def render_json(view: AssessmentView, sensitivity: pd.DataFrame) -> str:
    points = points_table(view)
    explained = view.result.indicators.groupby("unit_id")[["indicator_code", "explanation"]]
    explanations = {  # worded as the command has always printed them (the reports word them in Chinese)
        u: {c: word_explanation(e, "en") for c, e in zip(g["indicator_code"], g["explanation"], strict=True)}
        for u, g in explained
    }
    units = []
    for row, (_, unit) in zip(points.to_dict("records"), view.result.units.iterrows(), strict=True):
        fixed = {k: row[k] for k in ("unit", "unit_kind", "role", "score", "grade")}
        fixed["rank"] = None if pd.isna(row["rank"]) else int(row["rank"])
        fixed["note"] = grading_note_zh(unit)
        fixed["change"] = None if pd.isna(unit["change"]) else float(unit["change"])
        fixed["points"] = {k: v for k, v in row.items() if k not in fixed and not pd.isna(v)}
        fixed["explanations"] = explanations[unit["unit_id"]]
        units.append(fixed)
    document = {
        "year": view.result.year,
        "version": view.version,
        "status": view.status,
        "as_of": view.as_of.isoformat(),
        "units": units,
        "changes": _records(view.changes),
        "sensitivity": _records(sensitivity.drop(columns=["unit_id"])),
    }
    return json.dumps(document, ensure_ascii=False, indent=2, default=_plain)


def _records(table: pd.DataFrame) -> list[dict]:
    return table.astype(object).where(table.notna(), None).to_dict("records") if not table.empty else []


def _plain(value):
    return value.item() if isinstance(value, np.generic) else str(value)


def describe(view: AssessmentView, saved: bool) -> Message:
    """The status line: year, version, draft or locked, and what happened."""
    year = view.result.year
    if view.run is None:
        if view.latest:
            return Message("cli.assess.unsaved_differs", year=year, version=int(view.latest["version"]))
        return Message("cli.assess.unsaved", year=year)
    if view.status == "locked":
        return Message("cli.assess.locked", year=year, version=view.version)
    if saved:
        return Message("cli.assess.saved_now", year=year, version=view.version)
    return Message("cli.assess.draft", year=year, version=view.version)


@click.command("assess")
@click.option("--year", type=int, required=True, help="The year assessed (from 2018).")
@click.option(
    "--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True
)
@click.option(
    "--xlsx", type=click.Path(dir_okay=False, path_type=Path), help="Write the Excel workbook here."
)
@click.option("--pdf", type=click.Path(dir_okay=False, path_type=Path), help="Write the PDF report here.")
@click.option(
    "--lock", is_flag=True, help="Lock the saved run holding the current figures (a leader, with --as)."
)
@click.option(
    "--today", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Assess as of this day (default today)."
)
@as_option
def assess_cmd(year, fmt, xlsx, pdf, lock, today, acting_as) -> None:
    """The annual assessment (年度考核) of the departments and township-level units for a year."""
    engine = get_engine()
    day = today.date() if today else dt.date.today()
    try:
        view = prepare_assessment(engine, year, day)
    except (InvalidIndicatorSet, UnknownMeasure, ValueError) as exc:
        raise CommandError(exc, exit_code=2) from None
    saved = False
    if lock:
        actor = acting_user(acting_as, "assessment.lock")
        try:
            view = lock_assessment(engine, actor, view)
        except (NothingToLock, LockedRunError, DecisionDateRefused) as exc:
            raise CommandError(exc) from None
    elif acting_as:
        saved = view.run is None
        try:
            view = save_assessment(engine, acting_user(acting_as, "assessment.run"), view)
        except DecisionDateRefused as exc:
            raise CommandError(exc) from None
    echo(describe(view, saved), err=True)
    for change in _records(view.changes):
        old, new = ("—" if v is None else v for v in (change["old"], change["new"]))
        echo(
            Message(
                "cli.assess.change", unit=change["unit"], item=change_item(change["item"]), old=old, new=new
            ),
            err=True,
        )
    sensitivity = sensitivity_by_kind(view.result, view.sets)
    _write_reports(view, sensitivity, xlsx, pdf)
    if fmt == "csv":
        click.echo(points_table(view).to_csv(index=False, lineterminator="\n"), nl=False)
    elif fmt == "json":
        click.echo(render_json(view, sensitivity))
    else:
        click.echo(report_data(view).label)
        click.echo(render_table(view))


def _write_reports(
    view: AssessmentView, sensitivity: pd.DataFrame, xlsx: Path | None, pdf: Path | None
) -> None:
    try:
        written = save_report_files(report_data(view, sensitivity), xlsx, pdf)
    except OSError as exc:
        raise CommandError(Message("cli.cannot_write", file=exc.filename, reason=exc.strerror)) from None
    for path in written:
        echo(Message("cli.assess.wrote", file=path), err=True)


def register(cli: click.Group) -> None:
    cli.add_command(assess_cmd)
