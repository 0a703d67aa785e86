"""公众查询: no sign-in; only published information; nothing personal."""

import pandas as pd
import streamlit as st

from traceboard.dashboard import numbers
from traceboard.dashboard.state import get_engine, t, today
from traceboard.services.public import look_up

CASE_COLUMNS = [
    "listed_on",
    "grounds",
    "legal_basis",
    "authority",
    "remedies",
    "removed_on",
    "removal_reason",
    "removal_authority",
]
RESULT_COLUMNS = ["checked_on", "department", "result_label", "published_on"]

st.title(t("public_lookup.title"))
st.caption(t("public_lookup.intro"))
query = st.text_input(t("public_lookup.query"), key="lookup_query")
if not query.strip():
    st.stop()

day = today()
answers = look_up(get_engine(), query, day)
if not answers:
    st.info(t("public_lookup.no_match"))
    st.stop()
if len(answers) > 1:
    st.caption(t("public_lookup.many", count=len(answers)))


def yes_no(key: str, value: bool) -> str:
    return t(f"public_lookup.{key}_{'yes' if value else 'no'}")


def show(rows: list[dict], columns: list[str]) -> None:
    frame = pd.DataFrame(rows, columns=columns)
    st.dataframe(
        frame.rename(columns={c: t(f"public_lookup.col.{c}") for c in columns}),
        hide_index=True,
        placeholder=numbers.NONE,  # nothing is "—", not "None"
    )


for answer in answers:
    with st.container(border=True):
        st.text(f"{answer['name']}（{answer['uscc']}） {answer['sector']} · {answer['township']}")
        cols = st.columns(3)
        cols[0].metric(t("public_lookup.traceable"), yes_no("traceable", answer["traceable"]))
        cols[1].metric(t("public_lookup.blacklisted"), yes_no("blacklisted", answer["blacklisted"]))
        cols[2].metric(t("public_lookup.procurement"), yes_no("procurement", answer["procurement"]["ok"]))
        if answer["connected"]:
            st.caption(t("public_lookup.connected"))
        if answer.get("last_upload"):
            uploaded_on, platform = answer["last_upload"]
            st.caption(t("public_lookup.last_upload", day=uploaded_on.isoformat(), platform=platform))
        if answer["cases"]:
            st.markdown(f"**{t('public_lookup.cases')}**")
            show(answer["cases"], CASE_COLUMNS)
        if answer["results"]:
            st.markdown(f"**{t('public_lookup.results')}**")
            show(answer["results"], RESULT_COLUMNS)
        if answer["alerts"]:  # published only: a withdrawn alert is no longer said of anyone
            st.markdown(f"**{t('public_lookup.alerts')}**")
            for alert in answer["alerts"]:
                published = alert["published_on"].isoformat()
                with st.expander(t("public_lookup.alert_line", day=published, title=alert["title"])):
                    st.text(alert["body"])
st.caption(t("public_lookup.as_of", day=day.isoformat()))
