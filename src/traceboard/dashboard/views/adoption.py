"""追溯覆盖率: adoption by township, sector and department at any date, against targets."""

import pandas as pd
import streamlit as st

from traceboard import config
from traceboard.dashboard import charts, names, numbers, widgets
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import (
    adoption_states,
    current_actor,
    get_engine,
    get_frame,
    language,
    per_frame_content,
    per_frame_content_and_language,
    t,
    today,
)
from traceboard.data.adoption_targets import load_targets
from traceboard.data.frame import to_day
from traceboard.files.tables import to_xlsx_bytes
from traceboard.metrics.adoption_report import (
    DateOutOfRange,
    check_day,
    prepare_adoption_view,
    scope_mask,
    work_list,
)
from traceboard.services.audit_trail import audited_download

FRACTIONS = (
    *("ci_low", "ci_high", "connected_rate", "target", "gap", "rate_year_ago", "change"),
    *("active_rate", "active_ci_low", "active_ci_high"),
)


def _columns(table: pd.DataFrame) -> pd.DataFrame:
    return table.rename(columns={c: t(f"adoption.col_{c}") for c in table.columns})


def _headings(columns) -> list[str]:
    return [t(f"adoption.col_{c}") for c in columns]


def _follow_click(event) -> None:
    """A bar clicked (a new click, not the one already followed) picks its township for the work list."""
    points = [p.get("y") for p in (event.selection.points if event else [])]
    if not points:
        st.session_state.pop("adoption_clicked", None)
    elif points[0] != st.session_state.get("adoption_clicked"):
        st.session_state["adoption_clicked"] = points[0]
        if points[0] in set(frame.townships["name"]):
            st.session_state["adoption_township"] = points[0]


st.title(t("adoption.title"))
frame = get_frame()
if frame.enterprises.empty:
    st.info(t("common.no_data"))
    st.stop()

everything = t("adoption.all")
left, middle, right = st.columns(3)
as_of = left.date_input(t("common.as_of"), value=today(), key="adoption_as_of")
sectors, departments = [everything, *frame.sectors["name"]], [everything, *frame.departments["name"]]
sector = middle.selectbox(
    t("adoption.sector"), sectors, format_func=widgets.worded(sectors, names.name), key="adoption_sector"
)
department = right.selectbox(
    t("adoption.department"),
    departments,
    format_func=widgets.worded(departments, names.name),
    key="adoption_department",
)
sector, department = (None if v == everything else v for v in (sector, department))
try:
    day = check_day(frame, to_day(as_of))
except DateOutOfRange as exc:
    st.warning(t("adoption.out_of_range", message=plain(exc)))
    st.stop()
targets = load_targets()
window = config.active_window_days()
# computed once per data version and choice; a rerun (a click on a bar, a township picked) reuses it
scope = (day, sector, department, window)
view = per_frame_content(
    frame,
    ("adoption.view", *scope),
    lambda: prepare_adoption_view(frame, day, targets, sector, department, window, adoption_states(frame)),
)

total = view.total
cards = st.columns(5)
cards[0].metric(t("adoption.in_operation"), numbers.count(total["total"]))
cards[1].metric(t("adoption.adopted"), numbers.count(total["adopted"]))
cards[2].metric(
    t("adoption.connected"),
    f"{numbers.count(total['connected'])} ({numbers.percent(total['connected_rate'])})",
    t("adoption.connected_target", target=numbers.percent(view.connection_target)),
    delta_color="off",
    delta_arrow="off",
)
cards[3].metric(
    t("adoption.rate"),
    numbers.percent(total["rate"]),
    t("adoption.change", change=numbers.percent(total["change"], signed=True)),
)
cards[4].metric(
    t("adoption.active_card", days=window),
    f"{numbers.count(total['active'])} ({numbers.percent(total['active_rate'])})",
)
st.caption(
    t(
        "adoption.vs_target",
        target=numbers.percent(total["target"]),
        gap=numbers.percent(total["gap"], signed=True),
    )
    if pd.notna(total["target"])
    else t("adoption.no_target")
)

