"""Click's own words (usage, help headings, its errors) in the command line's language: Chinese from
locales/zh/LC_MESSAGES/messages.mo, which must be messages.po compiled (docs/interface.md)."""

import gettext
import shutil
import subprocess

import pytest

from traceboard.cli.main import main
from traceboard.i18n import LOCALES

FOLDER = LOCALES / "zh" / "LC_MESSAGES"


def catalog(path) -> dict:
    with open(path, "rb") as fh:
        return dict(gettext.GNUTranslations(fh)._catalog)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU gettext's msgfmt is not installed")
def test_the_compiled_catalog_is_the_po_file_compiled(tmp_path):
    fresh = tmp_path / "messages.mo"
    subprocess.run(["msgfmt", "--check", "-o", str(fresh), str(FOLDER / "messages.po")], check=True)
    shipped = catalog(FOLDER / "messages.mo")
    assert shipped == catalog(fresh), "messages.po changed: run msgfmt -o messages.mo messages.po"
    assert shipped["Usage:"] == "用法:"


def test_in_chinese_clicks_words_are_chinese(capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("用法: traceboard [OPTIONS] COMMAND [ARGS]...")
    assert "\n选项:\n" in out and "\n命令:\n" in out and "显示此帮助并退出。" in out
    assert main(["nosuch"]) == 2
    err = capsys.readouterr().err
    assert "运行 'traceboard --help' 查看帮助。" in err and "错误：没有命令 'nosuch'。" in err
    assert main(["user", "add"]) == 2
    assert "错误：缺少参数 'NAME'" in capsys.readouterr().err


def test_in_english_clicks_words_stay_english(capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    assert main(["nosuch"]) == 2
    err = capsys.readouterr().err
    assert "Try 'traceboard --help' for help." in err and "Error: No such command 'nosuch'." in err


def test_a_process_that_spoke_english_first_speaks_chinese_next(capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    assert main(["audit", "--help"]) == 0
    assert "Show this message and exit." in capsys.readouterr().out
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["audit", "--help"]) == 0
    assert "显示此帮助并退出。" in capsys.readouterr().out
