"""任务进度: the plan's timetable — each unit's milestones against their due dates, the 2019 and
2020 goals, and the city among Xiangtan's counties."""

import streamlit as st

from traceboard.dashboard import numbers, widgets
from traceboard.dashboard import timetable_charts as charts
from traceboard.dashboard.state import (
    adoption_states,
    get_engine,
    get_frame,
    language,
    per_data_version,
    per_data_version_and_language,
    signed_in_actor,
    t,
    today,
)
from traceboard.services.timetable import prepare_timetable

STATUSES = ("on_time", "late", "overdue", "not_due")

st.title(t("timetable.title"))
signed_in_actor("timetable")
engine, frame = get_engine(), get_frame()
view = per_data_version(
    ("timetable", today()), lambda: prepare_timetable(engine, today(), frame, adoption_states(frame))
)
st.caption(t("timetable.as_of", day=view.as_of.isoformat()))
zh = language() == "zh"
# keyed tabs: a rerun (a picker changed inside a tab) keeps the user on the tab they were on
tabs = st.tabs(
    [t("timetable.tab_milestones"), t("timetable.tab_goals"), t("timetable.tab_counties")],
    key="timetable_tab",
    on_change="rerun",
)

with tabs[0]:
    groups = {"department": t("timetable.departments"), "township": t("timetable.townships")}
    group = st.radio(
        t("timetable.group"), list(groups), format_func=groups.get, horizontal=True, key="tt_group"
    )
    rows = view.milestones[view.milestones["group"] == group]
    counts = rows["status"].value_counts()
    for column, status in zip(st.columns(len(STATUSES)), STATUSES, strict=True):
        column.metric(t(f"timetable.status_{status}"), numbers.count(counts.get(status, 0)))
    unit_col, name_col = ("unit", "name_zh") if zh else ("unit_en", "name_en")
    labels = {s: t(f"timetable.status_{s}") for s in STATUSES} | {"due": t("timetable.due")}
    title = t("timetable.chart_milestones", group=groups[group])
    st.plotly_chart(
        per_data_version_and_language(  # a chart of every unit's milestones: drawn once per data version
            ("timetable.milestones", group, today()),
            lambda: charts.milestone_timeline(rows, unit_col, name_col, labels, view.as_of, title),
        ),
        width="stretch",
    )
    table = rows.assign(
        status=rows["status"].map(labels),
        due_on=rows["due_on"].dt.date,
        achieved_on=rows["achieved_on"].dt.date,
        days_late=rows["days_late"].map(numbers.count),
    )
    shown = [unit_col, name_col, "due_on", "achieved_on", "status", "days_late"]
    widgets.table(table[shown], {c: t(f"timetable.col_{c}") for c in shown})

with tabs[1]:
    st.caption(t("timetable.goals_note", note=view.targets_note.get(language(), "")))
    bar_labels = {k: t(f"timetable.bar_{k}") for k in ("rate", "connected", "target", "connection_target")}
    for year, goals in view.goals.groupby("year"):
        name = goals["milestone_zh" if zh else "milestone_en"].iloc[0]
        city = goals.iloc[0]
        st.subheader(t("timetable.goal_title", year=year, name=name))
        left, right = st.columns(2)
        left.metric(
            t("timetable.city_rate"),
            numbers.percent(city["rate"]),
            numbers.points(city["rate_vs_target"]),
        )
        right.metric(
            t("timetable.city_connected"),
            numbers.percent(city["connected_rate"]),
            numbers.points(city["connected_vs_target"]),
        )
        chart_title = t("timetable.chart_goals", year=year, day=goals["day"].iloc[0].isoformat())
        st.plotly_chart(
            per_data_version_and_language(
                ("timetable.goals", year, today()),
                lambda g=goals, title=chart_title: charts.goal_bars(g, bar_labels, title),
            ),
            width="stretch",
        )

with tabs[2]:
    if view.counties.empty:
        st.info(t("timetable.no_counties"))
    else:
        ranks = view.city_ranks.assign(
            published=view.city_ranks["published"].map(
                {True: t("timetable.published"), False: t("timetable.own")}
            ),
        )
        widgets.table(ranks, {c: t(f"timetable.col_{c}") for c in ranks.columns}, percent=("rate",))
        title = t("timetable.chart_counties", city=view.city)
        st.plotly_chart(
            per_data_version_and_language(
                ("timetable.counties", today()), lambda: charts.county_lines(view.counties, view.city, title)
            ),
            width="stretch",
        )
