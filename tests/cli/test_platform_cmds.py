"""``traceboard platform list / ingest`` and the active columns of ``traceboard adoption``.

The register is the hand-built world of tests/metrics/adoption_world.py (望春门街道:
nos. 1, 2, 3, 4, 9; 山枣镇: nos. 5, 6, 7, 8). The feed below is written by hand;
at 2020-06-30 with the 90-day window (uploads from 2020-04-02 to 2020-06-30 count):

no  town    in operation  declared  uploads                                 active
1   望春门   yes           yes       2020-01-10 (too old), 2020-06-15 × 12    yes
2   望春门   yes           no (drop) 2020-05-20 × 4                           yes  (undeclared)
3   望春门   no (closed)   -         2020-06-01 × 5                           -
4   望春门   no (from 7-1) -         2020-06-20 × 2                           -
9   望春门   yes           yes       2020-04-01 × 8 (91 days back: outside)   no   (silent)
5   山枣     yes           yes       2020-06-30 × 0 (nothing uploaded)        no   (silent)
6   山枣     yes           no        none                                     no
7   山枣     yes           yes       2020-04-02 × 3 (first day of window)     yes
8   山枣     yes           no        2020-07-01 × 9 (after the date)          no

望春门街道: total 3, adopted 2, active 2 — declared and active 1, silent 1, undeclared 1.
山枣镇:     total 4, adopted 2, active 1 — declared and active 1, silent 1, undeclared 0.
"""

import json

import pytest
from sqlalchemy import func, select

from tests.metrics.adoption_world import CSV_FEED as CSV_TEXT
from tests.metrics.adoption_world import JSONL_FEED as JSONL_ROWS
from tests.metrics.adoption_world import USCC
from traceboard.cli.main import main
from traceboard.data import models as m
from traceboard.data.audit import data_version
from traceboard.data.db import transaction


@pytest.fixture
def feeds(world, tmp_path):
    with transaction(world) as session:
        session.add(m.User(username="office1", role="office"))
        session.add(m.User(username="leader1", role="leader"))
        session.add(m.User(username="inspector1", role="inspector"))
    jsonl = tmp_path / "hunan-2020-06.jsonl"
    jsonl.write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in JSONL_ROWS) + "\n", encoding="utf-8"
    )
    csv = tmp_path / "湘潭-2020-06.csv"
    csv.write_text(CSV_TEXT, encoding="utf-8")
    return jsonl, csv


def uploads(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            select(
                m.PlatformUpload.platform_id,
                m.PlatformUpload.enterprise_id,
                m.PlatformUpload.day,
                m.PlatformUpload.records,
                m.PlatformUpload.batches,
                m.PlatformUpload.items,
            ).order_by(m.PlatformUpload.enterprise_id, m.PlatformUpload.day)
        ).all()


def version(engine) -> int:
    with engine.connect() as conn:
        return data_version(conn)


def township_rows(capsys) -> dict[str, dict[str, str]]:
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    return {row[0]: dict(zip(header, row, strict=True)) for row in (line.split(",") for line in lines[1:])}


