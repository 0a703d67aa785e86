"""``traceboard adoption`` in-process on the hand-built register of tests/metrics/adoption_world.py."""

import json

import pytest

from traceboard.cli.main import main

HEADER = (
    "total,adopted,rate,ci_low,ci_high,connected,connected_rate,"
    "active,active_rate,active_ci_low,active_ci_high,target,gap,"
    "declared_active,declared_silent,undeclared_active"
)


def test_csv_by_sector_exactly(world, capsys):
    assert main(["adoption", "--by", "sector", "--as-of", "2020-06-30", "--format", "csv"]) == 0
    # farm: 3 of 5 adopted (Wilson 0.2307–0.8824), 1 connected, target 0.6;
    # food: 1 of 2 (Wilson 0.0945–0.9055), none connected, target 0.8; the other sectors are empty.
    # No platform feed: nobody is active (0 of 5: Wilson upper z²/(5+z²) = 0.4345; of 2: 0.6576)
    # and every adopter is declared but silent.
    assert capsys.readouterr().out.splitlines() == [
        f"sector,{HEADER}",
        "食用农产品,5,3,0.6000,0.2307,0.8824,1,0.2000,0,0.0000,0.0000,0.4345,0.6000,0.0000,0,3,0",
        "食品,2,1,0.5000,0.0945,0.9055,0,0.0000,0,0.0000,0.0000,0.6576,0.8000,0.3000,0,1,0",
        "药品,0,0,,,,0,,0,,,,,,0,0,0",
        "农业生产资料,0,0,,,,0,,0,,,,,,0,0,0",
        "特种设备,0,0,,,,0,,0,,,,,,0,0,0",
        "危险品,0,0,,,,0,,0,,,,,,0,0,0",
    ]


def test_csv_by_department_and_subcategory_names_the_group_columns(world, capsys):
    assert (
        main(["adoption", "--by", "department,subcategory", "--as-of", "2020-06-30", "--format", "csv"]) == 0
    )
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"department,subcategory,{HEADER}"
    # 市商务粮食局 supervises nos. 1, 5, 9 (肉类, all adopted, no. 1 connected) and no. 7 (白酒)
    assert (
        "市商务粮食局,肉类,3,3,1.0000,0.4385,1.0000,1,0.3333,0,0.0000,0.0000,0.5615,0.6000,-0.4000,0,3,0"
        in lines
    )
    assert (
        "市农业局,蔬菜,2,0,0.0000,0.0000,0.6576,0,0.0000,0,0.0000,0.0000,0.6576,0.6000,0.6000,0,0,0" in lines
    )


def test_json_by_township_with_weighted_targets(world, capsys):
    assert main(["adoption", "--by", "township", "--as-of", "2020-06-30", "--format", "json"]) == 0
    rows = {r["township"]: r for r in json.loads(capsys.readouterr().out)}
    assert len(rows) == 24  # every township-level unit, empty ones too
    assert rows["山枣镇"] == {
        "township": "山枣镇",
        "total": 4,
        "adopted": 2,
        "rate": 0.5,
        "ci_low": 0.15,
        "ci_high": 0.85,
        "connected": 0,
        "connected_rate": 0.0,
        "active": 0,
        "active_rate": 0.0,
        "active_ci_low": 0.0,
        "active_ci_high": 0.4899,  # 0 of 4: z²/(4+z²)
        "target": 0.7,  # (2 farm × 0.6 + 2 food × 0.8) / 4
        "gap": 0.2,
        "declared_active": 0,
        "declared_silent": 2,
        "undeclared_active": 0,
    }
    assert rows["栗山镇"]["total"] == 0 and rows["栗山镇"]["rate"] is None


def test_table_has_chinese_headers(world, capsys):
    assert main(["adoption", "--by", "sector", "--as-of", "2020-06-30"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == [
        "行业",
        "在营企业",
        "已建立",
        "覆盖率",
        "置信下限",
        "置信上限",
        "已接入",
        "接入率",
        "活跃追溯",
        "活跃率",
        "活跃率置信下限",
        "活跃率置信上限",
        "目标",
        "差距",
        "已建立且活跃",
        "已建立未上传",
        "未申报但上传",
    ]
    assert lines[1].split() == [
        "食用农产品",
        "5",
        "3",
        "60.0%",
        "23.1%",
        "88.2%",
        "1",
        "20.0%",
        "0",
        "0.0%",
        "0.0%",
        "43.5%",
        "60.0%",
        "0.0%",
        "0",
        "3",
        "0",
    ]
    assert lines[3].split() == [
        "药品",
        "0",
        "0",
        "—",
        "—",
        "—",
        "0",
        "—",
        "0",
        "—",
        "—",
        "—",
        "—",
        "—",
        "0",
        "0",
        "0",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--by", "town"],
            "traceboard: unknown group 'town'; choose from township, department, sector, subcategory",
        ),
        (
            ["--by", "sector", "--as-of", "2020-02-30"],
            "traceboard: --as-of '2020-02-30' is not a date of the form YYYY-MM-DD",
        ),
        (
            ["--by", "sector", "--as-of", "30.06.2020"],
            "traceboard: --as-of '30.06.2020' is not a date of the form YYYY-MM-DD",
        ),
        (
            ["--by", "sector", "--as-of", "2016-12-31"],
            "traceboard: 2016-12-31 is before any data (the first is 2017-01-01)",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(world, capsys, args, message):
    assert main(["adoption", *args]) == 2
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [message] and captured.out == ""


def test_empty_register_is_refused(db_url, capsys):
    assert main(["adoption", "--by", "sector"]) == 2
    assert capsys.readouterr().err.startswith("traceboard: the register holds no enterprises")


def test_in_chinese_a_bad_date_is_refused_in_chinese(world, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["adoption", "--by", "sector", "--as-of", "30.06.2020"]) == 2
    assert capsys.readouterr().err.strip() == "traceboard: --as-of “30.06.2020”不是 YYYY-MM-DD 格式的日期"


def test_in_chinese_a_bad_targets_file_is_refused_in_chinese(world, capsys, monkeypatch, tmp_path):
    bad = tmp_path / "targets.toml"
    bad.write_text("[sectors.farm]\nadoption = { 2019 = 1.5 }\n", encoding="utf-8")
    monkeypatch.setenv("TRACEBOARD_TARGETS", str(bad))
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["adoption", "--by", "sector", "--as-of", "2020-06-30"]) == 2
    assert capsys.readouterr().err.strip() == (
        f"traceboard: {bad}：farm 在 2019 年的目标须为 0 到 1 之间的比例"
    )


def test_the_command_starts_from_the_frame_snapshot_and_keeps_it(world, capsys):
    """A second run reads the frame's snapshot (docs/frame.md, Cold start) and prints the same table."""
    from traceboard.cli.common import get_engine
    from traceboard.data.audit import record_audit
    from traceboard.data.db import transaction
    from traceboard.data.frame_snapshot import snapshot_path

    with transaction(world) as session:  # the world is written without the log: give it a version
        record_audit(session, actor="test", action="test.seeded", entity="enterprise")
    args = ["adoption", "--by", "sector", "--as-of", "2020-06-30", "--format", "csv"]
    path = snapshot_path(get_engine())
    assert not path.exists()
    assert main(args) == 0
    first = capsys.readouterr().out
    written = path.stat().st_mtime_ns
    assert main(args) == 0
    assert capsys.readouterr().out == first
    assert path.stat().st_mtime_ns == written  # read, not written again: nothing changed since
