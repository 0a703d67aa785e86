"""A columnar copy of the analysis frame next to the database, so that a new process does not
read the whole register again (docs/frame.md, "Cold start: the frame's snapshot").

After a full load the frame's tables are written with Arrow (IPC streams, uncompressed, read
memory-mapped; categoricals and int32 day numbers kept) together with its stamp, version, last
event and the database's address, into one file under the var directory, atomically. A cold
load reads that file and brings it to the record's current version with
:func:`~traceboard.data.frame.refresh_register_frame`, which checks the snapshot's stamp against
the audit log and loads afresh whenever it cannot patch. Anything wrong with the file (missing,
truncated, another database's, another format) means a full load, never a failure.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import struct
import tempfile
from pathlib import Path

import pyarrow as pa
from sqlalchemy import Engine

from traceboard import config
from traceboard.data.frame import RegisterFrame, load_register_frame, refresh_register_frame

log = logging.getLogger(__name__)

FORMAT = "traceboard-frame-1"
MAGIC = b"TBFRAME1"
TRAILER = struct.Struct("<Q8s")  # length of the metadata, then MAGIC
PARTS = ("enterprises", "events", "units", "sectors", "subcategories", "uploads", "platforms")


def snapshot_enabled() -> bool:
    """``TRACEBOARD_FRAME_SNAPSHOT=0`` turns the snapshot off (every cold start reads the database)."""
    return os.environ.get("TRACEBOARD_FRAME_SNAPSHOT", "1").strip().lower() not in ("0", "false", "no", "off")


def database_identity(engine: Engine) -> str:
    """The database's address without its password (what a snapshot belongs to)."""
    return engine.url.render_as_string(hide_password=True)


def snapshot_path(engine: Engine) -> Path:
    """Where the frame snapshot of ``engine``'s database lives: one file per address."""
    digest = hashlib.sha256(database_identity(engine).encode("utf-8")).hexdigest()[:24]
    return config.var_dir() / "frames" / f"frame-{digest}.arrow"


def save_frame_snapshot(engine: Engine, frame: RegisterFrame) -> Path | None:
    """Write ``frame`` as the snapshot of ``engine``'s database (temp file, then ``os.replace``;
    mode 0600). A frame without a stamp (built from rows) or of an empty record is not written.
    Returns the path written, or None."""
    if not frame.stamp or not frame.version:
        return None
    path = snapshot_path(engine)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    handle, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        offsets: dict[str, list[int]] = {}
        with os.fdopen(handle, "wb") as out:
            for part in PARTS:
                table = pa.Table.from_pandas(getattr(frame, part), preserve_index=False)
                start = out.tell()
                with pa.ipc.new_stream(out, table.schema) as writer:
                    for batch in _batches(table):
                        writer.write_batch(batch)
                offsets[part] = [start, out.tell() - start]
            meta = json.dumps(
                {
                    "format": FORMAT,
                    "database": database_identity(engine),
                    "version": frame.version,
                    "stamp": frame.stamp,
                    "last_event": frame.last_event,
                    "parts": offsets,
                }
            ).encode("utf-8")
            out.write(meta)
            out.write(TRAILER.pack(len(meta), MAGIC))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o600)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def _batches(table: pa.Table) -> list[pa.RecordBatch]:
    """The table's record batches; one empty batch for an empty table, which would otherwise write
    none, and its columns' dictionaries (the categories of the register's columns) with it."""
    if table.num_rows:
        return table.to_batches()
    columns = [c.chunk(0) if c.num_chunks else pa.array([], type=c.type) for c in table.columns]
    return [pa.RecordBatch.from_arrays(columns, schema=table.schema)]


def read_frame_snapshot(engine: Engine) -> RegisterFrame | None:
    """The snapshot of ``engine``'s database as a frame at its own (maybe old) version; None when
    there is none or it cannot be used (unreadable, truncated, another format or database)."""
    path = snapshot_path(engine)
    if not path.is_file():
        return None
    try:
        with pa.memory_map(str(path), "r") as source:
            data = source.read_buffer()
        size = len(data)
        if size < TRAILER.size:
            raise ValueError("shorter than its trailer")
        length, magic = TRAILER.unpack(data.slice(size - TRAILER.size).to_pybytes())
        if magic != MAGIC or length > size - TRAILER.size:
            raise ValueError("not a frame snapshot")
        meta = json.loads(data.slice(size - TRAILER.size - length, length).to_pybytes())
        if meta.get("format") != FORMAT or meta.get("database") != database_identity(engine):
            raise ValueError("another format or another database's snapshot")
        parts = {}
        for part in PARTS:
            start, length = meta["parts"][part]
            if start < 0 or start + length > size - TRAILER.size:
                raise ValueError(f"{part} lies outside the file")
            table = pa.ipc.open_stream(data.slice(start, length)).read_all()
            # a block per column: the numbers stay the mapped file's bytes, not copies (docs/frame.md)
            parts[part] = table.to_pandas(split_blocks=True)
        return RegisterFrame(
            int(meta["version"]),
            parts["enterprises"],
            parts["events"],
            parts["units"],
            parts["sectors"],
            parts["subcategories"],
            parts["uploads"],
            parts["platforms"],
            stamp=str(meta["stamp"]),
            last_event=int(meta["last_event"]),
        )
    except Exception as error:  # a cache: whatever is wrong with it, the database is read instead
        log.warning("frame snapshot %s not used: %s", path, error)
        return None


def open_register_frame(engine: Engine) -> RegisterFrame:
    """The frame of the record's current version for a process that has none yet.

    With a snapshot of this database: the snapshot, refreshed from the audit log (only what changed
    since it; a full load when the snapshot's stamp is not the record's or a change cannot be
    patched). Without one, or with ``TRACEBOARD_FRAME_SNAPSHOT=0``: a full load. When the
    refresh read part of the register again (not only moved the version), the result becomes the
    snapshot, so that the next start patches less.
    """
    if not snapshot_enabled():
        return load_register_frame(engine)
    kept = read_frame_snapshot(engine)
    frame = refresh_register_frame(engine, kept) if kept is not None else load_register_frame(engine)
    if kept is None or any(getattr(frame, part) is not getattr(kept, part) for part in PARTS):
        try:
            save_frame_snapshot(engine, frame)
        except OSError as error:  # a read-only or full var directory: the next start reads again
            log.warning("frame snapshot not written: %s", error)
    return frame
