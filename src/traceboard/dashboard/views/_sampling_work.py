"""Parts of the 双随机抽查 page after the draw: assignments and check lists, result entry,
publication (overdue board, results file), risk classes and estimates."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from traceboard.dashboard.state import (
    get_frame,
    per_data_version,
    per_data_version_and_language,
    per_data_version_on_demand,
    per_frame_content,
    t,
)
from traceboard.dashboard.views._sampling_charts import estimate_bars
from traceboard.dashboard.views._sampling_draw import attempt, draw_labels, show_table
from traceboard.sampling import results
from traceboard.services import record
from traceboard.services import sampling as support
from traceboard.services.audit_trail import audited_download

ASSIGNMENT_COLUMNS = [
    "position",
    "stratum",
    "enterprise",
    "uscc",
    "township",
    "department",
    "inspectors",
    "due_on",
    "result",
]


def choose_drawn_draw(engine, key: str) -> int | None:
    draws = support.load_draws(engine)
    done = draws[draws["status"] == "drawn"]
    if done.empty:
        st.caption(t("sampling.draw.none_drawn"))
        return None
    labels = draw_labels(engine, done)
    return st.selectbox(t("sampling.assign.draw"), list(labels), format_func=labels.get, key=key)


def drawn_checks(engine, draw_id: int):
    """The draw's checks as drawn (enterprises, inspector pairs): kept while the register's rows
    (the frame's content) and the imported tables stay as they are, so that after a recorded
    result or a publication only the results are read again."""
    return per_frame_content(
        get_frame(),
        ("sampling.drawn_checks", draw_id, record.tables_version(engine)),
        lambda: support.load_drawn_checks(engine, draw_id),
    )


def assignments_of(engine, draw_id: int):
    """The draw's checks with their inspectors and results, once per data version (shared:
    callers make new frames rather than change it); the checks as drawn from :func:`drawn_checks`."""
    return per_data_version(
        ("sampling.assignments", draw_id),
        lambda: support.load_assignments(engine, draw_id, drawn_checks(engine, draw_id)),
    )


def result_labels() -> dict[str, str]:
    return {code: t(f"sampling.result.{code}") for code in support.RESULT_CODES}


def assignments_view(engine, actor, draw_id: int) -> None:
    """The draw's checks with their inspectors; the check list of the chosen department and pair,
    built only when its download is clicked (cached per data version)."""
    # the table as shown (pairs, inspectors and results worded): once per data version and language,
    # not on every rerun (tens of thousands of checks at a million enterprises)
    rows = per_data_version_and_language(
        ("sampling.assignment_table", draw_id), lambda: _worded_assignments(assignments_of(engine, draw_id))
    )
    departments = sorted(rows["department"].unique())
    # worded now, not in format_func: see widgets.worded
    all_departments, all_pairs = t("sampling.assign.all_departments"), t("sampling.assign.all_pairs")
    left, right = st.columns(2)
    choice = left.selectbox(
        t("sampling.assign.department"),
        ["", *departments],
        format_func=lambda d: d or all_departments,
        key="assign_department",
    )
    shown = rows[rows["department"] == choice] if choice else rows
    pair = right.selectbox(
        t("sampling.assign.pair"),
        ["", *sorted(shown["pair"].unique())],
        format_func=lambda p: p or all_pairs,
        key="assign_pair",
    )
    if pair:
        shown = shown[shown["pair"] == pair]
    show_table(shown, ASSIGNMENT_COLUMNS, "sampling.assign")
    if shown.empty:
        return
    st.caption(t("sampling.assign.built_on_click", n=len(shown)))
    where = {"draw": draw_id, "department": choice or None, "pair": pair or None}
    stem = "-".join(str(part) for part in (f"checklist-{draw_id}", choice, pair) if part)
    for column, suffix, mime in (
        (left, ".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (right, ".pdf", "application/pdf"),
    ):
        build = per_data_version_on_demand(
            ("checklist", draw_id, suffix, choice or None, pair or None),
            lambda s=suffix: support.checklist_bytes(engine, draw_id, s, choice or None, pair or None),
        )
        # a checklist names inspectors: it leaves the system audited, when clicked
        audited = audited_download(engine, actor, "checklist", suffix[1:], len(shown), where, build)
        column.download_button(
            t(f"sampling.assign.download_{suffix[1:]}"),
            audited,
            f"{stem}{suffix}",
            mime,
            key=f"checklist{suffix}",
            on_click="ignore",
        )


def _worded_assignments(rows):
    """The draw's checks as the 检查任务 table shows them: ``pair`` (the inspectors in name order,
    what the pair picker offers), ``inspectors`` joined, ``result`` in the session's language."""
    # a pass over the checks' lists, not a Series.map per column (tens of thousands of checks)
    inspectors = rows["inspectors"].tolist()
    return rows.assign(
        pair=pd.Series(["、".join(sorted(p)) for p in inspectors], index=rows.index),
        inspectors=pd.Series(["、".join(p) for p in inspectors], index=rows.index),
        result=rows["result"].map(result_labels()),
    )


