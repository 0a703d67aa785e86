"""Reading platform feeds without a database: Arrow's fast reader and the line-by-line reader agree."""

import datetime as dt
import json

import pandas as pd
import pytest

from traceboard.files.platform_feed import read_feed

TODAY = dt.date(2026, 11, 30)
GOOD = [
    {"platform": "xiangtan", "uscc": "91430381MA4L0AAAAA", "date": "2026-10-30", "records": 7},
    {
        "platform": "hunan-important",
        "uscc": "91430381ma4l0bbbbb",  # lower case: the code is upper-cased
        "date": "2026-10-30",
        "records": 0,
        "batches": 2,
        "items": {"subject": True, "batch": True, "place": False},
    },
]


def jsonl(rows, blank_line: bool) -> bytes:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    return ("\n\n" if blank_line else "\n").join(lines).encode()


def test_a_well_formed_feed_reads_the_same_both_ways():
    fast = read_feed(jsonl(GOOD, blank_line=False), "f.jsonl", TODAY)
    slow = read_feed(jsonl(GOOD, blank_line=True), "f.jsonl", TODAY)  # a blank line: line by line
    assert fast.ok and slow.ok
    assert slow.rows["row"].tolist() == [1, 3] and fast.rows["row"].tolist() == [1, 2]
    columns = ["platform", "uscc", "day", "records", "batches", "items"]
    pd.testing.assert_frame_equal(fast.rows[columns], slow.rows[columns])
    assert fast.rows["uscc"].tolist()[1] == "91430381MA4L0BBBBB"
    assert fast.rows["items"].tolist()[1] == 1 + 4  # subject (bit 0) and batch (bit 2)
    assert pd.isna(fast.rows["items"].tolist()[0]) and pd.isna(fast.rows["batches"].tolist()[0])


@pytest.mark.parametrize(
    ("bad", "column", "reason"),
    [
        ({"records": 1.5}, "records", "must be a whole number"),
        ({"records": "5"}, "records", "must be a whole number"),
        ({"records": None}, "records", "missing"),
        ({"uscc": 91430381}, "uscc", "must be text"),
        ({"date": "2026-11-31"}, "date", "not a date"),
        ({"date": "2026-12-01"}, "date", "after today"),
        ({"items": {"subject": "yes"}}, "items", "must be an object"),
        ({"items": ["subject"]}, "items", "must be an object"),
        ({"colour": "red"}, "colour", "unknown field"),
    ],
)
def test_a_bad_value_is_named_by_row_and_field_whichever_reader_starts(bad, column, reason):
    row = GOOD[0] | bad
    feed = read_feed(jsonl([GOOD[1], row], blank_line=False), "f.jsonl", TODAY)
    assert feed.problems[["row", "column"]].values.tolist() == [[2, column]]
    assert reason in feed.problems["reason"].iloc[0]
    assert not feed.ok and 1 in feed.rows["row"].tolist()  # any problem rejects the whole file


def test_a_platform_enterprise_and_day_twice_is_ambiguous():
    feed = read_feed(jsonl([GOOD[0], GOOD[0] | {"records": 9}], blank_line=False), "f.jsonl", TODAY)
    assert feed.problems.values.tolist() == [
        [2, "date", "2026-10-30", "repeats platform, credit code and date of row 1", "repeated", "1"]
    ]


def test_a_day_of_a_platform_fits_and_the_cap_still_holds():
    from traceboard.files.platform_feed import FEED_CAPS, UnreadableFeed
    from traceboard.files.read_limits import CAPS, MIB

    assert FEED_CAPS.file_bytes == 256 * MIB > 130 * MIB > CAPS.file_bytes  # 600,000 rows with items
    with pytest.raises(UnreadableFeed, match="larger than 256 MB"):
        read_feed(b" " * (FEED_CAPS.file_bytes + 1), "f.jsonl", TODAY)


