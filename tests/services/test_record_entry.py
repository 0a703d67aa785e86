import pandas as pd

from traceboard.services.record_entry import record_lines


def test_record_lines_join_each_records_cells_and_show_missing_cells_blank():
    records = pd.DataFrame(
        {
            "统一社会信用代码": ["91430381MA4L0001X1", None],
            "企业名称": ["湘乡市甲公司", "乙厂"],
            "人数": [12, None],
        },
        index=[5, 9],
        dtype=object,
    )
    assert record_lines(records).to_dict() == {5: "91430381MA4L0001X1 · 湘乡市甲公司 · 12", 9: " · 乙厂 · "}
    assert record_lines(records.iloc[:0]).empty
