"""The frame refreshed after a change equals a frame loaded afresh, for every kind of change.

Each test loads the frame of a small demo city, makes one kind of change through the same
service the pages and commands use, and compares ``refresh_register_frame`` (which reads only
what changed) with ``load_register_frame`` (which reads everything), on SQLite and PostgreSQL.
Where a change is patched, the parts it cannot have touched are the very objects of the old
frame: that is how the tests see that nothing more was read.
"""

from __future__ import annotations

import dataclasses
import datetime as dt

import pandas as pd
import pytest
from sqlalchemy import update

from tests.files.import_files import codes, to_csv
from traceboard.accounts.authz import Actor
from traceboard.data import models as m
from traceboard.data.audit import record_audit
from traceboard.data.db import transaction
from traceboard.data.frame import (
    PLATFORM_INGEST,
    RegisterFrame,
    from_day,
    load_register_frame,
    refresh_register_frame,
)
from traceboard.data.migrate import init_database
from traceboard.data.reference import load_reference
from traceboard.services import blacklist as blacklist_actions
from traceboard.services import platform_feeds
from traceboard.services.imports import check_upload, import_validated
from traceboard.services.record_entry import save_entry

OFFICE = Actor("office1", "office")
PARTS = ("enterprises", "events", "units", "sectors", "subcategories", "uploads", "platforms")


def assert_same(patched: RegisterFrame, fresh: RegisterFrame) -> None:
    assert (patched.version, patched.stamp, patched.last_event) == (
        fresh.version,
        fresh.stamp,
        fresh.last_event,
    )
    for part in PARTS:
        pd.testing.assert_frame_equal(getattr(patched, part), getattr(fresh, part), obj=part)


def refreshed(engine, frame: RegisterFrame) -> RegisterFrame:
    """The refreshed frame, after checking it equals a fresh load and moved past ``frame``."""
    patched = refresh_register_frame(engine, frame)
    assert patched.version > frame.version
    assert_same(patched, load_register_frame(engine))
    return patched


def kept(patched: RegisterFrame, frame: RegisterFrame) -> set[str]:
    """The parts the refresh took over from ``frame`` without reading them."""
    return {part for part in PARTS if getattr(patched, part) is getattr(frame, part)}


def enterprise(frame: RegisterFrame, adopted: bool | None = None) -> pd.Series:
    """An open enterprise of the frame (with or without an adoption event when asked)."""
    ent = frame.enterprises
    with_event = set(frame.events.loc[frame.events["kind"] == 0, "pos"])
    for pos in range(len(ent)):
        if adopted is None or (pos in with_event) == adopted:
            return ent.iloc[pos]
    raise AssertionError("no such enterprise in the demo city")


def test_a_frame_refreshed_without_a_change_is_the_same_frame(demo_engine):
    frame = load_register_frame(demo_engine)
    assert refresh_register_frame(demo_engine, frame) is frame


def test_a_recorded_check_result_only_moves_the_version(demo_engine):
    frame = load_register_frame(demo_engine)
    row = enterprise(frame)
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查日期": "2026-10-09"}
    outcome = save_entry(demo_engine, OFFICE, "inspections", cells | {"检查结果": "未发现问题"})
    assert outcome.summary is not None and outcome.summary.changed
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set(PARTS)
    # the tables are those of the frame: what is computed from them alone can be kept
    assert patched.stamp != frame.stamp and patched.content_stamp == frame.content_stamp == frame.stamp


def test_blacklist_steps_only_move_the_version(demo_engine):
    frame = load_register_frame(demo_engine)
    case = blacklist_actions.propose_case(
        demo_engine, OFFICE, enterprise(frame)["uscc"], "追溯信息不真实", on=dt.date(2026, 2, 1)
    )
    from traceboard.blacklist.lifecycle import Move

    blacklist_actions.move_case(demo_engine, OFFICE, case, Move("notified", dt.date(2026, 2, 2), ""))
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set(PARTS)
    assert patched.content_stamp == frame.stamp


def test_a_register_import_reads_the_register_and_only_the_new_events(demo_engine):
    frame = load_register_frame(demo_engine)
    old = enterprise(frame)
    header = [
        "统一社会信用代码",
        "企业名称",
        "所属乡镇",
        "行业类别",
        "是否建立信息化追溯体系",
        "追溯体系建立日期",
    ]
    new = [
        [
            code,
            f"湘乡市刷新测试{i}号食品有限公司",
            "山枣镇",
            "食品",
            "是" if i else "否",
            f"2026-03-0{i}" if i else "",
        ]
        for i, code in enumerate(codes(3, seed=41))
    ]
    renamed = [old["uscc"], old["name"] + "（更名）", old["township"], old["sector"], "否", ""]
    validation = check_upload(
        demo_engine, "enterprises", to_csv([header, *new, renamed], "utf-8"), "名录.csv"
    )
    assert validation.ok, validation.problems
    import_validated(demo_engine, OFFICE, validation)

    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == {"units", "sectors", "subcategories", "uploads", "platforms"}
    assert len(patched.enterprises) == len(frame.enterprises) + 3
    assert len(patched.events) == len(frame.events) + 2  # the two new adoptions
    assert (patched.enterprises["name"] == old["name"] + "（更名）").sum() == 1


