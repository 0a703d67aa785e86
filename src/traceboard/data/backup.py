"""Backup and restore of the whole record, portable between SQLite and PostgreSQL.

A backup is one gzip file of JSON lines: a header (format, schema revision,
moment, source dialect), then for each table of the schema a ``table`` line
with its columns, one line per row (values as JSON: dates and moments as ISO
text, moments in UTC), and a trailer with every table's row count.

- Consistent: all tables are read in one read transaction — a snapshot in
  SQLite's WAL mode (writers carry on meanwhile) and REPEATABLE READ on
  PostgreSQL — so a backup taken while the app runs is one moment's record.
- Exact: restoring into an empty database gives back the same rows with the
  same ids (the audit chain verifies), and moves the id sequences past them.
- Safe: restore refuses a database that holds any row, and writes all or nothing.
- Private: the file is readable by its owner only (0600): it holds password hashes and
  inspectors' personal data.
- Checked: the header carries the latest signed audit checkpoint of the snapshot; a
  restore checks the restored chain against it (and against every stored checkpoint)
  before it commits (``check``).
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Date, DateTime, Engine, Table, func, inspect, select
from sqlalchemy.orm import Session

from traceboard.data.audit_checkpoint import Checkpoint, CheckpointFileError, latest_checkpoint
from traceboard.data.bulk import reset_sequence
from traceboard.data.db import transaction
from traceboard.data.migrate import current_revision, head_revision, upgrade_schema
from traceboard.data.models import Base
from traceboard.data.text_rules import text_problem
from traceboard.i18n import Message, message_of

FORMAT = "traceboard-backup"
FORMAT_VERSION = 1
CHUNK_ROWS = 5_000


class BackupError(ValueError):
    """The file is not a complete traceboard backup, or it cannot go into this database."""


class RestoreRefused(BackupError):
    """The target database is not empty; nothing was changed."""


@dataclass
class BackupSummary:
    """Rows per table written or restored, the schema revision and the audit checkpoint carried."""

    revision: str
    counts: dict[str, int] = field(default_factory=dict)
    checkpoint: Checkpoint | None = None

    @property
    def rows(self) -> int:
        return sum(self.counts.values())


def _encode(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # SQLite gives naive UTC back
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _decoders(table: Table) -> list:
    out = []
    for column in table.columns:
        if isinstance(column.type, DateTime):
            out.append(lambda v: None if v is None else dt.datetime.fromisoformat(v))
        elif isinstance(column.type, Date):
            out.append(lambda v: None if v is None else dt.date.fromisoformat(v))
        else:
            out.append(None)
    return out


def _snapshot(engine: Engine) -> Connection:
    if engine.dialect.name == "postgresql":
        return engine.connect().execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
    return engine.connect()  # our "begin" hook issues BEGIN DEFERRED: one WAL snapshot until commit


def write_backup(engine: Engine, out: Path) -> BackupSummary:
    """Write a consistent snapshot of every table of the record to ``out`` (gzip JSON lines)."""
    revision = current_revision(engine)
    if revision is None:
        raise BackupError(Message("store.backup.no_schema"))
    summary = BackupSummary(revision)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with _snapshot(engine) as conn, conn.begin(), _private_gzip(partial) as fh:
        summary.checkpoint = latest_checkpoint(conn)
        head = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "revision": revision,
            "taken_at": _encode(dt.datetime.now(dt.UTC)),
            "dialect": engine.dialect.name,
            "audit_checkpoint": summary.checkpoint.as_dict() if summary.checkpoint else None,
        }
        _line(fh, head)
        for table in Base.metadata.sorted_tables:
            _line(fh, {"table": table.name, "columns": [c.name for c in table.columns]})
            summary.counts[table.name] = _dump_rows(conn, table, fh)
        _line(fh, {"end": True, "counts": summary.counts})
    partial.replace(out)  # a crash never leaves a file that looks like a complete backup
    return summary


def _private_gzip(path: Path):
    """A new gzip text file at ``path`` readable and writable by its owner only, whatever the umask."""
    path.unlink(missing_ok=True)  # a leftover .partial may have other permissions
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    return gzip.open(os.fdopen(fd, "wb"), "wt", encoding="utf-8")


def _line(fh, value: Any) -> None:
    fh.write(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
    fh.write("\n")


def _dump_rows(conn: Connection, table: Table, fh) -> int:
    order = list(table.primary_key.columns) or list(table.columns)
    result = conn.execution_options(stream_results=True, yield_per=CHUNK_ROWS).execute(
        select(*table.columns).order_by(*order)
    )
    n = 0
    for row in result:
        _line(fh, [_encode(v) for v in row])
        n += 1
    return n


def _read(path: Path) -> Iterator[Any]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            for raw in fh:
                yield json.loads(raw)
    except (OSError, EOFError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BackupError(Message("store.backup.incomplete", file=str(path), detail=str(exc))) from None


def _check_header(head: Any) -> str:
    if not isinstance(head, dict) or head.get("format") != FORMAT:
        raise BackupError(Message("store.backup.not_backup"))
    if head.get("version") != FORMAT_VERSION:
        raise BackupError(Message("store.backup.version", version=head.get("version")))
    if head["revision"] != head_revision():
        raise BackupError(Message("store.backup.schema", revision=head["revision"], head=head_revision()))
    return head["revision"]


def ensure_empty(engine: Engine) -> None:
    """Raise RestoreRefused unless no table of the record holds a row."""
    existing = set(inspect(engine).get_table_names())
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            n = conn.scalar(select(func.count()).select_from(table)) if table.name in existing else 0
            if n:
                raise RestoreRefused(Message("store.backup.not_empty", table=table.name, n=n))


RestoreCheck = Callable[[Session, BackupSummary], None]


def restore_backup(engine: Engine, path: Path, check: RestoreCheck | None = None) -> BackupSummary:
    """Restore a backup into an empty database, all or nothing; return rows per table.

    ``check`` runs on the restored record inside the restore's transaction, before it
    commits: raising there (a BackupError) restores nothing."""
    lines = _read(path)
    head = next(lines, None)
    summary = BackupSummary(_check_header(head))
    summary.checkpoint = _carried_checkpoint(head, path)
    ensure_empty(engine)
    if current_revision(engine) != summary.revision:
        upgrade_schema(engine)
    tables = Base.metadata.tables
    with transaction(engine) as session:
        conn = session.connection()
        table, decode, batch = None, [], []
        for item in lines:
            if isinstance(item, list):
                batch.append(_row(table, decode, item))
                if len(batch) >= CHUNK_ROWS:
                    _insert(conn, table, batch, summary)
                continue
            if table is not None:
                _insert(conn, table, batch, summary)
            if item.get("end"):
                _check_counts(item["counts"], summary)
                _reset_sequences(conn)
                if check is not None:
                    check(session, summary)
                return summary
            table = _table(tables, item)
            decode = _decoders(table)
            summary.counts[table.name] = 0
        raise BackupError(Message("store.backup.truncated", file=str(path)))


def _carried_checkpoint(head: dict, path: Path) -> Checkpoint | None:
    carried = head.get("audit_checkpoint")
    if carried is None:
        return None
    try:
        return Checkpoint.from_dict(carried, Message("store.checkpoint.carried_by", file=path.name))
    except CheckpointFileError as exc:
        raise BackupError(message_of(exc) or str(exc)) from None


def _row(table: Table | None, decode: list, item: list) -> dict:
    if table is None or len(item) != len(decode):
        raise BackupError(Message("store.backup.row_misfit", table=getattr(table, "name", None)))
    row = {c.name: (d(v) if d else v) for c, d, v in zip(table.columns, decode, item, strict=True)}
    for column in table.columns:
        # The text rule of every write, so that a backup restores (or is refused) alike on either database.
        value = row[column.name]
        if isinstance(value, str) and (reason := text_problem(value, column)) is not None:
            raise BackupError(
                Message(
                    "store.backup.bad_text",
                    table=table.name,
                    id=row.get("id", "?"),
                    column=column.name,
                    reason=reason,
                )
            )
    return row


def _table(tables, item: dict) -> Table:
    table = tables.get(item.get("table"))
    if table is None or [c.name for c in table.columns] != item.get("columns"):
        raise BackupError(Message("store.backup.table_mismatch", table=item.get("table")))
    return table


def _insert(conn: Connection, table: Table, batch: list[dict], summary: BackupSummary) -> None:
    if batch:
        conn.execute(table.insert(), batch)
        summary.counts[table.name] += len(batch)
        batch.clear()


def _check_counts(expected: dict[str, int], summary: BackupSummary) -> None:
    if expected != summary.counts:
        raise BackupError(Message("store.backup.counts", expected=expected, counts=summary.counts))


def _reset_sequences(conn: Connection) -> None:
    for table in Base.metadata.sorted_tables:
        if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
            reset_sequence(conn, table)
