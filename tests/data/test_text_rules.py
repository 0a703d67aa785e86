"""One rule for text by every way in: the schema's length, no NUL or control characters, one verdict
on SQLite and PostgreSQL (so --dry-run and the import agree)."""

import pytest
from sqlalchemy import func, select

from tests.files.import_files import codes, to_csv
from traceboard.accounts.accounts import add_user
from traceboard.accounts.authz import SYSTEM
from traceboard.cli.main import main
from traceboard.data import models as m
from traceboard.data.db import transaction
from traceboard.data.text_rules import TextRejected, max_length
from traceboard.services.imports import check_upload

NAME_LIMIT = max_length(m.Enterprise.__table__.c.name)
HEADER = ["统一社会信用代码", "企业名称", "所属乡镇", "行业类别", "住所"]


def test_imported_text_is_checked_against_the_schema_and_dry_run_agrees(engine, tmp_path, capsys):
    c = codes(5)
    rows = [
        HEADER,
        [c[0], "x" * (NAME_LIMIT + 1), "山枣镇", "食品", ""],
        [c[1], "甲\x00店", "山枣镇", "食品", ""],
        [c[2], "乙店", "山枣镇", "食品", "东街\x1b[2J"],
        [c[3], "丙\n店", "山枣镇", "食品", ""],
        [c[4], "x" * NAME_LIMIT, "山枣镇", "食品", "东街"],
    ]
    validation = check_upload(engine, "enterprises", to_csv(rows, "utf-8"), "a.csv")
    assert [(p.row, p.column, p.reason) for p in validation.problems.itertuples()] == [
        (2, "企业名称", f"longer than {NAME_LIMIT} characters ({NAME_LIMIT + 1})"),
        (3, "企业名称", "contains a NUL character"),
        (4, "住所", "contains the control character U+001B"),
        (5, "企业名称", "contains the control character U+000A"),
    ]
    path = tmp_path / "a.csv"
    path.write_bytes(to_csv(rows, "utf-8"))
    with transaction(engine) as session:
        session.add(m.User(username="office1", role="office"))
    assert main(["import", "enterprises", str(path), "--dry-run"]) == 1
    assert main(["import", "enterprises", str(path), "--as", "office1"]) == 1
    out = capsys.readouterr().out
    assert "Traceback" not in out and out.count("\nrow ") == 8 and "\x1b" not in out
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.Enterprise)) == 0


def test_forms_and_commands_meet_the_same_rule_at_every_write(engine):
    with pytest.raises(TextRejected, match="display_name: contains a NUL"), transaction(engine) as session:
        add_user(session, SYSTEM, "wang", "office", display_name="王\x00芳", password="long-enough-1")
    with pytest.raises(TextRejected, match="longer than"), transaction(engine) as session:
        add_user(session, SYSTEM, "li", "office", display_name="王" * 10_000, password="long-enough-1")
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(m.User)) == 0
