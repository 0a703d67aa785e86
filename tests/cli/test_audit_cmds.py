"""``audit verify``/``checkpoint``, ``backup``, ``restore``: the attacks of an insider who can write to
the database, each caught on SQLite and PostgreSQL, through the real entry point."""

import base64
import datetime as dt
import gzip
import hashlib
import itertools
import json
import os
import re
import stat

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import DBAPIError

from tests.data.insider import without_append_only_guard
from traceboard.accounts.accounts import add_user
from traceboard.accounts.authz import SYSTEM
from traceboard.cli.common import reset_engines
from traceboard.cli.main import main
from traceboard.data.audit import compute_hash, record_audit, verify_chain
from traceboard.data.audit_checkpoint import statement
from traceboard.data.db import make_engine, transaction
from traceboard.data.models import AuditCheckpoint, AuditLog

CONTENT = ("at", "actor", "action", "entity", "entity_id", "before", "after")


def _rows(engine, n=4) -> list[AuditLog]:
    """``n`` changes, each in its own transaction (so each is sealed with its own checkpoint)."""
    for i in range(n):
        with transaction(engine) as session:
            record_audit(
                session, actor="wang", action="test.change", entity="enterprise", entity_id=i, after={"i": i}
            )
    with transaction(engine) as session:
        return session.scalars(select(AuditLog).order_by(AuditLog.id)).all()


def _verify(capsys, *args) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "verify", *args])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _forge(session, prev: AuditLog | dict, **after) -> AuditLog:
    """A row with a correctly computed hash, chained onto ``prev``: what a forger can make."""
    content = {
        "at": dt.datetime.now(dt.UTC),
        "actor": "intruder",
        "action": "test.change",
        "entity": "enterprise",
        "entity_id": "1",
        "before": None,
        "after": after,
    }
    prev_hash = prev.hash if isinstance(prev, AuditLog) else prev["hash"]
    row = AuditLog(**content, prev_hash=prev_hash, hash=compute_hash(content, prev_hash))
    session.add(row)
    session.flush()
    return row


def test_an_untouched_log_with_checkpoints_verifies(engine, capsys):
    rows = _rows(engine)
    code, out = _verify(capsys)
    assert code == 0, out
    with transaction(engine) as session:
        stored = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id)).all()
    # every transaction was sealed: the checkpoints tile the log, the last one ends at its last row
    assert all(b.first_row == a.rows + 1 for a, b in itertools.pairwise(stored))
    assert [c.head for c in stored[-len(rows) :]] == [r.hash for r in rows]
    assert stored[-1].rows == len(rows) + stored[0].first_row - 1
    assert out.startswith(
        f"audit chain intact: {len(rows)} rows; {len(stored)} stored checkpoints and 1 held"
    )


def test_the_log_refuses_update_and_delete_at_the_database(engine):
    _rows(engine, 1)
    for statement_ in (
        update(AuditLog).values(actor="someone-else"),
        delete(AuditLog),
        update(AuditCheckpoint).values(rows=99),
        delete(AuditCheckpoint),
    ):
        with pytest.raises(DBAPIError, match="append-only"), transaction(engine) as session:
            session.execute(statement_)


@pytest.mark.parametrize("cut", [1, 5, "all"])
def test_a_cut_tail_is_caught_by_the_checkpoints(engine, capsys, cut):
    rows = _rows(engine, 6)
    n = len(rows)
    keep = 0 if cut == "all" else n - cut
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(delete(AuditLog).where(AuditLog.id > (rows[keep - 1].id if keep else 0)))
    code, out = _verify(capsys)
    assert (code, out) == (1, out)
    assert f"states {n} rows, the log has {keep}: rows {keep + 1}–{n} were removed from its end" in out
    assert len(out.splitlines()) == 1


def test_a_cut_tail_with_its_checkpoints_is_caught_by_the_copy_outside(engine, capsys, tmp_path):
    """The insider also deletes the checkpoints of the rows cut: the database agrees with itself, the
    copy under the var dir does not; without that copy, a checkpoint saved from the site does."""
    rows = _rows(engine, 6)
    assert main(["audit", "checkpoint", "--as", "system"]) == 1  # system is no account: refused
    with transaction(engine) as session:
        add_user(session, SYSTEM, "li", "office", password="Correct-horse-9")
    capsys.readouterr()
    assert main(["audit", "checkpoint", "--as", "li"]) == 0
    saved = tmp_path / "saved-checkpoint.json"
    saved.write_text(capsys.readouterr().out)
    total = len(rows) + 2  # the account and the checkpoint's own row
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(delete(AuditLog).where(AuditLog.id > rows[2].id))
        session.execute(delete(AuditCheckpoint).where(AuditCheckpoint.rows > 3))
    code, out = _verify(capsys)
    assert code == 1 and f"kept outside the database ({total} rows" in out
    assert f"states {total} rows, the log has 3" in out
    for copy in (tmp_path / "var").glob("audit-checkpoint-*.json"):
        copy.unlink()  # the insider can reach the server's files too
    assert _verify(capsys)[0] == 0  # nothing inside the machine disagrees any more …
    code, out = _verify(capsys, "--against", str(saved))
    assert code == 1 and f"states {total} rows, the log has 3" in out  # … the saved checkpoint does


