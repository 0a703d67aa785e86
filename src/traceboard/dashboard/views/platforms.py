"""平台对接: what the traceability platforms report — who uploads, how fresh, how much."""

import pandas as pd
import streamlit as st

from traceboard import config
from traceboard.dashboard import numbers, platform_charts, widgets
from traceboard.dashboard.state import get_frame, per_frame_content, per_frame_content_and_language, t, today
from traceboard.data.frame import to_day
from traceboard.metrics.platform_report import enterprise_uploads, platform_summary, records_by_month

st.title(t("platforms.title"))
frame = get_frame()
if frame.platforms.empty:
    st.info(t("common.no_data"))
    st.stop()

window = config.active_window_days()
as_of = st.date_input(t("common.as_of"), value=today(), key="platforms_as_of")
day = to_day(as_of)
summary = per_frame_content(
    frame, ("platforms.summary", day, window), lambda: platform_summary(frame, day, window)
)

cards = st.columns(3)
cards[0].metric(t("platforms.platforms"), numbers.count(len(summary)))
cards[1].metric(t("platforms.reporting", days=window), numbers.count(summary["reporting"].sum()))
latest = summary["last_day"].dropna()
cards[2].metric(t("platforms.latest"), max(latest).isoformat() if len(latest) else "—")

shown = summary.assign(
    last_day=[d.isoformat() if d is not None else "—" for d in summary["last_day"]],
    freshness=[numbers.count(f) for f in summary["freshness"]],
    status=[
        t("platforms.status_none")
        if pd.isna(f)
        else t("platforms.status_fresh")
        if f <= 7
        else t("platforms.status_late", days=int(f))
        for f in summary["freshness"]
    ],
)
columns = ["code", "name", "reporting", "ever", "records", "last_day", "freshness", "status"]
st.subheader(t("platforms.table"))
widgets.table(shown[columns], {c: t(f"platforms.col_{c}", days=window) for c in columns})
st.caption(t("platforms.note", days=window))

labels = {key: t(f"platforms.{key}") for key in ("month", "records", "date")}
monthly = per_frame_content(frame, ("platforms.monthly", day), lambda: records_by_month(frame, day))
if monthly.empty:
    st.info(t("platforms.no_uploads"))
else:
    st.plotly_chart(
        per_frame_content_and_language(
            frame,
            ("platforms.monthly_chart", day),
            lambda: platform_charts.monthly_records(monthly, labels, t("platforms.monthly")),
        ),
        width="stretch",
    )

st.subheader(t("platforms.enterprise"))
uscc = st.text_input(t("platforms.uscc"), key="platforms_uscc", placeholder="91430381…").strip().upper()
if uscc:
    uploads = enterprise_uploads(frame, uscc, day)
    if uploads.empty:
        st.info(t("platforms.enterprise_none", uscc=uscc))
    else:
        st.plotly_chart(
            platform_charts.enterprise_timeline(uploads, labels, t("platforms.timeline", uscc=uscc)),
            width="stretch",
        )
        widgets.table(
            uploads,
            {c: t(f"platforms.col_upload_{c}") for c in uploads.columns},
            progress=("completeness",),
            column_config={t("platforms.col_upload_date"): st.column_config.DateColumn(format="YYYY-MM-DD")},
        )
