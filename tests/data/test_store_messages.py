"""The data layer's refusals carry catalog messages (locales/*/store.toml): a reader of Chinese
reads them in Chinese, wherever they surface (command line, pages), and English stays as it was."""

import datetime as dt
import gzip
import json
from pathlib import Path

import pandas as pd
import pytest

from traceboard.cli.main import main
from traceboard.data import inspection_store
from traceboard.data.audit_checkpoint import Checkpoint, CheckpointFileError
from traceboard.data.reference import ReferenceError, load_reference
from traceboard.files.exporters import ExportError, _filtered, to_file_bytes
from traceboard.i18n import message_of


def chinese(exc: BaseException) -> str:
    said = message_of(exc)
    assert said is not None, f"{exc!r} carries no catalog message"
    return said.word("zh")


def test_a_broken_reference_file_is_worded_in_chinese(tmp_path, capsys, monkeypatch):
    bad = tmp_path / "county.toml"
    text = Path(load_reference().source).read_text(encoding="utf-8")
    bad.write_text(text.replace('leads = ["market-regulation"]', 'leads = ["nobody"]', 1), encoding="utf-8")
    with pytest.raises(ReferenceError) as caught:
        load_reference(bad)
    assert chinese(caught.value) == f"{bad}：行业“食品”：未知部门“nobody”"
    assert str(caught.value) == f"{bad}: sector 食品: unknown department 'nobody'"
    township = text.index('code = "', text.index("[[townships]]"))
    second = text.index("[[townships]]", township)
    first_code = text[township : text.index("\n", township)]
    code_at = text.index('code = "', second)
    twice = text[:code_at] + first_code + text[text.index("\n", code_at) :]
    bad.write_text(twice, encoding="utf-8")
    with pytest.raises(ReferenceError) as caught:
        load_reference(bad)
    assert chinese(caught.value) == f"{bad}：乡镇代码重复"
    # the command line words it in its language (exit 2: the installation is broken)
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    monkeypatch.setenv("TRACEBOARD_REFERENCE", str(bad))
    assert main(["init"]) == 2
    assert capsys.readouterr().err.strip() == f"traceboard: {bad}：乡镇代码重复"


def test_recorded_results_are_refused_in_chinese():
    today = dt.date(2026, 10, 31)
    row = {"assignment_id": 7, "result": "no_problem", "checked_on": dt.date(2026, 11, 2)}
    with pytest.raises(inspection_store.SamplingRecordError) as caught:
        inspection_store._check_result(row, today)
    assert chinese(caught.value) == "抽查任务 7：检查日期 2026-11-02 晚于今天"
    assert str(caught.value) == "assignment 7: the check date 2026-11-02 is in the future"
    row |= {"checked_on": dt.date(2026, 10, 2), "rectified_on": dt.date(2026, 10, 1)}
    with pytest.raises(inspection_store.SamplingRecordError) as caught:
        inspection_store._check_result(row, today)
    assert chinese(caught.value) == "抽查任务 7：整改日期 2026-10-01 早于检查日期 2026-10-02"
    with pytest.raises(inspection_store.SamplingRecordError) as caught:  # the results by name, not code
        inspection_store._check_result(row | {"result": "ok"}, today)
    assert chinese(caught.value).startswith(
        "抽查任务 7：未知检查结果“ok”；请选 未发现问题、发现问题已责令改正、"
    )
    assert str(caught.value).startswith("assignment 7: unknown result 'ok'; use one of No problem found, ")


def test_checkpoint_files_and_export_filters_are_refused_in_chinese():
    with pytest.raises(CheckpointFileError) as caught:
        Checkpoint.from_dict({"format": "something else"}, "audit-checkpoint.json")
    assert chinese(caught.value).startswith("audit-checkpoint.json 不是 traceboard 审计检查点（")
    with pytest.raises(ExportError) as caught:
        to_file_bytes(None, "ods", "x")
    assert chinese(caught.value) == "未知格式“ods”；请选 xlsx 或 csv"
    with pytest.raises(ExportError) as caught:
        _filtered(pd.DataFrame({"id": [1]}), "inspectors", {"adopted": True}, None)
    assert chinese(caught.value) == "筛选条件“adopted”不适用于 inspectors"


def test_restore_refusals_in_chinese_on_the_command_line(engine, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    garbage = tmp_path / "not-a-backup.jsonl.gz"
    garbage.write_bytes(b"plain text, not gzip")
    assert main(["restore", str(garbage)]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith(f"traceboard: {garbage} 不是完整的 traceboard 备份：")
    foreign = tmp_path / "foreign.jsonl.gz"
    foreign.write_bytes(gzip.compress(json.dumps({"format": "other"}).encode() + b"\n"))
    assert main(["restore", str(foreign)]) == 1
    assert capsys.readouterr().err.strip() == "traceboard: 不是 traceboard 备份文件"


def test_a_bad_database_url_and_an_open_key_are_refused_in_chinese(tmp_path, capsys, monkeypatch):
    from traceboard.cli.common import reset_engines
    from traceboard.data.audit_key import AuditKeyError, load_key

    reset_engines()
    monkeypatch.setenv("TRACEBOARD_LANG", "zh")
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", "nonsense")
    assert main(["init"]) == 2
    assert capsys.readouterr().err.strip() == "traceboard: 数据库地址格式错误：'nonsense'"
    reset_engines()
    key = tmp_path / "audit-key.pem"
    key.write_text("not a key")
    key.chmod(0o644)
    with pytest.raises(AuditKeyError) as caught:
        load_key(key)
    assert chinese(caught.value) == f"审计签名密钥 {key} 对其他用户开放（权限 644）：请执行 chmod 600"
