"""The setup commands, run in-process through the real entry point."""

import pytest
from sqlalchemy import func, select

from traceboard.cli.main import main
from traceboard.data import models as m


def test_check_code_prints_one_line_per_code_in_order(capsys):
    code = main(
        [
            "check-code",
            "91430111MA4L41YT1U",
            " ９１３５０２１３５９４９８４９４ｘｑ ",
            "91430111MA4L41YT1X",
            "123",
        ]
    )
    out = capsys.readouterr().out.splitlines()
    assert out == [
        "91430111MA4L41YT1U\tvalid",
        "9135021359498494XQ\tvalid",
        "91430111MA4L41YT1X\tinvalid: check character should be 'U'",
        "123\tinvalid: 18 characters expected, got 3",
    ]
    assert code == 1


def test_check_code_exits_0_when_all_valid(capsys, db_url):
    assert main(["check-code", "91430111MA4L41YT1U"]) == 0


def test_check_code_consults_the_allow_list(engine, capsys):
    from traceboard.data.db import transaction

    with transaction(engine) as session:
        session.add(m.LegacyCode(code="91430111MA4L41YT1X", reason="试点期间赋码", added_by="office"))
    assert main(["check-code", "91430111MA4L41YT1X"]) == 0
    assert "legacy" in capsys.readouterr().out


def test_demo_then_refusal(engine, capsys):
    assert main(["demo", "--enterprises", "120", "--seed", "5"]) == 0
    assert "enterprise 120" in capsys.readouterr().out
    assert main(["demo", "--enterprises", "10"]) == 1
    assert "not empty" in capsys.readouterr().err
    assert main(["demo", "--if-empty"]) == 0
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.Enterprise)) == 120


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "postgresql+psycopg://nobody@127.0.0.1:1/none",
            "cannot open database postgresql+psycopg://nobody@127.0.0.1:1/none",
        ),
        ("nonsense", "malformed database URL: 'nonsense'"),
        ("oracle+nodriver://x/y", "unsupported database URL"),
    ],
)
def test_a_bad_database_url_is_one_clear_line(url, message, capsys, monkeypatch):
    from traceboard.cli.common import reset_engines

    reset_engines()
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", url)
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_in_chinese_the_setup_lines_are_chinese(engine, capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["init"]) == 0
    assert capsys.readouterr().out.startswith("数据库结构 ")
    assert main(["demo", "--enterprises", "120", "--seed", "5"]) == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("演示城市已生成，用时 ") and "enterprise 120" in out
    assert main(["demo", "--if-empty"]) == 0
    assert capsys.readouterr().err.strip().startswith("未生成演示数据：")
