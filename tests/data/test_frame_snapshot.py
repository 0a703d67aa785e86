"""The frame's snapshot: a new process starts from it and patches it forward from the audit log.

A frame from the snapshot, refreshed, must equal a fresh full load after each kind of change
(the change kinds of test_frame_refresh), on SQLite and PostgreSQL; a damaged snapshot, one of
another database or of a re-created record, and the opt-out all end in a full load.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import stat

import pytest

from tests.data.test_frame_refresh import OFFICE, assert_same, enterprise
from traceboard.data import frame_snapshot as snap
from traceboard.data.audit import record_audit
from traceboard.data.db import make_engine, transaction
from traceboard.data.frame import from_day, load_register_frame
from traceboard.data.migrate import init_database
from traceboard.data.reference import load_reference
from traceboard.services import platform_feeds
from traceboard.services.record_entry import save_entry


def no_direct_full_load(monkeypatch) -> None:
    """Fail if the cold start reads the whole register itself instead of patching the snapshot."""

    def refuse(engine):
        raise AssertionError("the snapshot was not used")

    monkeypatch.setattr(snap, "load_register_frame", refuse)


def check_result(engine, frame) -> None:
    row = enterprise(frame)
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查日期": "2026-10-09"}
    assert save_entry(engine, OFFICE, "inspections", cells | {"检查结果": "未发现问题"}).summary.changed


def traceability(engine, frame) -> None:
    cells = {
        "统一社会信用代码": enterprise(frame, adopted=False)["uscc"],
        "是否建立信息化追溯体系": "是",
        "是否接入追溯平台": "否",
        "追溯体系建立日期": "2019-05-06",
    }
    assert save_entry(engine, OFFICE, "traceability", cells).summary.changed


def feed(engine, frame) -> None:
    first = frame.uploads.iloc[len(frame.uploads) // 2]
    platform = frame.platforms.iloc[int(first["platform"])]
    uscc = frame.enterprises.iloc[int(first["pos"])]["uscc"]
    day = from_day(int(first["day"]))
    later = (day + dt.timedelta(days=3)).isoformat()
    lines = [
        "平台,统一社会信用代码,日期,上传记录数",
        f"{platform['code']},{uscc},{day.isoformat()},{int(first['records']) + 7}",
        f"{platform['code']},{frame.enterprises.iloc[0]['uscc']},{later},5",
    ]
    assert platform_feeds.ingest_feed(engine, OFFICE, "\n".join(lines).encode(), "feed.csv").changed


def reference_change(engine, frame) -> None:
    reference = load_reference()
    first = reference.townships[0]
    renamed = dataclasses.replace(first, name=first.name + "（新）")
    init_database(engine, dataclasses.replace(reference, townships=(renamed, *reference.townships[1:])))


def test_the_snapshot_reads_back_as_the_frame_it_was_written_from(demo_engine):
    frame = snap.open_register_frame(demo_engine)  # no snapshot yet: a full load, then written
    path = snap.snapshot_path(demo_engine)
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert list(path.parent.glob("*.tmp")) == []
    assert_same(snap.read_frame_snapshot(demo_engine), frame)
    assert_same(frame, load_register_frame(demo_engine))


def test_the_snapshot_s_numbers_are_read_in_place_not_copied(demo_engine):
    """The events' and uploads' number columns are the mapped file's own bytes: a process holding
    the frame keeps no second copy of them in Arrow's memory pool (README, *Performance*)."""
    import pyarrow as pa

    snap.open_register_frame(demo_engine)  # the snapshot written
    before = pa.total_allocated_bytes()
    frame = snap.read_frame_snapshot(demo_engine)
    numbers = sum(
        getattr(frame, part)[column].to_numpy().nbytes
        for part in ("events", "uploads")
        for column in getattr(frame, part).columns
    )
    grown = pa.total_allocated_bytes() - before  # the enterprises' few number columns are copied
    assert numbers > 10_000 and grown < numbers / 4
    assert not frame.uploads["day"].to_numpy().flags.writeable  # the file's bytes: read-only


