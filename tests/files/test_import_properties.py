"""Property: any CSV or workbook an office could send either imports whole or is refused with
one-line errors naming row and column — never a traceback, never a partial write.

Files are generated from the import specs (every kind whose rows need nothing else in the
record), with cells mixing values the importer accepts and hostile text: control characters,
NUL, text past the schema's length, formulas, markdown, blanks, stray columns.
"""

import datetime as dt

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.files.import_files import codes, to_csv, to_xlsx
from traceboard.accounts.authz import Actor
from traceboard.data.vocabulary import RESULT_LABELS
from traceboard.files.importers.validate import TABLES
from traceboard.services.imports import (
    SPECS,
    UnreadableFile,
    ValidationFailed,
    check_upload,
    import_validated,
)

OFFICE = Actor("office1", "office")
TODAY = dt.date(2026, 6, 1)
KINDS = ("enterprises", "inspectors", "milestones", "publicity", "reports", "county-rates")
VALID = {
    "code": codes(8, seed=41),
    "township": ["山枣镇", "山枣", "东郊乡"],
    "sector": ["食品", "药品", "食用农产品"],
    "subcategory": ["", "白酒"],
    "department": ["market-regulation", "市食药工商质监局"],
    "unit": ["market-regulation", "山枣镇"],
    "yesno": ["是", "否", "Y", "N"],
    "date": ["2020-01-05", "2019/3/1", "20210704", "2030-01-01", "2019-02-30"],
    "int": ["3", "12", "1,200"],
    "status": ["在营", "注销"],
    "result": list(RESULT_LABELS.values()),
    "milestone": ["实施方案报送", "追溯平台建成"],
    "text": ["湘乡市龙城食品店", "东山街道 8 号"],
}
OTHER = ["1", "2020", "是", "0.35"]  # a type added later: tokens that fit many
HOSTILE = st.one_of(
    st.text(max_size=12),
    st.sampled_from(['=HYPERLINK("http://x","y")', "![x](http://h/b.png)", "a\x1bb", "\x00", "甲\n乙", "'"]),
    st.integers(1, 3).map(lambda n: "长" * (60 * n + 141)),  # past String(200) for n ≥ 1
)


@st.composite
def sheets(draw):
    kind = draw(st.sampled_from(KINDS))
    columns = [c for c in SPECS[kind].columns if c.required or draw(st.booleans())]
    columns = draw(st.permutations(columns))
    header = [c.header for c in columns] + draw(st.lists(st.sampled_from(["备注", "", "序号"]), max_size=1))
    n = draw(st.integers(0, 4))
    clean = draw(st.booleans())  # half the files hold only values the importer accepts
    cell = lambda c: (  # noqa: E731
        st.sampled_from(VALID.get(c.type, OTHER))
        if clean
        else st.one_of(st.sampled_from(VALID.get(c.type, OTHER)), HOSTILE, st.just(""))
    )
    rows = [[draw(cell(c)) for c in columns] for _ in range(n)]
    return kind, [header, *rows], draw(st.sampled_from(["csv", "xlsx"]))


def counted(engine, kind: str) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(TABLES[kind]))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sheet=sheets())
def test_any_file_imports_whole_or_is_refused_in_one_line_errors(engine, sheet):
    kind, rows, fmt = sheet
    content = to_csv(rows, "utf-8") if fmt == "csv" else to_xlsx(rows)
    before = counted(engine, kind)
    try:
        validation = check_upload(engine, kind, content, f"f.{fmt}", today=TODAY)
    except UnreadableFile as exc:
        event("unreadable")
        assert "\n" not in str(exc)
        return
    event("imported" if validation.ok else "refused")
    if validation.ok:
        summary = import_validated(engine, OFFICE, validation, today=TODAY)
        assert sum(summary.counts[k] for k in ("added", "updated", "unchanged")) == len(validation.values)
        assert counted(engine, kind) == before + summary.counts["added"]
        return
    lines = validation.lines()
    assert lines and all("\n" not in line and line.startswith("row ") for line in lines)
    try:
        import_validated(engine, OFFICE, validation, today=TODAY)
    except ValidationFailed:
        pass
    else:
        raise AssertionError("a file with problems was imported")
    assert counted(engine, kind) == before
