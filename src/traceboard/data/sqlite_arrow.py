"""Columnar reads of an SQLite file in a child process, as Arrow.

ADBC's SQLite driver reads a table into Arrow arrays without a Python object per value, but it
carries its own copy of the SQLite library. Two copies of SQLite in one process break each
other's POSIX file locks (closing either's file releases the other's locks) and do not see
each other's WAL changes, so the app never opens one beside its own ``sqlite3``: the driver
runs in a child process, which reads in one deferred read transaction (one snapshot) and sends
each result back as an Arrow IPC stream.

Starting a child costs more than most reads (a new interpreter importing pyarrow and the
driver: about a second of CPU), so the children outlive a read: a process keeps its idle
readers (at most :data:`IDLE_READERS`) and hands one to the next :class:`SQLiteArrowReader`.
Each reader opens the database afresh and closes it again before it goes back, so every
``SQLiteArrowReader`` still reads one snapshot of its own, and an idle child holds no file open.

Run as a script (``python sqlite_arrow.py [FILE]``, ``FILE`` opened at the start): one request
per line on stdin, as JSON:

- ``{"open": FILE}``: open ``FILE`` (no answer: an error is the answer of the reads that follow);
- a string, the SQL: an 8-byte length and the IPC stream on stdout (a negative length: the
  error message follows);
- ``{"close": true}``: end the read transaction and close the file; the answer is a length of 0.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pyarrow as pa

HEADER = struct.Struct("<q")
IDLE_READERS = 4  # children a process keeps for its next reads (the frame's load uses two at once)


class _Child:
    """One reader process and its pipes; ``stderr`` goes to a file, read when the child dies."""

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (the child's life long: closed by stop())
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__))],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: object) -> None:
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()

    def receive(self) -> tuple[int, bytes]:
        """The next answer: its length (negative for an error) and its bytes."""
        out = self.process.stdout
        head = out.read(HEADER.size)
        if len(head) < HEADER.size:
            raise RuntimeError(f"the SQLite reader stopped: {self.error_output()}")
        (size,) = HEADER.unpack(head)
        return size, out.read(abs(size))

    def error_output(self) -> str:
        self.process.poll()
        self.stderr.seek(0)
        return self.stderr.read()[-4000:].decode(errors="replace")

    def close_input(self) -> None:
        """Tell the child to finish (its stdin ends)."""
        with contextlib.suppress(OSError):  # the child had died: its end of the pipe is gone
            self.process.stdin.close()

    def stop(self) -> None:
        process = self.process
        try:
            self.close_input()
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
            process.stdout.close()
            self.stderr.close()


class _Pool:
    """The process's idle readers."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: list[_Child] = []

    def take(self) -> _Child:
        with self.lock:
            while self.idle:
                child = self.idle.pop()
                if child.alive():
                    return child
                child.stop()
        return _Child()

    def give_back(self, child: _Child) -> None:
        with self.lock:
            if child.alive() and len(self.idle) < IDLE_READERS:
                self.idle.append(child)
                return
        child.stop()

    def stop_all(self) -> None:
        with self.lock:
            idle, self.idle = self.idle, []
        for child in idle:  # all told at once, then each waited for
            child.close_input()
        for child in idle:
            child.stop()


_pool = _Pool()
atexit.register(lambda: _pool.stop_all())


def _forget_after_fork() -> None:
    # A forked copy of this process must not share the parent's children (their pipes would
    # interleave); it starts its own.
    global _pool
    _pool = _Pool()


os.register_at_fork(after_in_child=_forget_after_fork)


class SQLiteArrowReader:
    """The parent's end: ``read(sql)`` → Arrow table, every read in the child's one snapshot
    (the snapshot begins at the first read and ends at :meth:`close`)."""

    def __init__(self, database: str) -> None:
        if not database.startswith("file:"):  # a path: the child may run in another directory
            database = os.path.abspath(database)
        self._child = _pool.take()
        self._waiting = 0  # requests sent and not yet answered
        try:
            self._child.send({"open": database})
        except BaseException:
            self._child.stop()
            raise

    def read(self, sql: str) -> pa.Table:
        self.request(sql)
        return self.answer()

    def request(self, sql: str) -> None:
        """Send ``sql`` without waiting: the child runs it while the parent does something else;
        :meth:`answer` takes the answers in the order of the requests."""
        self._waiting += 1
        self._child.send(sql)

    def answer(self) -> pa.Table:
        size, body = self._child.receive()
        self._waiting -= 1
        if size < 0:
            raise RuntimeError(f"the SQLite reader failed: {body.decode(errors='replace')}")
        return pa.ipc.open_stream(pa.py_buffer(body)).read_all()

    def close(self) -> None:
        """End the snapshot and close the file (waiting until the child has); the child goes back
        to the process's idle readers, or stops if answers were left unread."""
        child = self._child
        clean = False
        try:
            if self._waiting == 0 and child.alive():
                child.send({"close": True})
                clean = child.receive() == (0, b"")
        except (OSError, RuntimeError):
            clean = False
        if clean:
            _pool.give_back(child)
        else:
            child.stop()


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


def _serve(database: str | None) -> None:  # pragma: no cover - runs in the child (tested through the parent)
    import adbc_driver_sqlite.dbapi as adbc_sqlite

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the parent's: it closes our stdin
    out = sys.stdout.buffer
    conn = cursor = None
    failure = "no database opened"

    def write(size: int, body) -> None:
        out.write(HEADER.pack(size))
        out.write(body)
        out.flush()

    def close() -> None:
        nonlocal conn, cursor
        try:
            if cursor is not None:
                cursor.close()
            if conn is not None:
                conn.rollback()
                conn.close()
        finally:
            conn = cursor = None

    def open_(path: str) -> None:
        nonlocal conn, cursor, failure
        close()
        try:
            conn = adbc_sqlite.connect(path)  # autocommit off: one deferred transaction, one snapshot
            cursor = conn.cursor()
            failure = "no database opened"
        except Exception as exc:
            close()
            failure = f"{type(exc).__name__}: {exc}"

    if database is not None:
        open_(database)
    for line in sys.stdin.buffer:
        request = json.loads(line)
        if isinstance(request, dict) and "open" in request:
            open_(request["open"])
            continue
        if isinstance(request, dict) and request.get("close"):
            try:
                close()
            except Exception as exc:
                message = f"{type(exc).__name__}: {exc}".encode()
                write(-len(message), message)
            else:
                write(0, b"")
            continue
        try:
            if cursor is None:
                raise RuntimeError(failure)
            cursor.execute(request)
            table = _narrow(cursor.fetch_arrow_table())
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            body = sink.getvalue()
            write(body.size, body)
        except Exception as exc:  # the parent raises it, with the message
            message = f"{type(exc).__name__}: {exc}".encode()
            write(-len(message), message)
    close()


if __name__ == "__main__":  # pragma: no cover
    _serve(sys.argv[1] if len(sys.argv) > 1 else None)
