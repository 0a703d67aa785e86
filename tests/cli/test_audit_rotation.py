"""``audit rotate-key``: a new key signs from the next checkpoint on, the old public key stays on
record, and ``audit verify`` checks the chain across the rotation — on SQLite and PostgreSQL, through
the real entry point. A key never on record, an old key signing after its turn and a forged handover
are each caught."""

import base64
import datetime as dt
import hashlib
import json
import os
import shutil

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key
from sqlalchemy import func, select

from tests.cli.test_audit_cmds import _forge, _rows, _verify
from traceboard.accounts.accounts import add_user
from traceboard.accounts.authz import SYSTEM
from traceboard.cli.common import reset_engines
from traceboard.cli.main import main
from traceboard.data.audit_checkpoint import statement
from traceboard.data.audit_key import PublicKey, install_staged, load_key, stage_key, staged_path
from traceboard.data.audit_rotation import handover_statement
from traceboard.data.db import transaction
from traceboard.data.models import AuditCheckpoint, AuditKeyRotation, AuditLog
from traceboard.services.record import data_version


@pytest.fixture
def own_key(tmp_path, monkeypatch):
    """This test's own copy of the signing key (a rotation replaces it; the session's stays)."""
    key = tmp_path / "keys" / "audit-key.pem"
    key.parent.mkdir()
    shutil.copy(os.environ["TRACEBOARD_AUDIT_KEY"], key)
    key.chmod(0o600)
    monkeypatch.setenv("TRACEBOARD_AUDIT_KEY", str(key))
    return key


@pytest.fixture
def admin(engine):
    with transaction(engine) as session:
        add_user(session, SYSTEM, "root", "admin", password="Correct-horse-9")
        add_user(session, SYSTEM, "wang", "office", password="Correct-horse-9")
    return "root"


def _rotate(capsys, who: str) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["audit", "rotate-key", "--as", who])
    captured = capsys.readouterr()
    return code, (captured.out + captured.err).strip()


def _counts(engine) -> tuple[int, int, int]:
    with transaction(engine) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(t))
            for t in (AuditLog, AuditCheckpoint, AuditKeyRotation)
        )


def _add_checkpoint(engine, signer: Ed25519PrivateKey, prev: AuditLog) -> str:
    """An insider appends a row and a checkpoint over it signed by ``signer``; returns its key id."""
    raw = signer.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    key_id = hashlib.sha256(raw).hexdigest()[:16]
    with transaction(engine) as session:
        last = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
        forged = _forge(session, prev, forged=True)
        at = dt.datetime.now(dt.UTC)
        signed = statement(at, last.rows + 1, last.rows + 1, forged.hash, key_id)
        session.add(
            AuditCheckpoint(
                at=at,
                first_row=last.rows + 1,
                rows=last.rows + 1,
                head=forged.hash,
                head_id=forged.id,
                key_id=key_id,
                signature=base64.b64encode(signer.sign(signed)).decode(),
                reason="write",
            )
        )
    return key_id


def test_a_rotated_chain_verifies_and_old_checkpoints_still_do(engine, capsys, tmp_path, own_key, admin):
    _rows(engine, 3)
    assert main(["audit", "checkpoint", "--as", "root"]) == 0  # saved elsewhere before the rotation
    saved = tmp_path / "saved-checkpoint.json"
    saved.write_text(capsys.readouterr().out)
    old_id = load_key().public.key_id
    assert json.loads(saved.read_text())["key_id"] == old_id

    version = data_version(engine)
    code, out = _rotate(capsys, admin)
    new_id = load_key().public.key_id
    assert code == 0, out
    assert data_version(engine) == version  # the record's data did not change: no cache goes stale
    assert new_id != old_id and out.startswith(f"signing key rotated: the old key {old_id} signed up to row")
    assert own_key.stat().st_mode & 0o077 == 0 and not staged_path(own_key).exists()
    with transaction(engine) as session:
        rotation = session.scalars(select(AuditKeyRotation)).one()
        last_old = session.scalars(select(AuditCheckpoint).where(AuditCheckpoint.key_id == old_id)).all()[-1]
        act = session.scalars(select(AuditLog).where(AuditLog.action == "audit.rotate_key")).one()
    assert (rotation.old_key_id, rotation.new_key_id, rotation.rotated_by) == (old_id, new_id, "root")
    assert rotation.after_rows == last_old.rows and last_old.head == act.hash  # the old key sealed the act
    assert (act.actor, act.before["key_id"], act.after["key_id"]) == ("root", old_id, new_id)

    _rows(engine, 2)  # signed by the new key from the next checkpoint on
    with transaction(engine) as session:
        latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert latest.key_id == new_id and latest.rows > rotation.after_rows
    code, out = _verify(capsys, "--against", str(saved))
    assert code == 0, out
    assert out.startswith("audit chain intact:")

    # a second rotation: three keys on record, every checkpoint still verifies
    assert _rotate(capsys, admin)[0] == 0
    _rows(engine, 1)
    assert load_key().public.key_id not in (old_id, new_id)
    assert _verify(capsys, "--against", str(saved))[0] == 0