def result_entry(engine, actor, draw_id: int, today: dt.date) -> None:
    """Edit the results of a draw's checks in a table; save the changed rows."""
    st.caption(t("sampling.results.help"))
    labels = result_labels()
    before = per_data_version(  # the editor's rows: read and shaped once per data version
        ("sampling.result_editor", draw_id, tuple(labels.values())),
        lambda: support.result_editor_frame(assignments_of(engine, draw_id), labels),
    )
    config = {
        "assignment_id": st.column_config.NumberColumn(t("sampling.assign.col_position"), disabled=True),
        "enterprise": st.column_config.TextColumn(t("sampling.assign.col_enterprise"), disabled=True),
        "uscc": st.column_config.TextColumn(t("sampling.assign.col_uscc"), disabled=True),
        "checked_on": st.column_config.DateColumn(t("sampling.assign.col_checked_on"), max_value=today),
        "result": st.column_config.SelectboxColumn(
            t("sampling.assign.col_result"), options=list(labels.values())
        ),
        "findings": st.column_config.TextColumn(t("sampling.assign.col_findings")),
        "rectification_due_on": st.column_config.DateColumn(t("sampling.assign.col_rectification_due_on")),
        "rectified_on": st.column_config.DateColumn(t("sampling.assign.col_rectified_on")),
    }
    edited = st.data_editor(  # a cell not yet filled in shows empty, not a grey "None"
        before,
        column_config=config,
        hide_index=True,
        width="stretch",
        key=f"results_{draw_id}",
        placeholder="",
    )
    if st.button(t("sampling.results.save"), disabled=not actor.can("inspection.record")):
        changes = support.changed_results(before, edited, labels)
        if not changes:
            st.info(t("sampling.results.unchanged"))
            return
        attempt(
            lambda: len(support.record_results(engine, actor, changes, today)),
            "sampling.results.saved",
            n=len(changes),
        )


def publication_view(engine, actor, today: dt.date) -> None:
    """Checks overdue for publication, those awaiting it, the act of publishing, the results file."""
    pending = per_data_version(  # the checks awaiting publication: read once per data version
        ("sampling.pending_publication", today),
        lambda: results.pending_publication(
            support.load_inspections(engine, awaiting_publication=True), today
        ),
    )
    pending = pending.assign(result=pending["result"].map(result_labels()))
    columns = ["inspection_id", "enterprise", "uscc", "department", "checked_on", "publish_by", "result"]
    st.subheader(t("sampling.publication.overdue"))
    show_table(pending[pending["overdue"]], columns, "sampling.publication")
    st.subheader(t("sampling.publication.pending"))
    show_table(pending[~pending["overdue"]], columns, "sampling.publication")
    if actor.can("inspection.publish") and len(pending):
        choices = publish_choices(pending, own_department(engine, actor))
        with st.form("publish"):
            ids = st.multiselect(
                t("sampling.publication.choose"),
                list(choices),
                format_func=choices.get,
                placeholder=t("common.choose"),
            )
            on = st.date_input(t("sampling.publication.publish_on"), today, max_value=today)
            if st.form_submit_button(t("sampling.publication.publish")) and ids:
                attempt(
                    lambda: support.publish_results(engine, actor, ids, on),
                    "sampling.publication.published",
                    n=len(ids),
                )
    st.subheader(t("sampling.publication.files"))
    for column, suffix in zip(st.columns(3), (".html", ".csv", ".json"), strict=True):
        build = per_data_version_on_demand(  # built when clicked, once per data version
            ("sampling.results_file", suffix), lambda s=suffix: support.results_bytes(engine, None, s)[0]
        )
        column.download_button(
            t(f"sampling.publication.download_{suffix[1:]}"),
            build,
            f"results{suffix}",
            key=f"results{suffix}",
            on_click="ignore",
        )


def own_department(engine, actor) -> str | None:
    return next((n for n, i in support.department_ids(engine).items() if i == actor.department_id), None)