def test_a_traceability_change_reads_only_the_new_events(demo_engine):
    frame = load_register_frame(demo_engine)
    cells = {
        "统一社会信用代码": enterprise(frame, adopted=False)["uscc"],
        "是否建立信息化追溯体系": "是",
        "是否接入追溯平台": "否",
    }
    outcome = save_entry(demo_engine, OFFICE, "traceability", cells | {"追溯体系建立日期": "2019-05-06"})
    assert outcome.summary is not None and outcome.summary.changed, outcome.validation.problems
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set(PARTS) - {"events"}
    assert len(patched.events) == len(frame.events) + 1
    assert patched.last_event > frame.last_event
    assert patched.content_stamp == patched.stamp != frame.content_stamp  # new rows: computed again


def test_a_recorded_trace_event_reads_the_events_again(demo_engine):
    frame = load_register_frame(demo_engine)
    cells = {
        "统一社会信用代码": enterprise(frame)["uscc"],
        "变更类型": "接入追溯平台",
        "变更日期": "2021-01-04",
    }
    outcome = save_entry(demo_engine, OFFICE, "trace-events", cells)
    assert outcome.summary is not None and outcome.summary.changed, outcome.validation.problems
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set(PARTS) - {"events"}
    assert len(patched.events) == len(frame.events) + 1


def test_a_feed_ingest_reads_only_the_days_of_the_feed(demo_engine):
    frame = load_register_frame(demo_engine)
    assert len(frame.uploads), "the demo city has platform uploads"
    first = frame.uploads.iloc[len(frame.uploads) // 2]  # an upload to correct
    ent = frame.enterprises
    platform = frame.platforms.iloc[int(first["platform"])]
    day = from_day(int(first["day"]))
    corrected = int(first["records"]) + 7
    lines = [
        "平台,统一社会信用代码,日期,上传记录数",
        f"{platform['code']},{ent.iloc[int(first['pos'])]['uscc']},{day.isoformat()},{corrected}",
        f"{platform['code']},{ent.iloc[0]['uscc']},{(day + dt.timedelta(days=3)).isoformat()},5",
    ]
    summary = platform_feeds.ingest_feed(demo_engine, OFFICE, "\n".join(lines).encode(), "feed.csv")
    assert summary.changed
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set(PARTS) - {"uploads"}


def test_the_ingest_action_the_frame_patches_is_the_one_the_service_records():
    assert PLATFORM_INGEST == platform_feeds.ACTION


def test_a_reference_change_loads_the_frame_afresh(demo_engine):
    frame = load_register_frame(demo_engine)
    reference = load_reference()
    first = reference.townships[0]
    renamed = dataclasses.replace(first, name=first.name + "（新）")
    init_database(demo_engine, dataclasses.replace(reference, townships=(renamed, *reference.townships[1:])))
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set()
    assert renamed.name in set(patched.units["name"])


def test_a_change_the_frame_does_not_know_loads_it_afresh(demo_engine):
    frame = load_register_frame(demo_engine)
    with transaction(demo_engine) as session:
        session.execute(
            update(m.Enterprise)
            .where(m.Enterprise.id == int(frame.enterprises["id"].iloc[0]))
            .values(name="改")
        )
        record_audit(session, actor="office1", action="test.change", entity="enterprise", entity_id=1)
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set()
    assert patched.enterprises["name"].iloc[0] == "改"


def test_several_changes_at_once_are_patched_together(demo_engine):
    frame = load_register_frame(demo_engine)
    row = enterprise(frame, adopted=False)
    save_entry(
        demo_engine,
        OFFICE,
        "traceability",
        {"统一社会信用代码": row["uscc"], "是否建立信息化追溯体系": "是", "是否接入追溯平台": "否"},
    )
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查日期": "2026-10-09"}
    save_entry(demo_engine, OFFICE, "inspections", cells | {"检查结果": "未发现问题"})
    header = ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别"]
    validation = check_upload(
        demo_engine,
        "enterprises",
        to_csv([header, [codes(1, 43)[0], "湘乡市合并测试商行", "山枣镇", "食品"]], "utf-8"),
        "a.csv",
    )
    import_validated(demo_engine, OFFICE, validation)
    # The frame itself is older still than the refresh in between: refresh twice from one frame.
    middle = refreshed(demo_engine, frame)
    save_entry(
        demo_engine, OFFICE, "inspections", cells | {"检查日期": "2026-10-10", "检查结果": "未发现问题"}
    )
    refreshed(demo_engine, middle)
    refreshed(demo_engine, frame)


def test_a_frame_of_another_record_is_not_patched(demo_engine, tmp_path):
    """A record re-created at the same address (ids start again) is loaded afresh, never patched."""
    frame = load_register_frame(demo_engine)
    forged = dataclasses.replace(frame, stamp=f"{frame.version}:{'0' * 64}")
    with transaction(demo_engine) as session:
        record_audit(session, actor="office1", action="inspection.record", entity="inspection", entity_id=1)
    patched = refreshed(demo_engine, forged)
    assert kept(patched, forged) == set()


@pytest.mark.parametrize("kind", ["inspection.record", "blacklist.listed", "alert.approved", "user.add"])
def test_changes_outside_the_register_keep_every_part(demo_engine, kind):
    frame = load_register_frame(demo_engine)
    with transaction(demo_engine) as session:
        record_audit(session, actor="office1", action=kind, entity="x", entity_id=1)
    patched = refreshed(demo_engine, frame)
    assert kept(patched, frame) == set(PARTS)
    with transaction(demo_engine) as session:  # and again: the content is still the first load's
        record_audit(session, actor="office1", action=kind, entity="x", entity_id=2)
    again = refreshed(demo_engine, patched)
    assert again.stamp != patched.stamp and again.content_stamp == frame.content_stamp == frame.stamp
