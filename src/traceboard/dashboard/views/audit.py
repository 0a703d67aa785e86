"""审计日志: who did what, when, before → after; filters, export, and the chain check."""

import streamlit as st

from traceboard.dashboard.auth import require_page
from traceboard.dashboard.state import get_engine, t
from traceboard.files.tables import to_csv_bytes, to_xlsx_bytes
from traceboard.services.record import AuditFilter, audit_choices, check_chain, load_audit

st.title(t("audit.title"))
actor = require_page("audit.read")
engine = get_engine()
choices = audit_choices(engine, actor)
ANY = t("audit.any")

cols = st.columns(5)
who = cols[0].selectbox(t("audit.actor"), [ANY, *choices["actor"]], key="audit_actor")
action = cols[1].selectbox(t("audit.action"), [ANY, *choices["action"]], key="audit_action")
entity = cols[2].selectbox(t("audit.entity"), [ANY, *choices["entity"]], key="audit_entity")
start = cols[3].date_input(t("audit.start"), value=None, key="audit_start")
end = cols[4].date_input(t("audit.end"), value=None, key="audit_end")
filters = AuditFilter(*(None if v == ANY else v for v in (who, action, entity)), start, end)
rows = load_audit(engine, actor, filters)

st.caption(t("audit.shown", n=len(rows)))
shown = rows.rename(columns={c: t(f"audit.col_{c}") for c in rows.columns})
st.dataframe(shown, hide_index=True, width="stretch")
export = rows.assign(at=rows["at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")).rename(
    columns={c: t(f"audit.col_{c}") for c in rows.columns}
)
left, right = st.columns(2)
left.download_button(
    t("common.download_xlsx"),
    to_xlsx_bytes({t("audit.title"): export}),
    file_name="audit.xlsx",
    key="audit_xlsx",
)
right.download_button(t("common.download_csv"), to_csv_bytes(export), file_name="audit.csv", key="audit_csv")

st.subheader(t("audit.chain"))
if st.button(t("audit.verify"), key="audit_verify"):
    broken = check_chain(engine, actor)
    if broken is None:
        st.success(t("audit.intact"))
    else:
        st.error(t("audit.broken", row=broken.row_id, reason=broken.reason))