def _rehash_from(session, first_changed: AuditLog) -> None:
    """Recompute every hash from ``first_changed`` on with the project's own hash function."""
    rows = session.scalars(
        select(AuditLog).where(AuditLog.id >= first_changed.id).order_by(AuditLog.id)
    ).all()
    prev = first_changed.prev_hash
    for row in rows:
        digest = compute_hash({c: getattr(row, c) for c in CONTENT}, prev)
        session.execute(update(AuditLog).where(AuditLog.id == row.id).values(prev_hash=prev, hash=digest))
        prev = digest


def test_a_rewritten_and_rehashed_chain_no_longer_reaches_its_checkpoint(engine, capsys):
    rows = _rows(engine, 5)
    target = rows[-3]
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(update(AuditLog).where(AuditLog.id == target.id).values(after={"i": 99}))
        _rehash_from(session, session.get(AuditLog, target.id))
    with transaction(engine) as session:
        assert verify_chain(session) is None  # the chain alone is whole again
        position = session.scalar(select(AuditCheckpoint.rows).where(AuditCheckpoint.head == target.hash))
    code, out = _verify(capsys)
    assert code == 1
    assert "the chain no longer reaches checkpoint" in out and f"({position} rows," in out
    assert f"rewritten after row {position - 1}" in out  # the row before was still signed as it is
    assert len(out.splitlines()) == 1


def test_an_appended_row_with_a_correct_hash_is_covered_by_no_checkpoint(engine, capsys):
    rows = _rows(engine, 3)
    with transaction(engine) as session:
        n = session.scalar(select(AuditCheckpoint.rows).order_by(AuditCheckpoint.id.desc()).limit(1))
        forged = _forge(session, rows[-1], forged=True)  # INSERT: the triggers do not stop it
    code, out = _verify(capsys)
    assert code == 1 and f"rows {n + 1}–{n + 1} (from id {forged.id}) are covered by no checkpoint" in out
    _rows(engine, 1)  # the next legitimate change seals only its own row: the forged one stays uncovered
    code, out = _verify(capsys)
    assert code == 1 and f"rows {n + 1}–{n + 1} (from id {forged.id}) are covered by no checkpoint" in out


@pytest.mark.parametrize("signer", ["garbage", "another key"])
def test_a_forged_checkpoint_is_caught(engine, capsys, signer):
    """The forger appends a row and a checkpoint over it, without this installation's key."""
    rows = _rows(engine, 3)
    with transaction(engine) as session:
        last = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
        forged = _forge(session, rows[-1], forged=True)
        at = dt.datetime.now(dt.UTC)
        key_id, signature = last.key_id, base64.b64encode(b"x" * 64).decode()
        if signer == "another key":
            other = Ed25519PrivateKey.generate()
            raw = other.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
            key_id = hashlib.sha256(raw).hexdigest()[:16]
            signature = base64.b64encode(
                other.sign(statement(at, last.rows + 1, last.rows + 1, forged.hash, key_id))
            ).decode()
        session.add(
            AuditCheckpoint(
                at=at,
                first_row=last.rows + 1,
                rows=last.rows + 1,
                head=forged.hash,
                head_id=forged.id,
                key_id=key_id,
                signature=signature,
                reason="write",
            )
        )
    code, out = _verify(capsys)
    assert code == 1 and len(out.splitlines()) == 1
    if signer == "garbage":
        assert "the signature does not match what it states (forged or altered)" in out
    else:
        assert "was not signed by this installation's key" in out and f"(it names key {key_id})" in out


def test_verify_against_a_published_checkpoint(engine, capsys, tmp_path):
    _rows(engine, 2)
    with transaction(engine) as session:
        add_user(session, SYSTEM, "li", "publicity", password="Correct-horse-9")
    assert main(["publish", "--out", str(tmp_path / "site"), "--as", "li"]) == 0
    published = tmp_path / "site" / "audit-checkpoint.json"
    assert _verify(capsys, "--against", str(published))[0] == 0
    with transaction(engine) as session:  # the publication is audited, and its checkpoint covers that row
        last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (last.actor, last.action, last.entity) == ("li", "site.publish", "site")
    assert json.loads(published.read_text())["head"] == last.hash
    altered = json.loads(published.read_text())
    altered["at"] = "2026-01-01T00:00:00.000000+00:00"  # a doctored copy no longer matches its signature
    (tmp_path / "altered.json").write_text(json.dumps(altered))
    code, out = _verify(capsys, "--against", str(tmp_path / "altered.json"))
    assert code == 1 and "checkpoint altered.json" in out and "signature does not match" in out
    (tmp_path / "junk.json").write_text("{}")
    code, out = _verify(capsys, "--against", str(tmp_path / "junk.json"))
    assert code == 2 and "junk.json is not a traceboard audit checkpoint" in out


def test_audit_verify_names_an_edited_row(engine, capsys):
    rows = _rows(engine)
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(update(AuditLog).where(AuditLog.id == rows[-3].id).values(after={"i": 99}))
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"traceboard: audit chain broken at row {rows[-3].id}: "
        "content does not match its hash (the row was edited)"
    )


