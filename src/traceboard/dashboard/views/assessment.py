"""年度考核: scores, grades, ranks, the unit breakdown, sensitivity, saving, locking, reports."""

import streamlit as st

from traceboard.dashboard import assessment_charts as charts
from traceboard.dashboard import widgets
from traceboard.dashboard.charts import drawn_once
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import (
    adoption_states,
    get_engine,
    get_frame,
    language,
    per_data_version,
    per_data_version_and_language,
    per_frame_content,
    signed_in_actor,
    t,
    today,
)
from traceboard.dashboard.widgets import flash, show_flash
from traceboard.files.assessment_report import rank_text, write_assessment_pdf, write_assessment_xlsx
from traceboard.metrics.assessment import compare_with_average, count_grades
from traceboard.metrics.sensitivity import sensitivity_by_kind
from traceboard.services.assessment import (
    FIRST_YEAR,
    LockedRunError,
    NothingToLock,
    change_item,
    lock_assessment,
    prepare_assessment,
    report_data,
    save_assessment,
    score_history,
    score_year,
    worded_indicators,
    year_inputs,
    year_inputs_key,
)
from traceboard.services.audit_trail import audited_download

KINDS = ("department", "township")
UNIT_COLUMNS = ("rank", "unit", "role", "score", "grade", "change", "note")

st.title(t("assessment.title"))
actor = signed_in_actor("assessment")
show_flash("assessment")
frame = get_frame()
if frame.enterprises.empty:
    st.info(t("common.no_data"))
    st.stop()

years = list(range(today().year, FIRST_YEAR - 1, -1))
year = st.selectbox(t("assessment.year"), years, index=min(1, len(years) - 1), key="assessment_year")
engine = get_engine()


def scored(each: int):
    """A year scored alone, once per data version: the year shown, the year before (without a stored
    run) and the years of the history share it (services.assessment.YearResult)."""
    return per_data_version(("assessment.year", each, today()), lambda: scored_anew(each))


def scored_anew(each: int):
    """A year's scores after a change of the record: its facts read again, and scored again only
    when they, its indicator sets or the frame's content changed (``year_inputs_key``): a check
    recorded today does not score last year and the year before again, one dated back does."""
    inputs = year_inputs(engine, each, today(), frame)
    return per_frame_content(
        frame,
        ("assessment.year", each, year_inputs_key(inputs)),
        lambda: score_year(inputs, frame, adoption_at),
    )


def adoption_at(day: int):
    """The enterprises' adoption at a day, once per content of the frame: a year's 31 December is
    also the next year's year before (and the other pages' year end), and a recorded check result
    leaves it as it was. Worked out from the events' states the other pages keep too
    (``adoption_states``: 追溯覆盖率 and 任务进度 count at the same year ends)."""
    return per_frame_content(
        frame, ("assessment.adoption_state", day), lambda: adoption_states(frame).state_frame(frame, day)
    )


view = per_data_version(
    ("assessment", year, today()), lambda: prepare_assessment(engine, year, today(), frame, scored)
)
version = t("assessment.version", n=view.version) if view.version else t("assessment.unsaved")
if view.status == "locked":
    st.success(t("assessment.locked", year=year, version=version, who=plain(view.run["locked_by"])))
else:
    st.warning(t("assessment.draft", year=year, version=version, as_of=view.as_of.isoformat()))


def make_reports(view) -> None:
    """Write the workbook and the PDF of ``view`` and keep them, with the version and status they show."""
    sensitivity = per_data_version(  # the same figures locked or not: the table's once per data version
        ("assessment.sensitivity", year, today()), lambda: sensitivity_by_kind(view.result, view.sets)
    )
    data = report_data(view, sensitivity)
    st.session_state["assessment_files"] = (year, write_assessment_xlsx(data), write_assessment_pdf(data))
    st.session_state["assessment_files_of"] = (year, view.version, view.status)