labels = {key: t(f"adoption.{key}") for key in ("rate", "target", "year")}


def _chart(name: str, build):
    return per_frame_content_and_language(
        frame, ("adoption.chart", name, *scope), lambda: charts.drawn_once(build())
    )


clicked = st.plotly_chart(
    _chart(
        "township_rates",
        lambda: charts.township_rates(view.by_township, total["target"], labels, t("adoption.by_township")),
    ),
    width="stretch",
    on_select="rerun",
    selection_mode="points",
    key="adoption_bars",
)
_follow_click(clicked)
left, right = st.columns(2)
left.plotly_chart(
    _chart("tiles", lambda: charts.tile_map(view.tiles, labels, t("adoption.tiles"))), width="stretch"
)
right.plotly_chart(
    _chart(
        "heatmap",
        lambda: charts.rate_heatmap(
            names.localize(view.by_township_sector, ["sector"]),
            "township",
            "sector",
            labels,
            t("adoption.heatmap"),
        ),
    ),
    width="stretch",
)
st.plotly_chart(
    _chart(
        "trend",
        lambda: charts.trend_lines(
            names.localize(view.trend, ["sector"]), "sector", labels, t("adoption.trend")
        ),
    ),
    width="stretch",
)

st.subheader(t("adoption.table"))
widgets.show(  # prepared once per content, choice and language, as the charts
    per_frame_content_and_language(
        frame,
        ("adoption.table", *scope),
        lambda: widgets.table_of(
            _columns(view.by_township), percent=_headings(FRACTIONS), progress=_headings(["rate"])
        ),
    )
)

st.subheader(t("adoption.cross_title"))
st.caption(t("adoption.active_note", days=window))
cross = pd.DataFrame(
    {
        t("adoption.cross_active", days=window): [total["declared_active"], total["undeclared_active"]],
        t("adoption.cross_silent", days=window): [
            total["declared_silent"],
            total["total"] - total["adopted"] - total["undeclared_active"],
        ],
    },
    index=[t("adoption.cross_declared"), t("adoption.cross_undeclared")],
).astype(int)
widgets.table(cross, hide_index=False, width="content")

st.subheader(t("adoption.work_list"))
township = st.selectbox(
    t("adoption.pick_township"), frame.townships["name"].tolist(), key="adoption_township"
)
listed = per_frame_content(
    frame,
    ("adoption.work_list", township, *scope),
    lambda: work_list(
        frame, township, day, scope_mask(frame, sector, department), window, adoption_states(frame)
    ),
)


def _worded(listed: pd.DataFrame) -> tuple[pd.DataFrame, widgets.Table]:
    """The work list with its reasons in the session's language, and its table as shown."""
    todo = listed.assign(  # a new frame: the cached one is shared by every session
        reason=listed["reason"]
        .map({r: t(f"adoption.reason_{r}", days=window) for r in ("not_adopted", "silent")})
        .astype(object)
    )
    return todo, widgets.table_of(_columns(todo))


todo, todo_table = per_frame_content_and_language(
    frame, ("adoption.work_list_worded", township, *scope), lambda: _worded(listed)
)
if todo.empty:
    st.success(t("adoption.work_none", township=plain(township)))
else:
    st.write(t("adoption.work_count", township=plain(township), count=len(todo)))
    widgets.show(todo_table)
    asked = {"township": township, "as_of": as_of}
    st.download_button(
        t("adoption.download"),
        audited_download(  # built, and the export audited, only when clicked
            get_engine(),
            current_actor(),
            "adoption_work_list",
            "xlsx",
            len(todo),
            asked,
            lambda: to_xlsx_bytes({t("adoption.sheet"): _columns(todo)}),
        ),
        f"work-list-{township}-{as_of.isoformat()}.xlsx",
        key="adoption_download",
    )
st.caption(t("adoption.note", as_of=as_of.isoformat()))
st.caption(t("adoption.assumption", text=targets.attrs["assumptions"][language()]))
