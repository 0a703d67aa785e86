"""The commands' and options' own help texts in the command line's language: Chinese from
locales/zh/cli_help.toml, English from the code (docs/interface.md)."""

import re

import pytest

from traceboard.cli.main import command_paths, main, speak_help
from traceboard.i18n import load_catalog, load_cli_help

CJK = re.compile(r"[\u4e00-\u9fff]")
CATALOG = load_cli_help("zh")


def english_texts():
    """(what, text) for every English help text of the tree, as the code has it."""
    speak_help("en")
    for path, command in command_paths():
        yield f"{path}: help", command.help
        if command.epilog:
            yield f"{path}: epilog", command.epilog
        for param in command.params:
            if getattr(param, "help", None):
                yield f"{path}: --{param.name}", param.help


@pytest.fixture(autouse=True)
def english_afterwards():
    yield
    speak_help("en")


def test_every_command_and_option_has_a_chinese_help():
    missing = []
    for path, command in command_paths():
        entry = CATALOG.get(path, {})
        wanted = {"help": command.help, "epilog": command.epilog}
        for field, english in wanted.items():
            if english and not CJK.search(entry.get(field, "")):
                missing.append(f"{path}: {field}")
        options = entry.get("options", {})
        for param in command.params:
            if getattr(param, "help", None) and not CJK.search(options.get(param.name, "")):
                missing.append(f"{path}: --{param.name}")
    assert not missing, "no Chinese in locales/zh/cli_help.toml for: " + ", ".join(missing)


def test_the_catalog_names_only_commands_and_options_that_exist():
    commands = dict(command_paths())
    unknown = [path for path in CATALOG if path not in commands]
    for path, entry in CATALOG.items():
        if path in commands:
            names = {p.name for p in commands[path].params}
            unknown += [f"{path}: --{name}" for name in entry.get("options", {}) if name not in names]
    assert not unknown, "locales/zh/cli_help.toml names what the command line lacks: " + ", ".join(unknown)


def test_the_help_catalog_is_no_message_catalog():
    assert not any(key.startswith("cli_help.") for key in load_catalog("zh"))


def test_in_chinese_the_command_list_and_an_options_help_are_chinese(capsys, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "数据库地址（默认：SQLite 文件 var/traceboard.db" in out
    assert "显示版本并退出。" in out
    assert re.search(  # 80 columns: a Chinese character takes two, and the line breaks between two
        r"\n  import +导入 KIND 类型的表格（.xlsx、.xls、.csv）：要么全部导入，要么\n {16}一行也不导入\n", out
    )
    assert re.search(r"\n  blacklist +质量失信黑名单：拟列入、告知、列入、公示、移出案件\n", out)
    assert "Import a spreadsheet" not in out and "Show the version" not in out

    assert main(["import", "--help"]) == 0
    out = capsys.readouterr().out
    assert "\n  退出码 0：已导入（使用 --dry-run 时：数据有效）；\n" in out  # \b keeps the lines
    assert "只校验，不写入。" in out and "以此用户身份操作" in out
    assert "文件不超过 50 MB；每张工作表不超过 200,000 行" in out  # the caps' numbers filled in
    assert "Validate only" not in out and "Files up to" not in out

    assert main(["draw", "commit", "--help"]) == 0
    out = capsys.readouterr().out
    assert "冻结候选名单并记录种子承诺；打印需公布的哈希值。" in out
    assert "将由监督人员揭示的种子的 SHA-256。" in out


def test_in_english_the_help_is_the_codes_even_after_chinese(capsys, monkeypatch):
    texts = dict(english_texts())
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    assert main(["import", "--help"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("TRACEBOARD_LANG", "en")
    assert dict(english_texts()) == texts
    assert main(["import", "--help"]) == 0
    out = capsys.readouterr().out
    assert "Import a spreadsheet of KIND (.xlsx, .xls, .csv): all rows or none." in out
    assert "Validate only; write nothing." in out and "Files up to 50 MB" in out
    assert not CJK.search(out.split("Options:")[1])
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\n  import +Import a spreadsheet of KIND", out)
    assert "Show the version and exit." in out


def test_a_help_the_catalog_lacks_stays_english(monkeypatch):
    commands = dict(command_paths())
    english = commands["init"].help
    trimmed = {path: entry for path, entry in CATALOG.items() if path != "init"}
    monkeypatch.setattr("traceboard.cli.main.load_cli_help", lambda lang: trimmed)
    speak_help("zh")
    assert commands["init"].help == english
    assert CJK.search(commands["import"].help)


@pytest.mark.parametrize("width", [80, 100])
def test_every_chinese_help_fits_the_terminal_counting_a_chinese_character_as_two_columns(
    capsys, monkeypatch, width
):
    from traceboard.cli.help_format import columns

    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    monkeypatch.setenv("COLUMNS", str(width))
    too_wide = []
    for path, _command in command_paths():
        words = [] if path == "traceboard" else path.split(".")
        assert main([*words, "--help"]) == 0, path
        lines = capsys.readouterr().out.splitlines()
        assert len(lines) > 3, path
        too_wide += [f"{path}: {line}" for line in lines if columns(line) > width]
    assert not too_wide, "\n".join(too_wide)


def test_a_chinese_sentence_breaks_between_characters_but_never_before_a_closing_mark():
    from traceboard.cli.help_format import columns, fill

    text = "截至该日、在 --active-days 天内向追溯平台上传过记录的在营企业（活跃追溯），附区间。"
    for width in range(12, 40):
        lines = fill(text, width, "  ", "  ").splitlines()
        assert all(columns(line) <= width for line in lines), width
        assert "".join(line.strip() for line in lines).replace(" ", "") == text.replace(" ", ""), width
        assert not any(line.strip()[0] in "，。、）" for line in lines), width
        assert not any(line.rstrip()[-1] in "（“" for line in lines), width
    assert fill("a" * 25, 12, "> ", "> ").splitlines() == ["> " + "a" * 10, "> " + "a" * 10, "> aaaaa"]
