"""``user …``, ``audit verify``, ``backup`` and ``restore``, in-process through the real entry point."""

import datetime as dt
import re

import pytest
from sqlalchemy import delete, select, update

from traceboard.accounts.accounts import sign_in
from traceboard.cli.common import reset_engines
from traceboard.cli.main import main
from traceboard.data.audit import compute_hash, record_audit
from traceboard.data.db import transaction
from traceboard.data.models import AuditLog

PASSWORD_LINE = re.compile(r"^password for (\S+) \(shown once, write it down\): (\S+)$", re.M)


def _admin(capsys) -> str:
    assert main(["user", "ensure-admin"]) == 0
    out = capsys.readouterr().out
    ((name, password),) = PASSWORD_LINE.findall(out)
    assert name == "admin"
    return password


def test_first_admin_once_then_accounts_lifecycle(engine, capsys, caplog):
    password = _admin(capsys)
    assert main(["user", "ensure-admin"]) == 0
    assert capsys.readouterr().out == ""  # nothing the second time
    assert sign_in(engine, "admin", password).role == "admin"

    assert (
        main(
            [
                "user",
                "add",
                "li",
                "--role",
                "inspector",
                "--department",
                "market-regulation",
                "--display-name",
                "李四",
                "--as",
                "admin",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    ((_, li_password),) = PASSWORD_LINE.findall(out)
    assert out.count(li_password) == 1
    assert (
        main(["user", "add", "wang", "--role", "office", "--password", "Correct-horse-9", "--as", "admin"])
        == 0
    )
    assert "password for" not in capsys.readouterr().out  # a given password is never echoed

    assert main(["user", "passwd", "li", "--password", "Own-choice-pass-2", "--as", "li"]) == 0
    assert main(["user", "disable", "wang", "--as", "admin"]) == 0
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [row[:4] for row in lines] == [
        ["username", "role", "department", "state"],
        ["admin", "admin", "", "active"],
        ["li", "inspector", "market-regulation", "active"],
        ["wang", "office", "", "disabled"],
    ]
    assert lines[2][4] == ""  # li never signed in
    assert sign_in(engine, "li", "Own-choice-pass-2").username == "li"
    with transaction(engine) as session:
        audited = str(session.execute(select(AuditLog.before, AuditLog.after)).all())
    for secret in (password, li_password, "Correct-horse-9", "Own-choice-pass-2"):
        assert secret not in audited and secret not in caplog.text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "x1", "--role", "office"], "name the acting user with --as NAME"),
        (["user", "add", "x1", "--role", "office", "--as", "nobody"], "unknown user 'nobody'"),
        (["user", "add", "x1", "--role", "office", "--as", "wang"], r"wang \(office\) may not users.manage"),
        (["user", "disable", "admin", "--as", "wang"], r"may not users.manage"),
        (["user", "passwd", "admin", "--as", "wang"], r"may not users.manage"),
        (["user", "add", "x1", "--role", "inspector", "--as", "admin"], "needs --department"),
        (["user", "add", "x1", "--role", "office", "--password", "short", "--as", "admin"], "at least 10"),
        (["user", "disable", "admin", "--as", "admin"], "last active admin"),
        (["user", "disable", "ghost", "--as", "admin"], "no user 'ghost'"),
    ],
)
def test_refusals_are_one_line_and_exit_1(engine, capsys, argv, message):
    _admin(capsys)
    assert (
        main(["user", "add", "wang", "--role", "office", "--password", "Correct-horse-9", "--as", "admin"])
        == 0
    )
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert re.search(message, err) and len(err.strip().splitlines()) == 1


def _rows(engine, n=4) -> list[AuditLog]:
    for i in range(n):
        with transaction(engine) as session:
            record_audit(
                session, actor="wang", action="test.change", entity="enterprise", entity_id=i, after={"i": i}
            )
    with transaction(engine) as session:
        return session.scalars(select(AuditLog).order_by(AuditLog.id)).all()


def test_audit_verify_intact(engine, capsys):
    _rows(engine)
    assert main(["audit", "verify"]) == 0
    assert capsys.readouterr().out.strip() == "audit chain intact"


def test_audit_verify_names_an_edited_row(engine, capsys):
    rows = _rows(engine)
    with transaction(engine) as session:
        session.execute(update(AuditLog).where(AuditLog.id == rows[-3].id).values(after={"i": 99}))
    assert main(["audit", "verify"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"traceboard: audit chain broken at row {rows[-3].id}: "
        "content does not match its hash (the row was edited)"
    )


def test_audit_verify_names_the_row_after_a_deleted_one(engine, capsys):
    rows = _rows(engine)
    with transaction(engine) as session:
        session.execute(delete(AuditLog).where(AuditLog.id == rows[-3].id))
    assert main(["audit", "verify"]) == 1
    assert f"broken at row {rows[-2].id}: previous hash does not match" in capsys.readouterr().err


def test_audit_verify_names_the_row_after_an_inserted_one(engine, capsys):
    """A forger slips a self-consistent row in between two others: the next row no longer chains."""
    rows = _rows(engine)
    last, before_last = rows[-1], rows[-2]
    with transaction(engine) as session:
        session.execute(update(AuditLog).where(AuditLog.id == last.id).values(id=last.id + 10))
    assert main(["audit", "verify"]) == 0  # ids are not hashed: a gap alone is no break
    forged = {
        "at": dt.datetime.now(dt.UTC),
        "actor": "intruder",
        "action": "test.change",
        "entity": "x",
        "entity_id": "1",
        "before": None,
        "after": {"forged": True},
    }
    with transaction(engine) as session:
        session.add(
            AuditLog(
                id=last.id, **forged, prev_hash=before_last.hash, hash=compute_hash(forged, before_last.hash)
            )
        )
    capsys.readouterr()
    assert main(["audit", "verify"]) == 1
    assert f"broken at row {last.id + 10}: previous hash does not match" in capsys.readouterr().err


def test_backup_and_restore_commands(engine, capsys, tmp_path, monkeypatch):
    _rows(engine, 2)
    out = tmp_path / "backups" / "b.jsonl.gz"
    assert main(["backup", "--out", str(out)]) == 0
    assert capsys.readouterr().out.startswith(f"backup written to {out}: ")
    assert main(["restore", str(out)]) == 1
    assert "not empty" in capsys.readouterr().err
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    reset_engines()
    assert main(["restore", str(out)]) == 0
    assert capsys.readouterr().out.startswith("restored ")
    assert main(["audit", "verify"]) == 0