def render_actions(view) -> None:
    """Save (office) and lock (leaders) buttons; the domain checks the role again.

    Locking cannot be undone: the button is enabled only once the leader ticks the confirmation.
    The reports are made again from the locked run, so the files offered are the locked ones."""
    left, right = st.columns(2)
    can_save = actor.can("assessment.run") and view.run is None
    if can_save and left.button(t("assessment.save"), key="assessment_save", type="primary"):
        save_assessment(engine, actor, view)
        st.rerun()
    can_lock = actor.can("assessment.lock") and view.run is not None and view.status == "draft"
    if can_lock:
        confirmed = right.checkbox(
            t("assessment.lock_confirm", version=view.version), key="assessment_lock_ok"
        )
        if not confirmed:
            right.caption(t("assessment.lock_needs_confirm"))
        if right.button(
            t("assessment.lock", version=view.version),
            key="assessment_lock",
            type="primary",
            disabled=not confirmed,
        ):
            try:
                locked = lock_assessment(engine, actor, view)
            except (NothingToLock, LockedRunError) as exc:  # another leader locked it meanwhile
                right.error(plain(exc))
            else:
                make_reports(locked)
                st.session_state.pop("assessment_lock_ok", None)
                flash("assessment", t("assessment.locked_ok", version=locked.version))
                st.rerun()
    if actor.can("assessment.lock") and view.run is None:
        right.caption(t("assessment.nothing_to_lock"))


def kept(key: tuple, compute):
    """What a tab shows of the year's view (a table, a chart): made once per data version, year and
    language, as the view itself (kept under the same year and day), not on every click."""
    return per_data_version_and_language(("assessment.shown", *key, year, today()), compute)


def changes_table() -> widgets.Table:
    changed = view.changes.drop(columns="unit_id")
    changed["item"] = [change_item(item).word(language()) for item in changed["item"]]
    return widgets.table_of(changed, {c: t(f"assessment.col_{c}") for c in changed.columns})


render_actions(view)
if not view.changes.empty:
    with st.expander(t("assessment.changes", version=int(view.latest["version"]), n=len(view.changes))):
        widgets.show(kept(("changes",), changes_table))


def grading_note(unit) -> str:
    """说明: the points of the indicators that apply, and why a unit is not graded."""
    weight, minimum = f"{unit.applicable_weight:g}", f"{unit.required_weight:g}"
    if unit.graded:
        return t("assessment.note_graded", weight=weight)
    return t("assessment.note_not_graded", weight=weight, minimum=minimum)


def role_name(kind: str, role: str) -> str:
    """The unit's class (牵头部门, 配合部门) in the session's language; "" when the set has none."""
    return view.sets[kind].role_name(role, english=language() != "zh")


def ranking(kind: str):
    units = view.result.units[view.result.units["unit_kind"] == kind]
    columns = [c for c in UNIT_COLUMNS if c != "role" or view.sets[kind].roles]  # classes, where there are
    table = units.assign(
        note=[grading_note(u) for u in units.itertuples()],
        role=[role_name(kind, r) for r in units["role"]],
        rank=units["rank"].map(rank_text),  # 不予评定: no rank, "—" as in the workbook and the PDF
    )[columns]
    return table, {c: t(f"assessment.col_{c}") for c in columns}


def indicator_status(row) -> str:
    """A milestone's standing (逾期未报 …) or whether the indicator applies, in the session's language."""
    status = row.inputs.get("status") if isinstance(row.inputs, dict) else None
    if status:
        return t(f"assessment.milestone_{status}")
    return t("assessment.applies") if row.applicable else t("assessment.not_applicable")


def grades_chart():
    counts = count_grades(view.result, view.sets["township"].grades)
    labels = {kind: t(f"assessment.kind_{kind}") for kind in KINDS}
    return drawn_once(charts.grade_distribution(counts, labels, t("assessment.grades")))


def unit_shown(unit_id: int):
    """The 单位详情 tab of a unit: its radar against its kind's average, its grading note and its
    indicators' table."""
    units = view.result.units
    profile = compare_with_average(view.result, unit_id)
    names = profile["name_zh" if language() == "zh" else "name_en"]
    radar_labels = {"share": t("assessment.this_unit"), "average": t("assessment.average")}
    radar = drawn_once(charts.radar(profile, names, radar_labels, t("assessment.radar")))
    detail = view.result.indicators[view.result.indicators["unit_id"] == unit_id]
    detail = worded_indicators(detail, language())
    detail = detail.assign(
        status=[indicator_status(r) for r in detail.itertuples()],
        value=detail["value_text"],
        target=detail["target_text"],
        explanation=detail["explanation_text"],
    )
    note = grading_note(units.set_index("unit_id").loc[unit_id])
    shown = [
        "name_zh" if language() == "zh" else "name_en",
        "weight",
        "value",
        "target",
        "points",
        "status",
        "explanation",
    ]
    return radar, note, widgets.table_of(detail[shown], {c: t(f"assessment.col_{c}") for c in shown})