def publish_choices(pending, own: str | None) -> dict[int, str]:
    """Checks awaiting publication, the user's own department first, each named by its enterprise."""
    mine = (pending["department"] != own).astype(int)  # 0 for one's own department: first
    ordered = pending.assign(_mine=mine).sort_values(["_mine", "publish_by"], kind="stable")
    return {
        int(r.inspection_id): f"{int(r.inspection_id)} · {r.enterprise} · {r.department} · {r.checked_on}"
        for r in ordered.itertuples()
    }


def risk_view(engine, actor, frame, today: dt.date) -> None:
    """The latest risk model: method, validation, thresholds, classes; retrain; one enterprise's reasons."""
    st.subheader(t("sampling.risk.latest"))
    run = support.load_latest_risk_run(engine)
    if run is None:
        st.info(t("sampling.risk.none"))
    else:
        _show_report(run["report"])
    if actor.can("sampling.risk_model") and st.button(t("sampling.risk.train")):
        attempt(lambda: support.train_and_store(engine, actor, today, 0, frame)[1], "sampling.risk.trained")
    if run is not None:
        _lookup(engine, run["id"], frame)


def _show_report(report: dict) -> None:
    st.markdown(t(f"sampling.risk.method_{report['method']}"))
    v = report.get("validation")
    if v:
        st.caption(
            t(
                "sampling.risk.validation",
                train0=v["train_years"][0],
                train1=v["train_years"][1],
                test=v["test_year"],
                n=v["test_checks"],
            )
        )
        cols = st.columns(3)
        cols[0].metric(t("sampling.risk.auc"), f"{v['roc_auc']:.3f}")
        cols[1].metric(t("sampling.risk.brier", base=f"{v['brier_base_rate']:.4f}"), f"{v['brier']:.4f}")
        cols[2].metric(t("sampling.risk.top20"), f"{v['top20_found']:.1%}")
        th = report["thresholds"]
        st.caption(t("sampling.risk.thresholds", **{c: f"{th[c]:.1%}" for c in th}))
        with st.expander(t("sampling.risk.calibration")):
            show_table(support.calibration_frame(v), ["predicted", "observed", "checks"], "sampling.risk")
    else:
        st.caption(t("sampling.risk.rules"))
    st.markdown(f"**{t('sampling.risk.counts')}**")
    cols = st.columns(4)
    for col, (cls, n) in zip(cols, report["class_counts"].items(), strict=True):
        col.metric(cls, f"{n:,}")


def _lookup(engine, run_id: int, frame) -> None:
    uscc = st.text_input(t("sampling.risk.lookup"), key="risk_lookup")
    if not uscc:
        return
    found = support.risk_of(engine, run_id, frame, uscc.strip().upper())
    if found is None:
        st.caption(t("sampling.risk.not_found"))
        return
    cls, probability, reasons = found
    st.markdown(t("sampling.risk.class_of", cls=cls, p="—" if probability is None else f"{probability:.1%}"))
    for reason in reasons:
        key, _, value = reason.partition(":")
        st.markdown(
            "- " + t(f"sampling.reason.{key}", value=value) if value else "- " + t(f"sampling.reason.{key}")
        )


def estimates_view(engine, frame, draw_id: int) -> None:
    """Horvitz–Thompson share with problems per sector beside the model's prediction."""
    st.subheader(t("sampling.risk.estimates"))
    # the candidates and the model's predictions: once per content of the frame and risk model;
    # the estimate from the checks' results: once per data version
    models = record.tables_version(engine, ("sampling.risk_model.",))
    population = per_frame_content(
        frame,
        ("sampling.estimate_population", draw_id, models),
        lambda: support.estimate_population(engine, draw_id, frame),
    )
    # only the checks with a result are read for it, not the draw's checks with their pairs (what
    # the other sections show): docs/draw.md, *What the pages read of a draw*
    table = per_data_version(
        ("sampling.estimates", draw_id), lambda: support.estimates_table(engine, draw_id, frame, population)
    )
    labels = {"share": t("sampling.risk.estimate_share"), "model": t("sampling.risk.estimate_model")}
    st.plotly_chart(estimate_bars(table, labels, t("sampling.risk.estimates")), width="stretch")
    shown = support.percent_text(table, ["share", "ci_low", "ci_high", "predicted"])
    shown = shown.rename(columns={"predicted": "predicted_share"})
    columns = ["domain", "N", "checked", "problems", "share", "ci_low", "ci_high", "predicted_share"]
    show_table(shown, columns, "sampling.risk")
    st.caption(t("sampling.risk.estimate_note"))


__all__ = [
    "assignments_view",
    "choose_drawn_draw",
    "estimates_view",
    "publication_view",
    "result_entry",
    "risk_view",
]
