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

A child imports only pyarrow and the driver's own module (``adbc_driver_manager``'s DB-API
layer would import ``pyarrow.dataset`` and with it pandas: twice the child's start). Large answers
do not cross the pipe: on Linux the child writes the IPC stream into a memory file
(``memfd_create``), hands its descriptor over a Unix socket and the parent maps it, so the bytes are
copied once, not three times through the pipe's small buffer (docs/frame.md).

Run as a script (``python sqlite_arrow.py [--shared FD] [FILE]``, ``FILE`` opened at the start;
``FD`` a Unix socket to hand large answers over): one request per line on stdin, as JSON:

- ``{"open": FILE}``: open ``FILE`` (no answer: an error is the answer of the reads that follow);
- a string, the SQL: an 8-byte length and the IPC stream on stdout (a negative length: the
  error message follows; :data:`SHARED` and then the length: the stream is in the memory file
  whose descriptor was just sent on the socket);
- ``{"close": true}``: end the read transaction and close the file; the answer is a length of 0.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import mmap
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pyarrow as pa

HEADER = struct.Struct("<q")
SHARED = -(2**63)  # the length's place says: the answer is in a memory file, its length follows
SHARED_FROM = 1 << 20  # answers of at least this many bytes go through a memory file (where there is one)
BATCH_ROWS = 65_536  # rows per Arrow batch the driver makes (its default, 1,024: thousands of small batches)
IDLE_READERS = 4  # children a process keeps for its next reads (the frame's load uses two at once)


def _can_share() -> bool:
    return hasattr(os, "memfd_create") and hasattr(socket, "send_fds") and hasattr(socket, "AF_UNIX")


class _Child:
    """One reader process and its pipes; ``stderr`` goes to a file, read when the child dies."""

    def __init__(self) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (the child's life long: closed by stop())
        self.answers: socket.socket | None = None
        command = [sys.executable, str(Path(__file__))]
        theirs = None
        if _can_share():
            self.answers, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            command += ["--shared", str(theirs.fileno())]
        try:
            self.process = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=self.stderr,
                pass_fds=(theirs.fileno(),) if theirs is not None else (),
            )
        except BaseException:
            if self.answers is not None:
                self.answers.close()
            self.stderr.close()
            raise
        finally:
            if theirs is not None:
                theirs.close()

    def alive(self) -> bool:
        return self.process.poll() is None

    def send(self, request: object) -> None:
        self.process.stdin.write(json.dumps(request).encode() + b"\n")
        self.process.stdin.flush()

    def receive(self) -> tuple[int, bytes | mmap.mmap]:
        """The next answer: its length (negative for an error) and its bytes (a large answer: the
        memory file the child sent, mapped read-only)."""
        size = self._length()
        if size != SHARED:
            return size, self.process.stdout.read(abs(size))
        size = self._length()
        try:
            _, fds, _, _ = socket.recv_fds(self.answers, 1, 1)
        except OSError as exc:
            raise RuntimeError(f"the SQLite reader's answer did not arrive: {exc}") from None
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise RuntimeError(f"the SQLite reader stopped: {self.error_output()}")
        try:
            # every page mapped at once (one call, not a fault per page as the stream is read)
            flags = mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0)
            return size, mmap.mmap(fds[0], size, flags=flags, prot=mmap.PROT_READ)
        finally:
            os.close(fds[0])

    def _length(self) -> int:
        head = self.process.stdout.read(HEADER.size)
        if len(head) < HEADER.size:
            raise RuntimeError(f"the SQLite reader stopped: {self.error_output()}")
        return HEADER.unpack(head)[0]

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
            if self.answers is not None:
                self.answers.close()


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
        # no copy: the table's buffers are slices of ``body`` (the mapping lives as long as they do)
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


def _serve(
    database: str | None, shared: socket.socket | None
) -> None:  # pragma: no cover - runs in the child (tested through the parent)
    # the driver's own module, not its DB-API layer (which imports pyarrow.dataset and pandas)
    import adbc_driver_manager as adbc
    import adbc_driver_sqlite

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C is the parent's: it closes our stdin
    out = sys.stdout.buffer
    db = conn = statement = None
    failure = "no database opened"

    def write(size: int, body) -> None:
        out.write(HEADER.pack(size))
        out.write(body)
        out.flush()

    def answer(table: pa.Table) -> None:
        """The IPC stream of ``table``, through the pipe or (large, where it can) a memory file."""
        if shared is None or table.nbytes < SHARED_FROM:
            sink = pa.BufferOutputStream()
            with pa.ipc.new_stream(sink, table.schema) as writer:
                writer.write_table(table)
            body = sink.getvalue()
            write(body.size, body)
            return
        fd = os.memfd_create("traceboard-answer", os.MFD_CLOEXEC)
        try:
            with (
                open(fd, "wb", closefd=False) as file,
                pa.ipc.new_stream(pa.PythonFile(file, mode="w"), table.schema) as writer,
            ):
                writer.write_table(table)
            size = os.lseek(fd, 0, os.SEEK_END)
            socket.send_fds(shared, [b"a"], [fd])  # before the header: the parent reads it next
        finally:
            os.close(fd)  # the parent holds its own descriptor (or the file goes with ours)
        write(SHARED, HEADER.pack(size))

    def close() -> None:
        nonlocal db, conn, statement
        try:
            if statement is not None:
                statement.close()
            if conn is not None:
                conn.rollback()
                conn.close()
            if db is not None:
                db.close()
        finally:
            db = conn = statement = None

    def open_(path: str) -> None:
        nonlocal db, conn, statement, failure
        close()
        try:
            db = adbc_driver_sqlite.connect(path)
            conn = adbc.AdbcConnection(db)
            conn.set_autocommit(False)  # one deferred transaction, one snapshot
            statement = adbc.AdbcStatement(conn)
            statement.set_options(**{adbc_driver_sqlite.StatementOptions.BATCH_ROWS.value: str(BATCH_ROWS)})
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
            if statement is None:
                raise RuntimeError(failure)
            statement.set_sql_query(request)
            stream, _ = statement.execute_query()
            answer(_narrow(pa.RecordBatchReader.from_stream(stream).read_all()))
        except Exception as exc:  # the parent raises it, with the message (nothing of the answer was sent)
            message = f"{type(exc).__name__}: {exc}".encode()
            write(-len(message), message)
    close()


def _main(argv: list[str]) -> None:  # pragma: no cover - the child's start
    shared = None
    if argv[:1] == ["--shared"]:
        shared = socket.socket(fileno=int(argv[1]))
        argv = argv[2:]
    _serve(argv[0] if argv else None, shared)


if __name__ == "__main__":  # pragma: no cover
    _main(sys.argv[1:])
