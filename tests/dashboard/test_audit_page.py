"""审计日志's signed checkpoint: shown, whether the log reaches it, offered as a file; exports audited."""

import json

import pytest
from sqlalchemy import delete, select
from streamlit.testing.v1 import AppTest

from tests.dashboard.test_pages import APP
from tests.data.insider import without_append_only_guard
from traceboard.accounts.authz import Actor
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.data.models import AuditCheckpoint, AuditLog
from traceboard.services.audit_trail import audited_download, latest_status

OFFICE = Actor("wang", "office")


def _page(lang: str = "zh") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["lang"] = lang
    at.session_state["actor"] = OFFICE
    at.run()
    return at.switch_page("views/audit.py").run()


# The page reads through the same services as the command line, whose attacks run on both backends.
@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_page_shows_the_latest_checkpoint_and_whether_the_log_reaches_it(engine):
    for i in range(3):
        with transaction(engine) as session:
            record_audit(session, actor="wang", action="test.change", entity="enterprise", entity_id=i)
    with transaction(engine) as session:
        latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    at = _page()
    assert not at.exception, at.exception
    assert f"最新检查点 #{latest.id}：共 {latest.rows} 条记录" in at.markdown[0].value
    assert at.success[0].value.startswith("审计日志仍与最新检查点吻合")
    assert "下载检查点文件（audit-checkpoint.json）" in [b.label for b in at.get("download_button")]
    with transaction(engine) as session:  # offering a download discloses nothing yet: no export row
        assert not session.scalars(select(AuditLog).where(AuditLog.action == "export")).all()
    shown, _ = latest_status(engine, OFFICE)  # what the button hands out
    offered = json.loads(shown.to_json())
    assert (offered["rows"], offered["head"], offered["key_id"]) == (latest.rows, latest.head, latest.key_id)
    assert offered["public_key"] and offered["signature"] == latest.signature

    with without_append_only_guard(engine), transaction(engine) as session:  # an insider cuts the tail
        session.execute(delete(AuditLog).where(AuditLog.id == latest.head_id))
    at.run()
    assert not at.success
    assert at.error[0].value.startswith("审计日志已与最新检查点不符：")
    assert (
        f"记载日志有 {latest.rows} 行，现在只有 {latest.rows - 1} 行" in at.error[0].value
    )  # the finding, too
    at.button(key="audit_verify").click().run()
    assert at.error[-1].value.startswith("校验未通过：")
    assert f"记载日志有 {latest.rows} 行，现在只有 {latest.rows - 1} 行" in at.error[-1].value

    english = _page("en")
    assert english.markdown[0].value.startswith(f"Latest checkpoint #{latest.id}: {latest.rows} rows")
    assert f"states {latest.rows} rows, the log has {latest.rows - 1}" in english.error[0].value


def test_a_download_of_the_log_is_audited_when_it_is_made(engine):
    made = audited_download(engine, OFFICE, "audit_log", "csv", 7, {"actor": "li"}, lambda: b"a,b\n")
    with transaction(engine) as session:
        before = session.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1))
    assert made() == b"a,b\n"
    with transaction(engine) as session:
        row = session.scalars(select(AuditLog).where(AuditLog.id > (before or 0))).one()
    assert (row.actor, row.action, row.entity) == ("wang", "export", "audit_log")
    assert row.after == {"format": "csv", "rows": 7, "filters": {"actor": "li"}}