def test_platform_list_prints_code_tab_name(db_url, capsys):
    assert main(["platform", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "hunan-important\t湖南省重要产品追溯管理平台"
    assert "xiangtan\t湘潭市重要产品追溯管理平台" in lines
    assert len(lines) == 5 and all(len(line.split("\t")) == 2 for line in lines)


def test_active_counts_by_township_can_be_recounted_by_hand(world, feeds, capsys):
    jsonl, csv = feeds
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    assert capsys.readouterr().out.strip() == ("hunan-2020-06.jsonl: 5 rows; added 5, updated 0, unchanged 0")
    assert main(["platform", "ingest", str(csv), "--as", "office1"]) == 0
    assert "added 4" in capsys.readouterr().out

    assert main(["adoption", "--by", "township", "--as-of", "2020-06-30", "--format", "csv"]) == 0
    rows = township_rows(capsys)
    picked = ("total", "adopted", "active", "declared_active", "declared_silent", "undeclared_active")
    assert {k: rows["望春门街道"][k] for k in picked} == dict(zip(picked, "322111", strict=True))
    assert {k: rows["山枣镇"][k] for k in picked} == dict(zip(picked, "421110", strict=True))
    assert rows["望春门街道"]["active_rate"] == "0.6667" and rows["山枣镇"]["active_rate"] == "0.2500"
    assert rows["栗山镇"]["total"] == "0" and rows["栗山镇"]["active"] == "0"

    # one day more of window takes in no. 9's upload of 2020-04-01
    assert (
        main(
            [
                "adoption",
                "--by",
                "township",
                "--as-of",
                "2020-06-30",
                "--format",
                "csv",
                "--active-days",
                "91",
            ]
        )
        == 0
    )
    assert township_rows(capsys)["望春门街道"]["active"] == "3"


def test_the_same_feed_twice_changes_nothing(world, feeds, capsys):
    jsonl, _ = feeds
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    before, stamp = uploads(world), version(world)
    capsys.readouterr()
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    out = capsys.readouterr().out
    assert "added 0, updated 0, unchanged 5; nothing changed (same content ingested " in out
    assert uploads(world) == before and version(world) == stamp
    # items present: subject, product, batch (bits 0-2) = 7; transaction false
    assert [r[5] for r in before if r[3] == 12] == [7]


def test_a_later_figure_replaces_the_earlier_one_with_one_audit_row(world, feeds, tmp_path, capsys):
    jsonl, _ = feeds
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    corrected = tmp_path / "correction.jsonl"
    corrected.write_text(
        json.dumps({"platform": "xiangtan", "uscc": USCC[2], "date": "2020-05-20", "records": 6}),
        encoding="utf-8",
    )
    assert main(["platform", "ingest", str(corrected), "--as", "office1"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[-1]
        == "correction.jsonl: 1 rows; added 0, updated 1, unchanged 0"
    )
    assert [r[3] for r in uploads(world) if r[1] == 1002] == [6]
    with world.connect() as conn:
        audit = conn.execute(
            select(m.AuditLog.actor, m.AuditLog.entity_id, m.AuditLog.after)
            .where(m.AuditLog.action == "platform.ingest")
            .order_by(m.AuditLog.id)
        ).all()
    assert len(audit) == 2
    actor, sha, after = audit[-1]
    assert actor == "office1" and len(sha) == 64 and after["sha256"] == sha
    assert (after["rows"], after["added"], after["updated"], after["unchanged"]) == (1, 0, 1, 0)
    assert after["file"] == "correction.jsonl"


def test_one_bad_row_changes_nothing_and_is_named(world, feeds, tmp_path, capsys):
    _, csv = feeds
    assert main(["platform", "ingest", str(csv), "--as", "office1"]) == 0
    before, stamp = uploads(world), version(world)
    capsys.readouterr()
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_TEXT.replace(USCC[7], "91430381NOTHERE01X"), encoding="utf-8")
    assert main(["platform", "ingest", str(bad), "--as", "office1"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "bad.csv, row 4, 统一社会信用代码 '91430381NOTHERE01X': credit code not in the register"
    ]
    assert err.strip() == "traceboard: 1 problem(s) in bad.csv; nothing was ingested"
    assert uploads(world) == before and version(world) == stamp


@pytest.mark.parametrize(
    ("line", "column", "reason"),
    [
        (
            '{"platform": "nowhere", "uscc": "%s", "date": "2020-05-01", "records": 1}',
            "platform",
            "unknown platform",
        ),
        ('{"platform": "xiangtan", "uscc": "%s", "date": "2020-13-01", "records": 1}', "date", "not a date"),
        (
            '{"platform": "xiangtan", "uscc": "%s", "date": "2020-05-01", "records": -2}',
            "records",
            "must not be",
        ),
        (
            '{"platform": "xiangtan", "uscc": "%s", "date": "2020-05-01", "records": 1.5}',
            "records",
            "whole number",
        ),
        ('{"platform": "xiangtan", "uscc": "%s", "date": "2020-05-01"}', "records", "missing"),
        (
            '{"platform": "xiangtan", "uscc": "%s", "date": "2020-05-01", "records": 1, "x": 1}',
            "x",
            "unknown field",
        ),
        (
            '{"platform": "xiangtan", "uscc": "%s", "date": "2020-05-01", "records": 1, '
            '"items": {"colour": true}}',
            "items",
            "must be an object",
        ),
        ('{"platform": "xiangtan", "uscc": "%s", "date": "2020-05-01", "records": 1', "", "not valid JSON"),
    ],
)
def test_malformed_jsonl_rows_are_named_by_line_and_field(
    world, feeds, tmp_path, capsys, line, column, reason
):
    good = json.dumps({"platform": "xiangtan", "uscc": USCC[6], "date": "2020-05-02", "records": 1})
    path = tmp_path / "feed.jsonl"
    path.write_text(good + "\n\n" + line % USCC[1] + "\n", encoding="utf-8")
    assert main(["platform", "ingest", str(path), "--as", "office1"]) == 1
    (problem,) = capsys.readouterr().out.splitlines()
    assert problem.startswith(f"feed.jsonl, row 3{', ' + column if column else ''}")
    assert reason in problem
    assert uploads(world) == []


def test_ingest_needs_the_office(world, feeds, capsys):
    jsonl, _ = feeds
    assert main(["platform", "ingest", str(jsonl), "--as", "leader1"]) == 1
    assert "leader1" in capsys.readouterr().err
    assert uploads(world) == []
    with world.connect() as conn:
        ingests = select(func.count()).select_from(m.AuditLog).where(m.AuditLog.action == "platform.ingest")
        assert conn.scalar(ingests) == 0


def test_export_writes_a_feed_that_ingests_back_unchanged(world, feeds, tmp_path, capsys):
    jsonl, csv = feeds
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    assert main(["platform", "ingest", str(csv), "--as", "office1"]) == 0
    before = uploads(world)
    out = tmp_path / "uploads.jsonl"
    assert main(["platform", "export", "--out", str(out), "--as", "inspector1"]) == 1  # not a reader of all
    assert main(["platform", "export", "--out", str(out), "--as", "leader1"]) == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert len(lines) == len(before)
    first = json.loads(lines[0])
    assert set(first) <= {"platform", "uscc", "date", "records", "batches", "items"}
    with world.connect() as conn:
        assert conn.scalar(select(func.count()).where(m.AuditLog.action == "platform.export")) == 1
    capsys.readouterr()
    assert main(["platform", "ingest", str(out), "--as", "office1"]) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert uploads(world) == before


def test_in_chinese_ingest_problems_summaries_and_export_are_chinese(
    world, feeds, tmp_path, capsys, monkeypatch
):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    jsonl, _ = feeds
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    assert capsys.readouterr().out.strip() == "hunan-2020-06.jsonl：5 行；新增 5，更新 0，未变 0"
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("hunan-2020-06.jsonl：5 行；新增 0，更新 0，未变 5；没有变化（相同内容已于 ")
    assert out.endswith("（office1）接收）")
    bad = tmp_path / "bad.csv"
    bad.write_text(CSV_TEXT.replace(USCC[7], "91430381NOTHERE01X"), encoding="utf-8")
    assert main(["platform", "ingest", str(bad), "--as", "office1"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        "bad.csv，第 4 行，统一社会信用代码，“91430381NOTHERE01X”：统一社会信用代码不在企业名录中"
    ]
    assert err.strip() == "traceboard: bad.csv 中有 1 个问题；未接收任何数据"
    feed = tmp_path / "feed.jsonl"
    feed.write_text(
        json.dumps({"platform": "nowhere", "uscc": USCC[1], "date": "2020-05-01", "records": 1}) + "\n",
        encoding="utf-8",
    )
    assert main(["platform", "ingest", str(feed), "--as", "office1"]) == 1
    (problem,) = capsys.readouterr().out.splitlines()
    assert problem.startswith("feed.jsonl，第 1 行，platform，“nowhere”：未知平台（已知：")
    exported = tmp_path / "uploads.jsonl"
    assert main(["platform", "export", "--out", str(exported), "--as", "leader1"]) == 0
    assert capsys.readouterr().out.strip() == f"平台上传记录：已将 5 行写入 {exported}"


def test_in_chinese_an_unreadable_feed_is_refused_in_chinese(world, feeds, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    headless = tmp_path / "headless.csv"
    headless.write_text("平台,日期\nhunan,2020-06-01\n", encoding="utf-8")
    assert main(["platform", "ingest", str(headless), "--as", "office1"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("traceboard: headless.csv：无法读取：缺少列：") and err.endswith(
        "（第 1 行，表头）"
    ), err
    garbled = tmp_path / "garbled.csv"
    garbled.write_bytes(b"\xff\xfe\x00\x81\x30\xff\n")
    assert main(["platform", "ingest", str(garbled), "--as", "office1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "traceboard: garbled.csv：无法读取：既不是 UTF-8 也不是 GB18030 编码的文本"
    )
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    assert main(["platform", "ingest", str(garbled), "--as", "office1"]) == 2
    assert capsys.readouterr().err.strip() == "traceboard: garbled.csv: neither UTF-8 nor GB18030 text"


def test_a_feed_staged_in_batches_goes_in_whole_or_not_at_all(world, feeds, tmp_path, capsys, monkeypatch):
    from traceboard.data import platform_store

    monkeypatch.setattr(platform_store, "STAGE_BATCH", 2)  # SQLite stages 2 rows at a time
    jsonl, _ = feeds
    before, stamp = uploads(world), version(world)
    bad = tmp_path / "bad.csv"  # the unknown code in the second batch, after a good first one
    bad.write_text(CSV_TEXT.replace(USCC[7], "91430381NOTHERE01X"), encoding="utf-8")
    assert main(["platform", "ingest", str(bad), "--as", "office1"]) == 1
    assert capsys.readouterr().out.splitlines() == [
        "bad.csv, row 4, 统一社会信用代码 '91430381NOTHERE01X': credit code not in the register"
    ]
    assert uploads(world) == before and version(world) == stamp
    assert main(["platform", "ingest", str(jsonl), "--as", "office1"]) == 0
    assert capsys.readouterr().out.strip() == "hunan-2020-06.jsonl: 5 rows; added 5, updated 0, unchanged 0"
    added = sorted(set(uploads(world)) - set(before))
    assert len(added) == 5 and [r[5] for r in added if r[3] == 12] == [7]


@pytest.mark.parametrize("new_day", [True, False], ids=["new-day", "known-day"])
def test_a_platform_named_by_code_and_by_name_for_one_day_is_a_repeat(
    world, feeds, tmp_path, capsys, new_day
):
    """A platform may be named by its code or its Chinese name; the same platform, enterprise and
    day given twice that way is as ambiguous as written twice alike: both rows named, nothing written."""
    _, csv = feeds
    assert main(["platform", "ingest", str(csv), "--as", "office1"]) == 0
    before, stamp = uploads(world), version(world)
    capsys.readouterr()
    day = "2020-08-03" if new_day else "2020-06-30"
    twice = tmp_path / "twice.csv"
    twice.write_text(
        "平台,统一社会信用代码,日期,上传记录数\n"
        f"hunan-important,{USCC[5]},{day},4\n"
        f"xiangtan,{USCC[7]},{day},1\n"
        f"湖南省重要产品追溯管理平台,{USCC[5]},{day},5\n",
        encoding="utf-8",
    )
    assert main(["platform", "ingest", str(twice), "--as", "office1"]) == 1
    out, err = capsys.readouterr()
    assert out.splitlines() == [
        f"twice.csv, row 4, 日期 '{day}': repeats platform, credit code and date of row 2"
    ]
    assert err.strip() == "traceboard: 1 problem(s) in twice.csv; nothing was ingested"
    assert uploads(world) == before and version(world) == stamp
