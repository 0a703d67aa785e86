"""The dashboard's caches follow the record: computed once per data version, again after any change."""

import datetime as dt
import gc
import os
import shutil
import subprocess
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _empty_postgres, initialised_postgres
from tests.files.import_files import HEADER, codes, to_csv
from traceboard.cli.main import main as cli_main
from traceboard.dashboard import state
from traceboard.data import models as m
from traceboard.data.audit import record_audit
from traceboard.data.db import make_engine, transaction


def test_per_data_version_recomputes_only_after_a_change(engine):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert state.per_data_version(("probe",), compute) == 1
    assert state.per_data_version(("probe",), compute) == 1  # same record: cached
    assert state.per_data_version(("other",), compute) == 2  # another key
    with transaction(engine) as session:
        record_audit(session, actor="office1", action="test.change", entity="enterprise", entity_id=1)
    assert state.per_data_version(("probe",), compute) == 3  # the record changed


def test_the_results_of_an_older_version_are_dropped_once_a_newer_one_is_asked_for(engine, monkeypatch):
    """A cache holds the newest version's results, not up to 96 entries across versions."""
    monkeypatch.setattr(state, "_newest", {})  # this process has asked for no version yet

    class Result:
        pass

    kept = weakref.ref(state.per_data_version(("probe", "old"), Result))
    gc.collect()
    assert kept() is not None and state.per_data_version(("probe", "old"), Result) is kept()
    with transaction(engine) as session:
        record_audit(session, actor="office1", action="test.change", entity="enterprise", entity_id=1)
    newer = state.per_data_version(("probe", "new"), Result)  # another key, at the newer version
    gc.collect()
    assert kept() is None  # the older version's result is no longer held
    assert state.per_data_version(("probe", "new"), Result) is newer  # the newer one's is


def test_the_version_differs_between_records_with_the_same_number_of_changes(engine):
    first = state.current_data_version()
    with transaction(engine) as session:
        record_audit(session, actor="a", action="x", entity="e")
    second = state.current_data_version()
    assert first != second and second.startswith(f"{int(first.split(':')[0]) + 1}:")


def register_file(tmp_path, count: int, seed: int) -> str:
    """A register of ``count`` food enterprises in 山枣镇 (distinct codes per ``seed``)."""
    rows = [HEADER] + [
        [i, code, f"湘乡市测试{seed}-{i}号食品有限公司", "山枣镇", "食品", "白酒", "否", "", "否", ""]
        for i, code in enumerate(codes(count, seed), start=1)
    ]
    path = tmp_path / f"名录-{seed}.csv"
    path.write_bytes(to_csv(rows, "utf-8"))
    return str(path)


def add_office(url: str) -> None:
    engine = make_engine(url)
    with transaction(engine) as session:
        session.add(m.User(username="office1", role="office"))
    engine.dispose()


def test_a_change_made_by_another_process_reaches_this_process(db_url, tmp_path):
    """Two app replicas share nothing but the database: the version is read from it on every use."""
    add_office(db_url)
    before = state.get_frame()
    traceboard = Path(sys.executable).with_name("traceboard")
    command = [
        str(traceboard),
        "import",
        "enterprises",
        register_file(tmp_path, 3, seed=5),
        "--as",
        "office1",
    ]
    subprocess.run(command, check=True, capture_output=True, env=os.environ)
    after = state.get_frame()
    assert after.version > before.version
    assert len(after.enterprises) == len(before.enterprises) + 3


@pytest.fixture
def replica_url(db_url, sqlite_template, reference, tmp_path) -> Iterator[str]:
    """A second database of the same backend in the primary's starting state (the reference data,
    no audit row), standing in for a read replica."""
    if db_url.startswith("sqlite"):
        shutil.copy(sqlite_template, tmp_path / "replica.db")
        yield f"sqlite:///{tmp_path / 'replica.db'}"
        return
    primary = make_url(db_url)
    with initialised_postgres(primary, f"{primary.database}_replica") as url:
        _empty_postgres(url, reference)
        yield url


def import_register(url: str, path: str) -> None:
    assert cli_main(["--database-url", url, "import", "enterprises", path, "--as", "office1"]) == 0


def test_the_frame_is_read_from_the_read_replica_once_it_has_replayed_the_primary(
    db_url, replica_url, tmp_path, monkeypatch
):
    for url in (db_url, replica_url):
        add_office(url)
    # The "replica" holds 4 enterprises the primary lacks, so the frame shows where it was read.
    import_register(replica_url, register_file(tmp_path, 4, 1))
    monkeypatch.setenv("TRACEBOARD_READ_DATABASE_URL", replica_url)
    assert len(state.get_frame().enterprises) == 4  # replica's version >= primary's: read there
    assert state.get_engine().url.render_as_string(hide_password=False) == db_url  # writes: primary

    # A change on the primary the replica has not replayed: the frame comes from the primary,
    # so whoever made the change sees it at once.
    for seed in (2, 3):
        import_register(db_url, register_file(tmp_path, 2, seed))
    assert sorted(state.get_frame().enterprises["uscc"]) == sorted(codes(2, 2) + codes(2, 3))