def _crash_before_the_key_moves(monkeypatch) -> None:
    """The rotating process dies after its commit, before the staged key replaces the key file."""

    def power_cut(*_args, **_kwargs):
        raise OSError("power cut")

    monkeypatch.setattr("traceboard.services.audit_trail.install_staged", power_cut)


def test_a_rotation_stopped_after_its_commit_is_finished_by_the_next_write(
    engine, capsys, own_key, admin, monkeypatch
):
    """Without the finish, the old key would sign the next checkpoints past its turn and the log
    would fail verification for good."""
    _rows(engine, 2)
    old_id = load_key().public.key_id
    with monkeypatch.context() as patched, pytest.raises(OSError, match="power cut"):
        _crash_before_the_key_moves(patched)
        _rotate(capsys, admin)
    with transaction(engine) as session:
        rotation = session.scalars(select(AuditKeyRotation)).one()  # the handover is on record
    assert load_key().public.key_id == old_id and staged_path(own_key).exists()
    assert load_key(staged_path(own_key)).public.key_id == rotation.new_key_id

    _rows(engine, 1)  # the next write's checkpoint moves the key into place, then signs with it
    assert load_key().public.key_id == rotation.new_key_id and not staged_path(own_key).exists()
    assert own_key.stat().st_mode & 0o077 == 0
    with transaction(engine) as session:
        latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert latest.key_id == rotation.new_key_id and latest.rows > rotation.after_rows
    code, out = _verify(capsys)
    assert code == 0 and out.startswith("audit chain intact:"), out


def test_the_next_rotation_finishes_a_stopped_one_first(engine, capsys, own_key, admin, monkeypatch):
    _rows(engine, 1)
    with monkeypatch.context() as patched, pytest.raises(OSError, match="power cut"):
        _crash_before_the_key_moves(patched)
        _rotate(capsys, admin)
    assert _rotate(capsys, admin)[0] == 0
    with transaction(engine) as session:
        first, second = session.scalars(select(AuditKeyRotation).order_by(AuditKeyRotation.id)).all()
    assert second.old_key_id == first.new_key_id  # handed over from the finished rotation's key
    assert load_key().public.key_id == second.new_key_id and not staged_path(own_key).exists()
    assert _verify(capsys)[0] == 0


def test_a_staged_key_no_handover_names_is_left_alone(engine, capsys, own_key, admin):
    """A rotation that failed (or one still in its transaction): the key file's key keeps signing."""
    _rows(engine, 1)
    assert _rotate(capsys, admin)[0] == 0
    current = load_key().public.key_id
    staged, stray = stage_key(own_key)
    _rows(engine, 1)
    assert load_key().public.key_id == current and staged.exists()
    with transaction(engine) as session:
        latest = session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.id.desc())).first()
    assert latest.key_id == current != stray.public.key_id
    assert _verify(capsys)[0] == 0


def test_installing_a_key_another_process_moved_first_is_a_no_op(own_key):
    staged, new = stage_key(own_key)
    os.replace(staged, own_key)  # the other process's move
    install_staged(staged, new.public.key_id, own_key)
    assert load_key(own_key).public.key_id == new.public.key_id
    with pytest.raises(FileNotFoundError):  # nothing staged, and the file is not that key
        install_staged(staged, "0" * 16, own_key)


def test_only_an_admin_rotates_and_a_refused_rotation_changes_nothing(engine, capsys, own_key, admin):
    _rows(engine, 2)
    before, key = _counts(engine), own_key.read_bytes()
    code, out = _rotate(capsys, "wang")
    assert code == 1 and "may not audit.rotate_key" in out
    staged_path(own_key).write_bytes(b"left over")  # an earlier rotation stopped half-way
    staged_path(own_key).chmod(0o600)
    code, out = _rotate(capsys, admin)
    assert code == 2 and out == (
        f"traceboard: a new audit signing key is already staged at {staged_path(own_key)}: an earlier "
        "rotation did not finish; run `traceboard audit verify`, then remove it or move it into place"
    )
    assert _counts(engine) == before and own_key.read_bytes() == key
    assert staged_path(own_key).read_bytes() == b"left over"


