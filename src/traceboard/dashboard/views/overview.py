"""总览: the register and its traceability today, at a glance."""

import streamlit as st

from traceboard.dashboard import charts
from traceboard.dashboard.state import get_frame, per_data_version, per_data_version_and_language, t, today
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
total, by_sector, by_township = per_data_version(
    ("overview", day),
    lambda: (
        compute_adoption(frame, [], day).iloc[0],
        compute_adoption(frame, ["sector"], day),
        compute_adoption(frame, ["township"], day),
    ),
)

cols = st.columns(4)
cols[0].metric(t("overview.in_operation"), f"{int(total['total']):,}")
cols[1].metric(t("overview.adopted"), f"{int(total['adopted']):,}")
cols[2].metric(t("overview.connected"), f"{int(total['connected']):,}")
cols[3].metric(t("overview.rate"), f"{total['rate']:.1%}" if total["total"] else "—")

labels = {key: t(f"overview.{key}") for key in ("rate", "connected", "adopted_only", "not_adopted")}
left, right = st.columns(2)
left.plotly_chart(
    per_data_version_and_language(
        ("overview.by_sector", day),
        lambda: charts.rate_bars(by_sector, "sector", labels, t("overview.by_sector")),
    ),
    width="stretch",
)
right.plotly_chart(
    per_data_version_and_language(
        ("overview.by_township", day),
        lambda: charts.stacked_counts(by_township, "township", labels, t("overview.by_township")),
    ),
    width="stretch",
)

st.subheader(t("overview.table"))
shown = by_township.rename(columns={c: t(f"overview.col_{c}") for c in by_township.columns})
st.dataframe(
    shown,
    hide_index=True,
    width="stretch",
    column_config={
        t("overview.col_rate"): st.column_config.ProgressColumn(format="percent"),
        **{
            t(f"overview.col_{c}"): st.column_config.NumberColumn(format="percent")
            for c in ("ci_low", "ci_high", "connected_rate")
        },
    },
)
st.caption(t("overview.note", as_of=as_of.isoformat()))