def test_audit_verify_names_the_row_after_a_deleted_one(engine, capsys):
    rows = _rows(engine)
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(delete(AuditLog).where(AuditLog.id == rows[-3].id))
    assert main(["audit", "verify"]) == 1
    assert f"broken at row {rows[-2].id}: previous hash does not match" in capsys.readouterr().err


def test_audit_verify_names_the_row_after_an_inserted_one(engine, capsys):
    """A forger slips a self-consistent row in between two others: the next row no longer chains."""
    rows = _rows(engine)
    last, before_last = rows[-1], rows[-2]
    with without_append_only_guard(engine), transaction(engine) as session:
        session.execute(update(AuditLog).where(AuditLog.id == last.id).values(id=last.id + 10))
    assert main(["audit", "verify"]) == 0  # ids are not hashed: a gap alone is no break
    content = {c: getattr(last, c) for c in CONTENT} | {"actor": "intruder", "after": {"forged": True}}
    forged_hash = compute_hash(content, before_last.hash)
    with transaction(engine) as session:
        session.add(AuditLog(id=last.id, **content, prev_hash=before_last.hash, hash=forged_hash))
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"broken at row {last.id + 10}: previous hash does not match" in capsys.readouterr().err


def test_backup_and_restore_commands(engine, capsys, tmp_path, monkeypatch):
    _rows(engine, 2)
    with transaction(engine) as session:
        add_user(session, SYSTEM, "root", "admin", password="Correct-horse-9")
        add_user(session, SYSTEM, "wang", "office", password="Correct-horse-9")
    out = tmp_path / "backups" / "b.jsonl.gz"
    assert main(["backup", "--out", str(out)]) == 1
    assert "name the acting user with --as NAME" in capsys.readouterr().err
    assert main(["backup", "--out", str(out), "--as", "wang"]) == 1
    assert "may not record.backup" in capsys.readouterr().err
    umask = os.umask(0o022)  # a usual umask would make the file world-readable
    try:
        assert main(["backup", "--out", str(out), "--as", "root"]) == 0
    finally:
        os.umask(umask)
    assert capsys.readouterr().out.startswith(f"backup written to {out}: ")
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    with transaction(engine) as session:
        last = session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert (last.actor, last.action, last.after) == ("root", "backup.write", {"file": str(out)})
    assert main(["restore", str(out)]) == 1
    assert "not empty" in capsys.readouterr().err
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    reset_engines()
    assert main(["restore", str(out)]) == 0
    assert "audit log verified" in capsys.readouterr().out
    assert main(["audit", "verify"]) == 0


def test_a_restore_whose_log_does_not_reach_its_checkpoint_restores_nothing(
    engine, capsys, tmp_path, monkeypatch
):
    """Someone drops the last audit row from a backup file and fixes its trailer: the restore refuses."""
    _rows(engine, 2)
    with transaction(engine) as session:
        add_user(session, SYSTEM, "root", "admin", password="Correct-horse-9")
    out = tmp_path / "b.jsonl.gz"
    assert main(["backup", "--out", str(out), "--as", "root"]) == 0
    lines = [json.loads(line) for line in gzip.decompress(out.read_bytes()).splitlines()]
    table = None
    for i, item in enumerate(lines):
        if isinstance(item, dict) and "table" in item:
            table = item["table"]
        elif table == "audit_log" and isinstance(lines[i + 1], dict):
            last_audit_row = i  # the last row of the audit table
            break
    del lines[last_audit_row]
    lines[-1]["counts"]["audit_log"] -= 1
    doctored = tmp_path / "doctored.jsonl.gz"
    doctored.write_bytes(gzip.compress(b"\n".join(json.dumps(x).encode() for x in lines) + b"\n"))
    target = tmp_path / "new.db"
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", f"sqlite:///{target}")
    reset_engines()
    capsys.readouterr()
    assert main(["restore", str(doctored)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("traceboard: the restored audit log does not verify; nothing was restored: ")
    assert "rows, the log has" in err and len(err.splitlines()) == 1
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")  # the verifier's finding, too, in the reader's language
    assert main(["restore", str(doctored)]) == 1
    err = capsys.readouterr().err.strip()
    assert re.fullmatch(
        r"traceboard: 恢复出的审计日志核验未通过，未恢复任何内容："
        r"检查点 \d+（(\d+) 行，[\d: -]+ UTC）记载日志有 \1 行，现在只有 \d+ 行：第 \d+–\1 行已从末尾删除",
        err,
    ), err
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    with make_engine(f"sqlite:///{target}").connect() as conn:
        assert conn.scalar(select(func.count()).select_from(AuditLog)) == 0
    assert main(["restore", str(out)]) == 0  # the untouched backup restores into the same empty database


def test_in_chinese_a_verified_chain_is_reported_in_chinese(engine, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    rows = _rows(engine)
    code, out = _verify(capsys)
    assert code == 0, out
    assert out.startswith(f"审计链完整：{len(rows)} 行；库内 ")