def test_a_register_without_enterprises_reads_back_with_its_categories(engine):
    """A city that has users but no register yet: the empty columns keep their categories (the
    townships, sectors, departments), as a load gives them; an empty Arrow table alone would
    write no batch and lose them, and the assessment then failed on the next start."""
    with transaction(engine) as session:
        record_audit(session, actor="test", action="test.seeded", entity="app_user")
    frame = load_register_frame(engine)
    assert frame.enterprises.empty and len(frame.enterprises["township"].cat.categories) > 0
    assert snap.save_frame_snapshot(engine, frame) == snap.snapshot_path(engine)
    assert_same(snap.read_frame_snapshot(engine), frame)


@pytest.mark.parametrize("change", [check_result, traceability, feed, reference_change])
def test_a_snapshot_patched_forward_equals_a_fresh_load(demo_engine, monkeypatch, change):
    before = snap.open_register_frame(demo_engine)
    change(demo_engine, before)
    fresh = load_register_frame(demo_engine)
    assert fresh.version > before.version
    with monkeypatch.context() as mp:
        no_direct_full_load(mp)
        cold = snap.open_register_frame(demo_engine)
    assert_same(cold, fresh)
    # what the snapshot holds now: the old frame when only the version moved, else the new one
    kept = snap.read_frame_snapshot(demo_engine)
    assert_same(kept, before if change is check_result else fresh)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: b"",
        lambda data: b"\x00garbage" * 1000,
        lambda data: data[:-30] + b"\xff" * 30,
    ],
    ids=["truncated", "empty", "garbage", "bad-trailer"],
)
def test_a_damaged_snapshot_falls_back_to_a_full_load(demo_engine, damage):
    snap.open_register_frame(demo_engine)
    path = snap.snapshot_path(demo_engine)
    path.write_bytes(damage(path.read_bytes()))
    assert snap.read_frame_snapshot(demo_engine) is None
    with transaction(demo_engine) as session:
        record_audit(session, actor="office1", action="inspection.record", entity="inspection", entity_id=1)
    assert_same(snap.open_register_frame(demo_engine), load_register_frame(demo_engine))
    assert_same(snap.read_frame_snapshot(demo_engine), load_register_frame(demo_engine))  # written anew


def test_another_databases_snapshot_is_not_used(demo_engine, tmp_path):
    snap.open_register_frame(demo_engine)
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    try:
        init_database(other)
        path = snap.snapshot_path(other)
        assert path != snap.snapshot_path(demo_engine)
        shutil.copy(snap.snapshot_path(demo_engine), path)  # the demo city's snapshot in its place
        assert snap.read_frame_snapshot(other) is None
        cold = snap.open_register_frame(other)
        assert_same(cold, load_register_frame(other))
        assert len(cold.enterprises) == 0
    finally:
        other.dispose()


def test_a_snapshot_of_a_recreated_record_is_loaded_afresh(demo_engine, monkeypatch):
    """Same address, another record (its audit row at the snapshot's version has another hash)."""
    frame = load_register_frame(demo_engine)
    snap.save_frame_snapshot(demo_engine, dataclasses.replace(frame, stamp=f"{frame.version}:{'0' * 64}"))
    with transaction(demo_engine) as session:
        record_audit(session, actor="office1", action="inspection.record", entity="inspection", entity_id=1)
    with monkeypatch.context() as mp:
        no_direct_full_load(mp)  # the refresh itself sees the stamp is not the record's
        cold = snap.open_register_frame(demo_engine)
    fresh = load_register_frame(demo_engine)
    assert_same(cold, fresh)
    assert all(getattr(cold, part) is not getattr(frame, part) for part in snap.PARTS)
    assert_same(snap.read_frame_snapshot(demo_engine), fresh)


def test_the_snapshot_can_be_turned_off(demo_engine, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_FRAME_SNAPSHOT", "0")
    assert_same(snap.open_register_frame(demo_engine), load_register_frame(demo_engine))
    assert not snap.snapshot_path(demo_engine).exists()  # nothing written
    monkeypatch.setenv("TRACEBOARD_FRAME_SNAPSHOT", "1")
    snap.open_register_frame(demo_engine)
    assert snap.snapshot_path(demo_engine).exists()
    monkeypatch.setenv("TRACEBOARD_FRAME_SNAPSHOT", "0")

    def refuse(engine):
        raise AssertionError("the snapshot was read although turned off")

    monkeypatch.setattr(snap, "read_frame_snapshot", refuse)
    assert_same(snap.open_register_frame(demo_engine), load_register_frame(demo_engine))
