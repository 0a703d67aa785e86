"""审计日志: who did what, when, before → after; filters, export (audited), the chain check and
the latest signed checkpoint (whether the log still reaches it; its file to keep elsewhere)."""

from dataclasses import asdict
from functools import partial

import streamlit as st

from traceboard.dashboard import widgets
from traceboard.dashboard.auth import require_page
from traceboard.dashboard.plain_text import plain
from traceboard.dashboard.state import get_engine, t
from traceboard.files.tables import to_csv_bytes, to_xlsx_bytes
from traceboard.services.audit_trail import audited_download, latest_status, verify_audit
from traceboard.services.record import AuditFilter, audit_choices, load_audit

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
widgets.table(rows, {c: t(f"audit.col_{c}") for c in rows.columns})
export = rows.assign(at=rows["at"].dt.strftime("%Y-%m-%d %H:%M:%S UTC")).rename(
    columns={c: t(f"audit.col_{c}") for c in rows.columns}
)
# Exporting the log is itself a disclosure: the file is made, and the act audited, on the click.
asked = {k: v for k, v in asdict(filters).items() if v is not None}
left, right = st.columns(2)
left.download_button(
    t("common.download_xlsx"),
    audited_download(
        engine,
        actor,
        "audit_log",
        "xlsx",
        len(rows),
        asked,
        partial(to_xlsx_bytes, {t("audit.title"): export}),
    ),
    file_name="audit.xlsx",
    key="audit_xlsx",
)
right.download_button(
    t("common.download_csv"),
    audited_download(engine, actor, "audit_log", "csv", len(rows), asked, partial(to_csv_bytes, export)),
    file_name="audit.csv",
    key="audit_csv",
)

st.subheader(t("audit.checkpoint"))
latest, problem = latest_status(engine, actor)
if latest is None:
    st.info(t("audit.no_checkpoint"))
else:
    st.write(
        t(
            "audit.checkpoint_line",
            id=latest.id,
            rows=latest.rows,
            at=f"{latest.at:%Y-%m-%d %H:%M:%S} UTC",
            key_id=latest.key_id,
        )
    )
    if problem is None:
        st.success(t("audit.reaches"))
    else:
        st.error(t("audit.does_not_reach", reason=plain(problem)))
    st.download_button(
        t("audit.download_checkpoint"),
        latest.to_json(),
        file_name="audit-checkpoint.json",
        mime="application/json",
        key="audit_checkpoint_json",
    )
    st.caption(t("audit.checkpoint_note"))

st.subheader(t("audit.chain"))
if st.button(t("audit.verify"), key="audit_verify"):
    report = verify_audit(engine)
    if report.ok:
        st.success(t("audit.intact", rows=report.rows, checkpoints=report.stored + report.outside))
    else:
        st.error(t("audit.broken", reason=plain(report.problem)))