def test_after_a_change_the_frame_is_refreshed_not_reloaded(demo_engine):
    """A check result touches none of the register's tables: the next frame takes the version and
    keeps every part; the per-data-version caches still compute again."""
    from traceboard.accounts.authz import Actor
    from traceboard.data.frame import load_register_frame
    from traceboard.services.record_entry import save_entry

    before = state.get_frame()
    calls = []
    state.per_data_version(("probe", "refresh"), lambda: calls.append(1))
    row = before.enterprises.iloc[0]
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查日期": "2026-10-09"}
    save_entry(demo_engine, Actor("office1", "office"), "inspections", cells | {"检查结果": "未发现问题"})
    after = state.get_frame()
    assert after.stamp == state.current_data_version() != before.stamp
    assert after.enterprises is before.enterprises and after.events is before.events
    assert state.get_frame() is after  # the same version: the same frame
    state.per_data_version(("probe", "refresh"), lambda: calls.append(1))
    assert len(calls) == 2
    fresh = load_register_frame(demo_engine)
    assert (after.version, after.stamp) == (fresh.version, fresh.stamp)


def test_what_is_computed_from_the_frame_alone_is_kept_until_the_register_changes(demo_engine):
    """A check result moves the data version but not the frame's tables: per_frame_content keeps
    its result (the adoption view, the counts); an entry of the register computes it again."""
    from traceboard.accounts.authz import Actor
    from traceboard.services.record_entry import save_entry

    office = Actor("office1", "office")
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    before = state.get_frame()
    assert state.per_frame_content(before, ("probe", "content"), compute) == 1
    row = before.enterprises.iloc[0]
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查日期": "2026-10-09"}
    save_entry(demo_engine, office, "inspections", cells | {"检查结果": "未发现问题"})
    after = state.get_frame()
    assert after.stamp != before.stamp
    assert state.per_frame_content(after, ("probe", "content"), compute) == 1  # kept
    assert state.per_data_version(("probe", "content"), compute) == 2  # the version's caches: anew
    adopted = set(before.events.loc[before.events["kind"] == 0, "pos"])
    pos = next(i for i in range(len(before.enterprises)) if i not in adopted)  # one not yet adopted
    uscc = before.enterprises.iloc[pos]["uscc"]
    cells = {"统一社会信用代码": uscc, "是否建立信息化追溯体系": "是", "是否接入追溯平台": "否"}
    outcome = save_entry(demo_engine, office, "traceability", cells | {"追溯体系建立日期": "2019-05-06"})
    assert outcome.summary is not None and outcome.summary.changed, outcome.validation.problems
    changed = state.get_frame()
    assert changed.content_stamp != before.content_stamp
    assert state.per_frame_content(changed, ("probe", "content"), compute) == 3  # computed again


def test_the_adoption_states_the_pages_share_follow_the_register(demo_engine):
    """追溯覆盖率, 任务进度 and 年度考核 share the states at their days (``adoption_states``): a check
    result keeps them; an adoption entered into the register gives new ones that show it."""
    from traceboard.accounts.authz import Actor
    from traceboard.data.frame import to_day
    from traceboard.metrics.adoption import adoption_state
    from traceboard.services.record_entry import save_entry

    office = Actor("office1", "office")
    before = state.get_frame()
    year_end = to_day(dt.date(2019, 12, 31))
    kept = state.adoption_states(before)
    assert kept.state_frame(before, year_end).equals(adoption_state(before, year_end))
    row = before.enterprises.iloc[0]
    cells = {"统一社会信用代码": row["uscc"], "检查部门": row["department"], "检查日期": "2026-10-09"}
    save_entry(demo_engine, office, "inspections", cells | {"检查结果": "未发现问题"})
    after = state.get_frame()
    assert after.stamp != before.stamp and state.adoption_states(after) is kept  # kept
    adopted = set(before.events.loc[before.events["kind"] == 0, "pos"])
    in_operation = adoption_state(before, year_end)["active"].to_numpy()
    pos = next(i for i in range(len(before.enterprises)) if i not in adopted and in_operation[i])
    cells = {"统一社会信用代码": before.enterprises.iloc[pos]["uscc"], "是否建立信息化追溯体系": "是"}
    cells |= {"是否接入追溯平台": "否", "追溯体系建立日期": "2019-05-06"}
    outcome = save_entry(demo_engine, office, "traceability", cells)
    assert outcome.summary is not None and outcome.summary.changed, outcome.validation.problems
    changed = state.get_frame()
    fresh = state.adoption_states(changed)
    assert fresh is not kept
    now = fresh.state_frame(changed, year_end)
    assert now["adopted"].iloc[pos] and not kept.state_frame(before, year_end)["adopted"].iloc[pos]
    assert now.equals(adoption_state(changed, year_end))
    counted = fresh.states(changed, [year_end])[0]
    assert counted[1][pos] and counted[1].sum() == now["adopted"].sum()
