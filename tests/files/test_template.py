"""The import template's drop-downs: the 细分品类 list follows the 行业 chosen in the same row."""

import io
import re

from openpyxl import load_workbook

from traceboard.files.importers.lookups import load_lookups
from traceboard.services.exports import template_bytes

VALIDATION = re.compile(
    r'^INDIRECT\("_choices_"&\(MATCH\(\$([A-Z]+)2,_lists!\$([A-Z]+)\$1:\$\2\$(\d+),0\)\+(\d+)\)\)$'
)


def cells(book, reference: str) -> list[str]:
    sheet, area = reference.lstrip("=").split("!")
    first, last = (part.replace("$", "") for part in area.split(":"))
    return [c.value for row in book[sheet][f"{first}:{last}"] for c in row if c.value not in (None, "")]


def test_the_subcategory_drop_down_offers_the_subcategories_of_the_rows_sector(engine):
    book = load_workbook(io.BytesIO(template_bytes(engine, "enterprises")))
    sheet = book["企业名录"]
    header = [c.value for c in sheet[1]]
    letter = {h: sheet.cell(1, i + 1).column_letter for i, h in enumerate(header)}
    rules = {str(dv.sqref).split(":")[0]: dv for dv in sheet.data_validations.dataValidation}
    sub = rules[f"{letter['细分品类']}2"]
    assert str(sub.sqref) == f"{letter['细分品类']}2:{letter['细分品类']}5001" and sub.type == "list"
    match = VALIDATION.match(sub.formula1)
    assert match, sub.formula1
    parent, key_column, count, first = (
        match.group(1),
        match.group(2),
        int(match.group(3)),
        int(match.group(4)),
    )
    assert parent == letter["行业类别"]  # relative row: each row looks at its own 行业 cell
    sectors = [c.value for c in book["_lists"][key_column][:count]]
    # The 行业 drop-down offers exactly the sectors the sub-category lists are keyed by.
    assert cells(book, rules[f"{letter['行业类别']}2"].formula1) == sectors
    lookups = load_lookups(engine)
    subs = lookups.subcategories
    expected = {
        name: subs.loc[subs["sector_id"] == sid, "name"].tolist()
        for sid, name in lookups.sector_names.items()
    }
    seen = set()
    for position, sector in enumerate(sectors, start=1):  # what MATCH gives for a row of this sector
        name = f"_choices_{position + first}"
        offered = cells(book, book.defined_names[name].attr_text)
        assert offered == expected[sector], sector
        seen |= set(offered)
    assert seen == set(subs["name"])
    assert sum(len(v) for v in expected.values()) == len(subs) and len(expected["食品"]) < len(subs)
    assert "粮油" not in expected["食品"] and "粮油" in expected["食用农产品"]
