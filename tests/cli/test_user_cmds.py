"""``user …``, ``audit verify``, ``backup`` and ``restore``, in-process through the real entry point."""

import re

import pytest
from sqlalchemy import select

from traceboard.accounts.accounts import sign_in
from traceboard.cli.main import main
from traceboard.data.db import transaction
from traceboard.data.models import AuditLog

PASSWORD_LINE = re.compile(r"^password for (\S+) \(shown once, write it down\): (\S+)$", re.M)


def _admin(capsys) -> str:
    assert main(["user", "ensure-admin"]) == 0
    out = capsys.readouterr().out
    ((name, password),) = PASSWORD_LINE.findall(out)
    assert name == "admin"
    return password


def test_first_admin_once_then_accounts_lifecycle(engine, capsys, caplog, monkeypatch):
    password = _admin(capsys)
    assert main(["user", "ensure-admin"]) == 0
    assert capsys.readouterr().out == ""  # nothing the second time
    assert sign_in(engine, "admin", password).role == "admin"

    assert (
        main(
            [
                "user",
                "add",
                "li",
                "--role",
                "inspector",
                "--department",
                "market-regulation",
                "--display-name",
                "李四",
                "--as",
                "admin",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    ((_, li_password),) = PASSWORD_LINE.findall(out)
    assert out.count(li_password) == 1
    assert (
        main(["user", "add", "wang", "--role", "office", "--password", "Correct-horse-9", "--as", "admin"])
        == 0
    )
    assert "password for" not in capsys.readouterr().out  # a given password is never echoed

    assert main(["user", "passwd", "li", "--password", "Own-choice-pass-2", "--as", "li"]) == 0
    assert main(["user", "disable", "wang", "--as", "admin"]) == 0
    capsys.readouterr()
    assert main(["user", "list"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [row[:4] for row in lines] == [
        ["username", "role", "department", "state"],
        ["admin", "admin", "", "active"],
        ["li", "inspector", "market-regulation", "active"],
        ["wang", "office", "", "disabled"],
    ]
    assert lines[2][4] == ""  # li never signed in
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["user", "list"]) == 0
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == ["用户名", "角色", "部门", "状态", "上次登录", "显示名"]
    assert [row[3] for row in lines[1:]] == ["正常", "正常", "已停用"]
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    assert sign_in(engine, "li", "Own-choice-pass-2").username == "li"
    with transaction(engine) as session:
        audited = str(session.execute(select(AuditLog.before, AuditLog.after)).all())
    for secret in (password, li_password, "Correct-horse-9", "Own-choice-pass-2"):
        assert secret not in audited and secret not in caplog.text


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["user", "add", "x1", "--role", "office"], "name the acting user with --as NAME"),
        (["user", "add", "x1", "--role", "office", "--as", "nobody"], "unknown user 'nobody'"),
        (["user", "add", "x1", "--role", "office", "--as", "wang"], r"wang \(office\) may not users.manage"),
        (["user", "disable", "admin", "--as", "wang"], r"may not users.manage"),
        (["user", "passwd", "admin", "--as", "wang"], r"may not users.manage"),
        (["user", "add", "x1", "--role", "inspector", "--as", "admin"], "needs --department"),
        (["user", "add", "x1", "--role", "office", "--password", "short", "--as", "admin"], "at least 10"),
        (["user", "disable", "admin", "--as", "admin"], "last active admin"),
        (["user", "disable", "ghost", "--as", "admin"], "no user 'ghost'"),
    ],
)
def test_refusals_are_one_line_and_exit_1(engine, capsys, argv, message):
    _admin(capsys)
    assert (
        main(["user", "add", "wang", "--role", "office", "--password", "Correct-horse-9", "--as", "admin"])
        == 0
    )
    capsys.readouterr()
    assert main(argv) == 1
    err = capsys.readouterr().err
    assert re.search(message, err) and len(err.strip().splitlines()) == 1


def test_in_chinese_account_refusals_are_chinese(engine, capsys, monkeypatch):
    _admin(capsys)
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["user", "disable", "ghost", "--as", "admin"]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 没有账号 ghost。"
    assert main(["user", "add", "x1", "--role", "inspector", "--as", "admin"]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 执法检查人员账号必须填写所属部门代码。"
    assert main(["user", "disable", "admin", "--as", "admin"]) == 1
    assert (
        capsys.readouterr().err.strip()
        == "traceboard: admin 是最后一个启用的系统管理员账号，请先新增其他管理员。"
    )