def many_rows(n: int) -> list[dict]:
    platforms = ("xiangtan", "湘潭", "hunan-important")  # a platform by code or by name
    return [
        {
            "platform": platforms[i % 3],
            "uscc": f"91430381MA4L{i:06d}",
            "date": f"2026-10-{1 + i % 28:02d}",
            "records": i,
            **({"batches": i % 5, "items": {"subject": True, "time": i % 2 == 0}} if i % 4 else {}),
        }
        for i in range(n)
    ]


@pytest.fixture
def small_blocks(monkeypatch):
    """Arrow parses a few lines at a time; the blocks each reader's check saw are counted."""
    from traceboard.files import platform_feed

    monkeypatch.setattr(platform_feed, "FEED_BLOCK_BYTES", 1024)
    seen = []
    check = platform_feed._valid_arrow_batch

    def counted(batch, *args):
        seen.append(batch.num_rows)
        return check(batch, *args)

    monkeypatch.setattr(platform_feed, "_valid_arrow_batch", counted)
    return seen


def test_a_feed_read_a_block_at_a_time_reads_as_the_whole_and_line_by_line(small_blocks):
    rows = many_rows(200)
    whole = read_feed(jsonl(rows, blank_line=False), "f.jsonl", TODAY)
    assert len(small_blocks) > 10 and sum(small_blocks) == 200  # many blocks, every row once
    slow = read_feed(jsonl(rows, blank_line=True), "f.jsonl", TODAY)
    assert whole.ok and slow.ok and whole.rows["row"].tolist() == list(range(1, 201))
    columns = ["platform", "uscc", "day", "records", "batches", "items"]
    pd.testing.assert_frame_equal(whole.rows[columns], slow.rows[columns])
    assert whole.rows["platform"].tolist()[:3] == ["xiangtan", "湘潭", "hunan-important"]


@pytest.mark.parametrize(
    ("change", "column", "reason"),
    [
        ({"date": "2026-12-01"}, "date", "after today"),
        ({"records": 2**31}, "records", "too large"),
        ({"uscc": "91430381MA4L00000"}, "uscc", "not an 18-character credit code"),
        ({"platform": None}, "platform", "missing"),
    ],
)
def test_a_problem_in_a_later_block_is_named_by_row(small_blocks, change, column, reason):
    rows = many_rows(200)
    rows[190] |= change
    feed = read_feed(jsonl(rows, blank_line=False), "f.jsonl", TODAY)
    assert len(small_blocks) > 10  # the blocks before the bad one were read and checked
    assert feed.problems[["row", "column"]].values.tolist() == [[191, column]]
    assert reason in feed.problems["reason"].iloc[0]
    assert len(feed.rows) == 199


def test_a_repeat_blocks_apart_is_named_with_its_first_row(small_blocks):
    rows = many_rows(200)
    rows[190] = rows[1] | {"records": 5}  # row 2's platform, enterprise and day, many blocks later
    feed = read_feed(jsonl(rows, blank_line=False), "f.jsonl", TODAY)
    assert len(small_blocks) > 10
    assert feed.problems[["row", "column", "value", "detail"]].values.tolist() == [
        [191, "date", "2026-10-02", "2"]
    ]


def test_a_credit_code_of_18_characters_not_all_ascii_reads_as_before(small_blocks):
    rows = many_rows(200)
    rows[150]["uscc"] = "91430381MA4L00015甲"  # 18 characters, 20 bytes: the register will not know it
    feed = read_feed(jsonl(rows, blank_line=False), "f.jsonl", TODAY)
    assert feed.ok and len(feed.rows) == 200
    assert feed.rows["uscc"].tolist()[150] == "91430381MA4L00015甲"


def test_reading_a_feed_hands_back_what_arrow_kept(arrow_releases):
    """Arrow's allocator keeps what the parse freed; the reader gives it back, read or refused."""
    from traceboard.files.platform_feed import UnreadableFeed

    assert read_feed(jsonl(GOOD, blank_line=False), "f.jsonl", TODAY).ok
    assert len(arrow_releases) == 1
    with pytest.raises(UnreadableFeed):
        read_feed(b"\xff\xfe not a feed", "f.csv", TODAY)
    assert len(arrow_releases) == 2
