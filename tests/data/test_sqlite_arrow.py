"""The SQLite Arrow readers: a child per snapshot at a time, kept warm between reads."""

import mmap
import os
import sqlite3
from pathlib import Path

import pytest

from traceboard.data import sqlite_arrow
from traceboard.data.sqlite_arrow import SQLiteArrowReader


@pytest.fixture
def database(tmp_path) -> Path:
    path = tmp_path / "r.db"
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t (v) VALUES (?)", [("a",), ("b",)])
    conn.close()
    return path


def idle_pids() -> set[int]:
    return {child.process.pid for child in sqlite_arrow._pool.idle}


def count(reader: SQLiteArrowReader) -> int:
    return reader.read("SELECT count(*) AS n FROM t").column("n")[0].as_py()


def add_row(path: Path) -> None:
    with sqlite3.connect(path) as conn:
        conn.execute("INSERT INTO t (v) VALUES ('c')")
    conn.close()


def open_files(pid: int) -> set[str]:
    fds = Path(f"/proc/{pid}/fd")
    return {os.readlink(fd) for fd in fds.iterdir()}


def test_one_snapshot_per_reader_and_the_next_reader_sees_the_change(database):
    reader = SQLiteArrowReader(str(database))
    assert count(reader) == 2
    add_row(database)
    assert count(reader) == 2  # the reader's snapshot began at its first read
    reader.close()
    again = SQLiteArrowReader(str(database))
    assert count(again) == 3
    again.close()


def test_a_closed_reader_goes_back_warm_and_holds_no_file_open(database):
    reader = SQLiteArrowReader(str(database))
    count(reader)
    pid = reader._child.process.pid
    assert str(database) in open_files(pid)
    reader.close()
    assert not any(name.startswith(str(database)) for name in open_files(pid))  # nor its -wal, -shm
    second = SQLiteArrowReader(str(database))
    assert second._child.process.pid == pid  # the same child, no new interpreter
    assert count(second) == 2
    second.close()


def test_two_readers_at_once_are_two_children(database):
    first, second = SQLiteArrowReader(str(database)), SQLiteArrowReader(str(database))
    assert first._child.process.pid != second._child.process.pid
    first.request("SELECT v FROM t ORDER BY id")
    assert count(second) == 2
    assert first.answer().column("v").to_pylist() == ["a", "b"]
    first.close()
    second.close()
    assert {first._child.process.pid, second._child.process.pid} <= idle_pids()


def test_a_reader_left_with_unread_answers_is_not_reused(database):
    reader = SQLiteArrowReader(str(database))
    reader.request("SELECT * FROM t")
    process = reader._child.process
    reader.close()
    assert process.poll() is not None and process.pid not in idle_pids()


def test_an_error_names_the_cause_and_the_reader_reads_on(database):
    reader = SQLiteArrowReader(str(database))
    with pytest.raises(RuntimeError, match=r"the SQLite reader failed: .*no such table: missing"):
        reader.read("SELECT * FROM missing")
    assert count(reader) == 2
    reader.close()
    assert reader._child.process.pid in idle_pids()


def test_a_database_that_cannot_be_opened_is_an_error_of_the_read(tmp_path):
    reader = SQLiteArrowReader(f"file:{tmp_path / 'absent.db'}?mode=ro")
    with pytest.raises(RuntimeError, match="the SQLite reader failed"):
        reader.read("SELECT 1")
    reader.close()
    assert not (tmp_path / "absent.db").exists()


def test_a_relative_path_is_the_callers_directory(database, monkeypatch):
    SQLiteArrowReader(str(database)).close()  # an idle child started in another directory
    monkeypatch.chdir(database.parent)
    reader = SQLiteArrowReader(database.name)
    assert count(reader) == 2
    reader.close()


def test_a_child_that_died_while_idle_is_replaced(database):
    reader = SQLiteArrowReader(str(database))
    process = reader._child.process
    reader.close()
    process.kill()
    process.wait()
    again = SQLiteArrowReader(str(database))
    assert again._child.process.pid != process.pid
    assert count(again) == 2
    again.close()


def test_the_idle_readers_are_bounded(database, monkeypatch):
    monkeypatch.setattr(sqlite_arrow, "IDLE_READERS", 1)
    sqlite_arrow._pool.stop_all()
    readers = [SQLiteArrowReader(str(database)) for _ in range(3)]
    for reader in readers:
        reader.close()
    assert idle_pids() == {readers[0]._child.process.pid}
    assert [r._child.process.poll() is None for r in readers] == [True, False, False]


def test_reads_sent_ahead_are_answered_in_turn_the_skipped_thrown_away(database):
    from sqlalchemy import column, create_engine, func, select, table

    from traceboard.data.frame import arrow_snapshot

    engine = create_engine(f"sqlite:///{database}")
    t = table("t", column("id"), column("v"))
    first, second = (select(t.c.v).where(t.c.id == i) for i in (1, 2))
    missing = select(column("x")).select_from(table("missing"))
    n = select(func.count().label("n")).select_from(t)
    with arrow_snapshot(engine) as read:
        pid = read._reader._child.process.pid
        read.ahead([first, second, missing, n, first])
        assert read(first).column("v").to_pylist() == ["a"]
        assert read(n).column("n").to_pylist() == [2]  # the second and the failed one skipped
        with pytest.raises(RuntimeError, match="missing"):
            read(missing)  # not sent ahead any more: read now (the answer left ahead thrown away)
        read.ahead([second, n])  # never read
    assert pid in idle_pids()  # every answer taken: the child went back warm
    with arrow_snapshot(engine) as read:
        assert read._reader._child.process.pid == pid
        assert read(second).column("v").to_pylist() == ["b"]
    engine.dispose()


def test_a_large_answer_comes_through_a_memory_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "big.db"
    rows = 300_000  # over SHARED_FROM (a megabyte) as Arrow
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT, n INTEGER)")
        conn.executemany("INSERT INTO b (v, n) VALUES (?, ?)", ((f"v{i}", i * 3) for i in range(rows)))
    conn.close()
    bodies = []
    receive = sqlite_arrow._Child.receive

    def recording(child):
        size, body = receive(child)
        bodies.append(type(body))
        return size, body

    monkeypatch.setattr(sqlite_arrow._Child, "receive", recording)
    reader = SQLiteArrowReader(str(path))
    table = reader.read("SELECT id, v, n FROM b ORDER BY id")
    assert reader.read("SELECT count(*) AS n FROM b").column("n").to_pylist() == [rows]
    reader.close()
    assert table.column("id").to_pylist() == list(range(1, rows + 1))
    assert table.column("v").to_pylist() == [f"v{i}" for i in range(rows)]
    assert table.column("n").to_pylist() == [i * 3 for i in range(rows)]
    if sqlite_arrow._can_share():
        assert bodies[0] is mmap.mmap and bodies[1] is bytes  # the large one mapped, the small one piped


def test_a_child_does_not_load_pandas(database):
    reader = SQLiteArrowReader(str(database))
    count(reader)
    maps = Path(f"/proc/{reader._child.process.pid}/maps").read_text()
    reader.close()
    assert "adbc_driver_sqlite" in maps  # the driver is loaded
    assert f"{os.sep}pandas{os.sep}" not in maps
