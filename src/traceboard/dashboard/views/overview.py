"""总览: the register and its traceability today, at a glance."""

import streamlit as st

from traceboard.dashboard import charts, names, numbers, widgets
from traceboard.dashboard.state import get_frame, per_frame_content, per_frame_content_and_language, t, today
from traceboard.data.frame import to_day
from traceboard.metrics.adoption import compute_adoption

st.title(t("overview.title"))
frame = get_frame()
if frame.enterprises.empty:
    st.info(t("common.no_data"))
    st.stop()

as_of = st.date_input(t("common.as_of"), value=today(), key="overview_as_of")
day = to_day(as_of)
# the register's counts once per data version and date: a rerun redraws them without a scan
total, by_sector, by_township = per_frame_content(
    frame,
    ("overview", day),
    lambda: (
        compute_adoption(frame, [], day).iloc[0],
        compute_adoption(frame, ["sector"], day),
        compute_adoption(frame, ["township"], day),
    ),
)

cols = st.columns(4)
cols[0].metric(t("overview.in_operation"), numbers.count(total["total"]))
cols[1].metric(t("overview.adopted"), numbers.count(total["adopted"]))
cols[2].metric(t("overview.connected"), numbers.count(total["connected"]))
cols[3].metric(t("overview.rate"), numbers.percent(total["rate"]) if total["total"] else numbers.NONE)

labels = {key: t(f"overview.{key}") for key in ("rate", "connected", "adopted_only", "not_adopted")}
left, right = st.columns(2)
left.plotly_chart(
    per_frame_content_and_language(
        frame,
        ("overview.by_sector", day),
        lambda: charts.drawn_once(
            charts.rate_bars(names.localize(by_sector, ["sector"]), "sector", labels, t("overview.by_sector"))
        ),
    ),
    width="stretch",
)
right.plotly_chart(
    per_frame_content_and_language(
        frame,
        ("overview.by_township", day),
        lambda: charts.drawn_once(
            charts.stacked_counts(by_township, "township", labels, t("overview.by_township"))
        ),
    ),
    width="stretch",
)

st.subheader(t("overview.table"))
widgets.table(
    by_township,
    {c: t(f"overview.col_{c}") for c in by_township.columns},
    percent=("ci_low", "ci_high", "connected_rate"),
    progress=("rate",),
)
st.caption(t("overview.note", as_of=as_of.isoformat()))