def test_a_checkpoint_signed_by_a_key_never_on_record_fails(engine, capsys, own_key, admin, monkeypatch):
    _rows(engine, 2)
    assert _rotate(capsys, admin)[0] == 0
    rows = _rows(engine, 1)
    stranger = _add_checkpoint(engine, Ed25519PrivateKey.generate(), rows[-1])
    code, out = _verify(capsys)
    current = load_key().public.key_id
    assert code == 1 and len(out.splitlines()) == 1
    assert f"was signed by key {stranger}, which was never on record" in out
    assert (
        f"(the key signing at row {len(rows) + 1} was {current}): forged, or from another installation" in out
    )
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    code, out = _verify(capsys)
    assert code == 1 and f"由密钥 {stranger} 签名，该密钥从未登记为本系统的签名密钥" in out


def test_the_old_key_signs_nothing_after_its_turn(engine, capsys, own_key, admin):
    _rows(engine, 2)
    old_private = load_pem_private_key(own_key.read_bytes(), password=None)  # a copy someone kept
    old_id = load_key().public.key_id
    assert _rotate(capsys, admin)[0] == 0
    rows = _rows(engine, 1)
    assert _add_checkpoint(engine, old_private, rows[-1]) == old_id
    code, out = _verify(capsys)
    assert code == 1 and f"was signed by key {old_id}, but the key signing at row {len(rows) + 1} was" in out
    assert "that key was not in use then" in out


def test_a_handover_no_current_key_signed_verifies_nothing(engine, capsys, own_key):
    """An insider without the key records a "rotation" from a key of their own to the current one,
    to pass off checkpoints signed by their key as older ones: the current key never signed it."""
    rows = _rows(engine, 2)
    mine = Ed25519PrivateKey.generate()
    raw = mine.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    current = load_key().public
    theirs = PublicKey(raw)
    at = dt.datetime.now(dt.UTC)
    signed = handover_statement(at, 1, theirs, current)
    forged_signature = base64.b64encode(mine.sign(signed)).decode()
    with transaction(engine) as session:
        session.add(
            AuditKeyRotation(
                at=at,
                after_rows=1,
                old_key_id=theirs.key_id,
                old_public_key=theirs.text,
                new_key_id=current.key_id,
                new_public_key=current.text,
                old_signature=forged_signature,
                new_signature=forged_signature,
                rotated_by="intruder",
            )
        )
        rotation_id = session.scalars(select(AuditKeyRotation.id)).one()
    code, out = _verify(capsys)
    assert (code, len(rows) > 0) == (1, True)
    assert out == (
        f"traceboard: key rotation {rotation_id}: the signatures do not match what it states "
        "(both the old and the new key must sign it): forged or altered"
    )


def test_an_old_key_file_put_back_after_a_rotation_is_not_trusted(engine, capsys, own_key, admin):
    """The key file must be the key the latest handover went to: an old copy put back (to sign with
    it again) makes verify say so rather than trust it."""
    _rows(engine, 1)
    old_pem, old_id = own_key.read_bytes(), load_key().public.key_id
    assert _rotate(capsys, admin)[0] == 0
    new_id = load_key().public.key_id
    own_key.write_bytes(old_pem)
    with transaction(engine) as session:
        rotation_id = session.scalars(select(AuditKeyRotation.id)).one()
    code, out = _verify(capsys)
    assert (code, out) == (
        1,
        f"traceboard: key rotation {rotation_id} hands over to key {new_id}, not {old_id}: the rotation is "
        "forged, or this installation's key file is not the key handed over to",
    )


def test_a_backup_taken_after_a_rotation_restores_and_verifies(
    engine, capsys, tmp_path, monkeypatch, own_key, admin
):
    """The handover travels with the backup: the restored log's old checkpoints verify against the old
    key on record, its new ones against the key file."""
    _rows(engine, 2)
    assert _rotate(capsys, admin)[0] == 0
    _rows(engine, 1)
    out = tmp_path / "b.jsonl.gz"
    assert main(["backup", "--out", str(out), "--as", admin]) == 0
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", f"sqlite:///{tmp_path / 'new.db'}")
    reset_engines()
    capsys.readouterr()
    assert main(["restore", str(out)]) == 0, capsys.readouterr().err
    assert "audit log verified" in capsys.readouterr().out
    code, out_text = _verify(capsys)
    assert code == 0, out_text
