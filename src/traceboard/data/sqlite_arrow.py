"""Columnar reads of an SQLite file in a child process, as Arrow.

ADBC's SQLite driver reads a table into Arrow arrays without a Python object per value, but it
carries its own copy of the SQLite library. Two copies of SQLite in one process break each
other's POSIX file locks (closing either's file releases the other's locks) and do not see
each other's WAL changes, so the app never opens one beside its own ``sqlite3``: the driver
runs in a child process, which reads in one deferred read transaction (one snapshot) and sends
each result back as an Arrow IPC stream.

Run as a script (``python sqlite_arrow.py FILE``): one request per line on stdin (a JSON string,
the SQL), for each an 8-byte length and the IPC stream on stdout (a negative length: the
error message follows).
"""

from __future__ import annotations

import json
import struct
import subprocess
import sys
from pathlib import Path

import pyarrow as pa

HEADER = struct.Struct("<q")


class SQLiteArrowReader:
    """The parent's end: ``read(sql)`` → Arrow table, every read in the child's one snapshot."""

    def __init__(self, database: str) -> None:
        self._child = subprocess.Popen(
            [sys.executable, str(Path(__file__)), database],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )

    def read(self, sql: str) -> pa.Table:
        self.request(sql)
        return self.answer()

    def request(self, sql: str) -> None:
        """Send ``sql`` without waiting: the child runs it while the parent does something else;
        :meth:`answer` takes the answers in the order of the requests."""
        self._child.stdin.write(json.dumps(sql).encode() + b"\n")
        self._child.stdin.flush()

    def answer(self) -> pa.Table:
        child = self._child
        head = child.stdout.read(HEADER.size)
        if len(head) < HEADER.size:
            raise RuntimeError(f"the SQLite reader stopped: {child.stderr.read().decode(errors='replace')}")
        (size,) = HEADER.unpack(head)
        body = child.stdout.read(abs(size))
        if size < 0:
            raise RuntimeError(f"the SQLite reader failed: {body.decode(errors='replace')}")
        return pa.ipc.open_stream(pa.py_buffer(body)).read_all()

    def close(self) -> None:
        child = self._child
        try:
            child.stdin.close()
            child.wait(timeout=30)
        finally:
            if child.poll() is None:
                child.kill()
                child.wait()
            child.stdout.close()
            child.stderr.close()


def _narrow(table: pa.Table) -> pa.Table:
    """Integer columns whose values fit in 32 bits as int32 (SQLite gives every integer as int64):
    half the bytes to send, the same values."""
    import pyarrow.compute as pc

    for i, column in enumerate(table.columns):
        if pa.types.is_int64(column.type) and len(column):
            bounds = pc.min_max(column)
            low, high = bounds["min"].as_py(), bounds["max"].as_py()
            if low is not None and low >= -(2**31) and high < 2**31:
                table = table.set_column(i, table.field(i).name, column.cast(pa.int32()))
    return table


def _serve(database: str) -> None:  # pragma: no cover - runs in the child (tested through the parent)
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    out = sys.stdout.buffer
    conn = adbc_sqlite.connect(database)  # autocommit off: one deferred transaction, one snapshot
    cursor = conn.cursor()
    try:
        for line in sys.stdin.buffer:
            try:
                cursor.execute(json.loads(line))
                table = _narrow(cursor.fetch_arrow_table())
                sink = pa.BufferOutputStream()
                with pa.ipc.new_stream(sink, table.schema) as writer:
                    writer.write_table(table)
                body = sink.getvalue()
                out.write(HEADER.pack(body.size))
                out.write(body)
            except Exception as exc:  # the parent raises it, with the message
                message = f"{type(exc).__name__}: {exc}".encode()
                out.write(HEADER.pack(-len(message)))
                out.write(message)
            out.flush()
    finally:
        cursor.close()
        conn.rollback()
        conn.close()


if __name__ == "__main__":  # pragma: no cover
    _serve(sys.argv[1])
