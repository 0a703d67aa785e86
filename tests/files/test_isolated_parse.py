"""A parser crash or memory blow-up in the child costs only that upload; the caller carries on."""

import os

import pytest

from tests.files.import_files import to_csv
from tests.files.test_read_limits import bomb_xlsx
from traceboard.files.importers.reading import UnreadableFile, read_sheet
from traceboard.files.isolated_parse import ParserFailed, run_isolated

ROWS = [["企业名称", "所属乡镇"], ["湘乡市龙城食品店", "山枣镇"]]


def test_the_child_returns_what_the_reader_returns():
    raw = run_isolated(read_sheet, to_csv(ROWS, "gbk"), "名录.csv")
    assert raw.cells.loc[2].tolist() == ROWS[1] and raw.encoding == "GBK"


def test_an_abort_in_the_parser_is_one_error_and_the_caller_survives():
    with pytest.raises(ParserFailed) as caught:
        run_isolated(os.abort)
    assert caught.value.code == "parser_crashed" and "-6" in str(caught.value)
    assert run_isolated(len, b"still here") == 10


def test_a_memory_blow_up_hits_the_child_limit_not_the_app():
    with pytest.raises(ParserFailed) as caught:
        run_isolated(bytearray, 3 * 1024**3, memory_limit=1024**3)
    assert caught.value.code == "parser_out_of_memory"


def test_a_refused_file_keeps_its_reason_code_across_the_process_boundary():
    with pytest.raises(UnreadableFile) as caught:
        run_isolated(read_sheet, bomb_xlsx(), "bomb.xlsx")
    assert caught.value.code == "too_many_rows" and caught.value.params["rows"] == 1_048_576