# keyed tabs that track their state: after 生成, 保存 or 锁定 (each a rerun) the user stays on the
# tab they were on instead of being thrown back to 排名
tabs = st.tabs(
    [t(f"assessment.tab_{name}") for name in ("ranking", "unit", "years", "sensitivity", "reports")],
    key="assessment_tab",
    on_change="rerun",
)
with tabs[0]:
    for kind, column in zip(KINDS, st.columns(2), strict=True):
        column.subheader(t(f"assessment.kind_{kind}"))
        with column:
            widgets.show(kept(("ranking", kind), lambda kind=kind: widgets.table_of(*ranking(kind))))
    st.plotly_chart(kept(("grades",), grades_chart), width="stretch")

with tabs[1]:
    units = view.result.units
    unit_id = st.selectbox(
        t("assessment.unit"), units["unit_id"].tolist(), format_func=units.set_index("unit_id")["unit"].get,
        key="assessment_unit",
    )  # fmt: skip
    radar, note, indicators = kept(("unit", unit_id), lambda: unit_shown(unit_id))
    st.plotly_chart(radar, width="stretch")
    st.caption(note)
    widgets.show(indicators)


def change_chart(kind: str):
    units = view.result.units[view.result.units["unit_kind"] == kind]
    title = t("assessment.change_title", kind=t(f"assessment.kind_{kind}"), year=year, before=year - 1)
    return drawn_once(charts.change_bars(units, title))


with tabs[2]:
    # the years since 2018 without a locked run are computed for the history (each once per data
    # version, shared with the views of those years): only when asked for, not on every first view
    if st.toggle(t("assessment.show_history"), key="assessment_history"):
        history = per_data_version(
            ("assessment.history", year, today()), lambda: score_history(engine, year, today(), frame, scored)
        )
        mine = history[history["unit_id"] == unit_id]
        history_labels = {"score": t("assessment.this_unit"), "average": t("assessment.average")}
        name = units.set_index("unit_id")["unit"][unit_id]
        st.plotly_chart(
            charts.history_lines(mine, history_labels, t("assessment.history", unit=name)), width="stretch"
        )
    for kind in KINDS:
        st.plotly_chart(kept(("change_bars", kind), lambda kind=kind: change_chart(kind)), width="stretch")

with tabs[3]:
    st.caption(t("assessment.sensitivity_note"))
    # ten thousand re-weightings: only when the tab is open (a click on it reruns the page), once
    # per data version; a first view on 排名 does not wait for them
    if tabs[3].open:
        sensitivity = per_data_version(
            ("assessment.sensitivity", year, today()), lambda: sensitivity_by_kind(view.result, view.sets)
        )
        columns = ["unit", "grade", "grade_stays", "rank", "rank_stays", "rank_best", "rank_worst", "fragile"]
        if any(indicator_set.roles for indicator_set in view.sets.values()):
            # each class is ranked apart (牵头部门, 配合部门): without it two units ranked 1 look a mistake
            units = view.result.units.set_index("unit_id")
            sensitivity = sensitivity.assign(
                role=[
                    role_name(kind, units.at[u, "role"])
                    for kind, u in sensitivity[["unit_kind", "unit_id"]].itertuples(index=False)
                ]
            )
            columns.insert(1, "role")
        widgets.table(
            sensitivity[columns],
            {c: t(f"assessment.col_{c}") for c in columns},
            progress=("grade_stays", "rank_stays"),
        )

with tabs[4]:
    if st.button(t("assessment.make_reports"), key="assessment_reports"):
        make_reports(view)
    files = st.session_state.get("assessment_files")
    made_of = st.session_state.get("assessment_files_of")
    if files and made_of == (year, view.version, view.status):  # files of another version: made again
        stem = f"assessment-{year}-{view.status}"
        for fmt, content in (("xlsx", files[1]), ("pdf", files[2])):
            st.download_button(
                t(f"assessment.download_{fmt}"),
                audited_download(  # the report leaves the system when clicked: audited then
                    engine,
                    actor,
                    "assessment_report",
                    fmt,
                    len(view.result.units),
                    {"year": year},
                    lambda c=content: c,
                ),
                f"{stem}.{fmt}",
                key=f"assessment_{fmt}",
            )
