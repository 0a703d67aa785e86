"""Reading a platform feed: JSON Lines or CSV, as described in docs/platform-exchange.md.

    feed = read_feed(content, "hunan-2026-10-31.jsonl", today)
    feed.rows      # platform, uscc, day, records, batches, items, row (the file's row number)
    feed.problems  # row, column, value, reason, code, detail — empty when every row is well formed

This module checks what a file can say on its own (shape, types, dates,
numbers, item names); whether the platform and the credit code are known is
the record's business (``services.platform_feeds``). Nothing is dropped: a
row is either in ``rows`` or named in ``problems``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pa_json

from traceboard.data.models import TRACE_ITEMS
from traceboard.files.importers.reading import UnreadableFile
from traceboard.files.read_limits import CAPS, MIB, TooLarge, check_csv_lines, check_file_size
from traceboard.i18n import Message

FIELDS = ("platform", "uscc", "date", "records", "batches", "items")
REQUIRED = ("platform", "uscc", "date", "records")
CSV_HEADERS = {
    "平台": "platform",
    "统一社会信用代码": "uscc",
    "日期": "date",
    "上传记录数": "records",
    "批次数": "batches",
    "数据项": "items",
}
HEADER_OF = {field: header for header, field in CSV_HEADERS.items()}
ITEM_NAMES_ZH = dict(zip(TRACE_ITEMS, ("主体", "产品", "批次", "交易", "时间", "地点"), strict=True))
ITEM_BIT = {name: 1 << i for i, name in enumerate(TRACE_ITEMS)}
ITEM_BIT_ZH = {ITEM_NAMES_ZH[name]: bit for name, bit in ITEM_BIT.items()}
MAX_COUNT = 2**31 - 1
PROBLEM_COLUMNS = ["row", "column", "value", "reason", "code", "detail"]
# Why a row is refused: ``code`` → the English reason, with the problem's ``detail``. The pages word
# the same codes from their catalogs (``data_admin.feed_problem_<code>``, with ``{detail}``).
REASONS = {
    "not_json": "not valid JSON: {detail}",
    "not_object": "not a JSON object",
    "too_deep": "not a feed row: values nested too deeply",
    "unknown_field": "unknown field (expected {detail})",
    "unknown_column": "unknown column (expected {detail})",
    "missing": "missing",
    "not_text": "must be text",
    "bad_uscc": "not an 18-character credit code",
    "bad_date": "not a date of the form YYYY-MM-DD",
    "future_date": "after today ({detail})",
    "not_whole": "must be a whole number",
    "negative": "must not be negative",
    "too_large": "too large (at most {detail})",
    "bad_items": "must be an object of {detail} with true/false values",
    "bad_items_csv": "must list items among {detail}, separated by 、 or ,",
    "repeated": "repeats platform, credit code and date of row {detail}",
    "unknown_platform": "unknown platform (known: {detail})",
    "unknown_uscc": "credit code not in the register",
}


def problem(row: int, column: str, value: str, code: str, detail: object = "") -> tuple:
    """One problem as a row of :data:`PROBLEM_COLUMNS`."""
    return (row, column, value, REASONS[code].format(detail=detail), code, str(detail))


def problem_frame(rows, column, values, code: str, details=None) -> pd.DataFrame:
    """Problems of one code for many rows (``details``: one per row, or None for none)."""
    rows = pd.Series(rows).to_numpy()
    details = [""] * len(rows) if details is None else [str(d) for d in details]
    return pd.DataFrame(
        {
            "row": rows,
            "column": column,
            "value": pd.Series(values).to_numpy(),
            "reason": [REASONS[code].format(detail=d) for d in details],
            "code": code,
            "detail": details,
        },
        columns=PROBLEM_COLUMNS,
    )


# A platform's day is up to 600,000 rows, ~130 MB of JSON Lines with items: machine-made files,
# brought in by the command (the dashboard's upload stays within Streamlit's own limit).
FEED_CAPS = replace(CAPS, file_bytes=256 * MIB)


class UnreadableFeed(UnreadableFile):
    """The file is not a feed at all (too large, encoding, format, missing headers); names the file.

    ``code`` and ``params`` word the reason in a page's language (``files.<code>``), as for the
    spreadsheets; the text is the English message the command line prints.
    """

    def __reduce__(self):  # across processes (the dashboard parses feeds in a child), as itself
        return (_unreadable_feed, (str(self), self.code, self.params))


def _unreadable_feed(message: str, code: str, params: dict) -> UnreadableFeed:
    return UnreadableFeed(message, code, **params)


@dataclass(frozen=True)
class Feed:
    """A parsed feed: ``rows`` (well-formed rows) and ``problems`` (what is wrong, by row and column).

    ``rows``: ``row`` (int, the row's number in the file: line for JSON
    Lines, spreadsheet row with the header as row 1 for CSV), ``platform``,
    ``uscc`` (str), ``day`` (ISO date str), ``records`` (int64), ``batches``
    (float, NaN when absent), ``items`` (float bit mask over TRACE_ITEMS,
    NaN when absent).
    """

    file: str
    sha256: str
    format: str
    rows: pd.DataFrame
    problems: pd.DataFrame

    @property
    def ok(self) -> bool:
        return self.problems.empty

    def column_name(self, field: str) -> str:
        """How the file names a field: the JSON key, or the CSV's Chinese header."""
        return HEADER_OF[field] if self.format == "csv" else field


def read_feed(content: bytes, filename: str, today: dt.date | None = None) -> Feed:
    """Parse a feed file (``.jsonl``/``.json`` or ``.csv`` by name, else by its first character).

    Arrow's allocator (mimalloc) keeps the pages its parse freed for reuse, in the reader's
    threads as well: after a day's feed of 600,000 rows about 90 MB that nothing holds stayed
    resident for the life of the process. They are handed back once the feed is read
    (docs/platform-exchange.md)."""
    try:
        return _read_feed(content, filename, today)
    finally:
        pa.default_memory_pool().release_unused()


def _read_feed(content: bytes, filename: str, today: dt.date | None) -> Feed:
    try:  # the importers' caps (a feed's own file size): past them a file is refused before parsing
        check_file_size(len(content), FEED_CAPS)
        check_csv_lines(content, FEED_CAPS)
    except TooLarge as exc:
        raise UnreadableFeed.too_large(filename, exc) from None
    with ThreadPoolExecutor(1) as pool:  # hashing releases the GIL: the digest is made while Arrow parses
        digest = pool.submit(lambda: hashlib.sha256(content).hexdigest())
        fmt = _format(content, filename)
        today = today or dt.date.today()
        rows = _valid_arrow_rows(content, today) if fmt == "jsonl" else None
        sha256 = digest.result()
    if rows is not None:  # the common case: a machine-made feed without a fault, checked in Arrow
        return Feed(filename, sha256, fmt, rows, _problems([]))
    # a fault somewhere: the whole file read at once, so that every problem is named by row and column
    table = _arrow_table(content) if fmt == "jsonl" else None
    if table is not None:
        raw, problems = _arrow_cells(table), _problems([])
    else:
        text = _decode(content, filename)
        raw, problems = _jsonl_cells(text) if fmt == "jsonl" else _csv_cells(text, filename)
    rows, more = _check_cells(raw, fmt, today, typed=table is not None)
    problems = pd.concat([problems, more], ignore_index=True) if len(more) else problems
    problems = problems.sort_values(["row", "column"], kind="stable", ignore_index=True)
    return Feed(filename, sha256, fmt, rows, problems)


def _format(content: bytes, filename: str) -> str:
    name = filename.lower()
    if name.endswith((".jsonl", ".json", ".ndjson")):
        return "jsonl"
    if name.endswith(".csv"):
        return "csv"
    return "jsonl" if content.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] == b"{" else "csv"


def _decode(content: bytes, filename: str) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnreadableFeed(f"{filename}: neither UTF-8 nor GB18030 text", "feed_encoding", file=filename)


def _problems(rows) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=PROBLEM_COLUMNS)


ARROW_SCHEMA = pa.schema(
    [
        ("platform", pa.string()),
        ("uscc", pa.string()),
        ("date", pa.string()),
        ("records", pa.int64()),
        ("batches", pa.int64()),
        ("items", pa.struct([(name, pa.bool_()) for name in TRACE_ITEMS])),
    ]
)


FEED_BLOCK_BYTES = 8 * MIB  # a well-formed feed is parsed and checked this much at a time (~38,000 rows)
_BLANK = re.compile(rb"\s*\Z")


def _arrow_source(content: bytes) -> pa.BufferReader | None:
    """The feed's bytes after any BOM, for Arrow's JSON reader (no copy); None when Arrow cannot read it.

    An empty file, or one with a blank line (rows would no longer be lines), goes to the
    line-by-line reader, as does anything Arrow refuses.
    """
    start = 3 if content.startswith(b"\xef\xbb\xbf") else 0
    blank_line = b"\n\n" in content or b"\n\r\n" in content or content[start : start + 1] in (b"\n", b"\r")
    if _BLANK.match(content, start) or blank_line:  # tested in place: no copy of a 100 MB file
        return None
    return pa.BufferReader(pa.py_buffer(content).slice(start))


def _arrow_options() -> pa_json.ParseOptions:
    return pa_json.ParseOptions(explicit_schema=ARROW_SCHEMA, unexpected_field_behavior="error")


def _arrow_table(content: bytes) -> pa.Table | None:
    """A well-formed UTF-8 feed read by Arrow's JSON reader, typed as the format says; else None.

    Anything Arrow refuses — a malformed line, a number where text belongs, a
    fraction, an unknown field or item, a blank line (rows would no longer be
    lines) — goes to the line-by-line reader, which names the row and field.
    """
    source = _arrow_source(content)
    if source is None:
        return None
    try:
        return pa_json.read_json(source, parse_options=_arrow_options())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _item_mask(table: pa.Table | pa.RecordBatch) -> np.ndarray:
    """The ``items`` objects as a float bit mask over TRACE_ITEMS, NaN where a row has none."""
    items = _whole(table.column("items"))
    mask = np.zeros(len(table), dtype=np.int64)
    for bit, name in enumerate(TRACE_ITEMS):
        present = pc.fill_null(items.field(name), False).to_numpy(zero_copy_only=False)
        mask |= present.astype(np.int64) << bit
    return np.where(items.is_null().to_numpy(zero_copy_only=False), np.nan, mask)


def _arrow_cells(table: pa.Table) -> pd.DataFrame:
    """The Arrow-typed feed as raw cells for :func:`_check_cells` (which names every problem)."""
    cells = pd.DataFrame({f: table.column(f).to_pandas() for f in ("platform", "uscc", "date")})
    for f in ("records", "batches"):
        cells[f] = table.column(f).to_pandas().astype(float).to_numpy()
    cells["items"] = _item_mask(table)
    cells.insert(0, "row", np.arange(1, len(table) + 1, dtype=np.int64))
    return cells


def _whole(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def _valid_arrow_rows(content: bytes, today: dt.date) -> pd.DataFrame | None:
    """The rows of a JSON Lines feed when Arrow reads it and every check of :func:`_check_cells`
    passes; else None.

    Arrow's reader parses the feed a block of lines at a time (:data:`FEED_BLOCK_BYTES`) and
    each block is checked as it comes (:func:`_valid_arrow_batch`), so the parse's memory is a
    block's, not the whole feed's. A feed with any problem returns None and goes through
    :func:`_check_cells`, which names each problem by row and column.
    """
    source = _arrow_source(content)
    if source is None:
        return None
    options = pa_json.ReadOptions(block_size=FEED_BLOCK_BYTES)
    platforms: dict[str, int] = {}  # the few platforms and days, numbered across the blocks
    days: dict[str, int] = {}
    parts: list[pa.RecordBatch] = []
    keys: list[np.ndarray] = []
    try:
        for batch in pa_json.open_json(source, read_options=options, parse_options=_arrow_options()):
            if not batch.num_rows:
                continue
            part = _valid_arrow_batch(batch, today, platforms, days)
            if part is None:
                return None
            parts.append(part)
            keys.append(_row_keys(part))
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):  # also a credit code of more than 18 bytes
        return None
    if not parts or _repeats(np.concatenate(keys)):
        return None  # a repeated platform, enterprise and day: the slow path names each repeat
    del keys
    table = pa.Table.from_batches(parts)
    del parts
    return pd.DataFrame(
        {
            "row": np.arange(1, len(table) + 1, dtype=np.int64),
            "platform": _text(_named(table.column("platform"), platforms)),
            "uscc": _text(table.column("uscc")),
            "day": _text(_named(table.column("day"), days)),
            "records": table.column("records").to_numpy(),
            "batches": table.column("batches").to_numpy(),
            "items": table.column("items").to_numpy(),
        }
    )


KEY = np.dtype([("platform", "u4"), ("day", "u4"), ("uscc", "S18")])  # a row's key: 26 bytes, no padding


def _row_keys(part: pa.RecordBatch) -> np.ndarray:
    """Platform, day and credit code of each row as one fixed-width byte string (``KEY``).

    ArrowInvalid for a credit code that is not 18 bytes (18 characters, not all ASCII): the
    line-by-line reader takes such a feed."""
    uscc = part.column("uscc").cast(pa.binary(18))
    keys = np.empty(len(part), dtype=KEY)
    keys["platform"] = part.column("platform").to_numpy()
    keys["day"] = part.column("day").to_numpy()
    keys["uscc"] = np.frombuffer(uscc.buffers()[1], dtype="S18", count=len(uscc), offset=uscc.offset * 18)
    return keys.view(f"S{KEY.itemsize}")


def _repeats(keys: np.ndarray) -> bool:
    """Whether any key is given twice (sorted: a feed's 600,000 keys are 16 MB, a hash table of the
    text several times that)."""
    keys = np.sort(keys)
    return bool((keys[1:] == keys[:-1]).any())


def _named(numbers: pa.ChunkedArray, names: dict[str, int]) -> pa.Array:
    """The text each number stands for (``names``: text → number)."""
    return pa.array(list(names), pa.string()).take(numbers.combine_chunks())


def _numbered(values: pa.Array, names: dict[str, int]) -> pa.Array:
    """Each text value as its number in ``names`` (new values numbered as they come)."""
    encoded = values.dictionary_encode()
    numbers = [names.setdefault(v, len(names)) for v in encoded.dictionary.to_pylist()]
    return pa.array(numbers, pa.int32()).take(encoded.indices)


def _valid_arrow_batch(
    batch: pa.RecordBatch, today: dt.date, platforms: dict[str, int], days: dict[str, int]
) -> pa.RecordBatch | None:
    """One block of an Arrow-typed feed when every check of :func:`_check_cells` passes; else None.

    The same checks, in Arrow's compute functions over whole columns (the text stays in
    Arrow's buffers: no Python string per cell). Platforms and days come back as numbers in
    ``platforms`` and ``days`` (a feed names a handful of each); ``batches`` and ``items`` as
    floats, NaN where absent.
    """
    if any(batch.column(f).null_count for f in REQUIRED):
        return None
    platform = pc.utf8_trim_whitespace(batch.column("platform"))
    uscc = pc.utf8_upper(pc.utf8_trim_whitespace(batch.column("uscc")))
    if not pc.all(pc.equal(pc.utf8_length(uscc), 18)).as_py():
        return None
    dates = pc.utf8_trim_whitespace(batch.column("date")).dictionary_encode()
    distinct = pd.to_datetime(
        pd.Series(dates.dictionary.to_pylist(), dtype=object), format="%Y-%m-%d", errors="coerce"
    )  # a feed spans a few days: each distinct date is parsed and written back once
    if distinct.isna().any() or (distinct > pd.Timestamp(today)).any():
        return None
    day = pa.array(distinct.dt.strftime("%Y-%m-%d").tolist(), pa.string()).take(dates.indices)
    for field in ("records", "batches"):
        low, high = pc.min_max(batch.column(field)).values()
        if low.is_valid and (low.as_py() < 0 or high.as_py() > MAX_COUNT):
            return None
    return pa.record_batch(
        {
            "platform": _numbered(platform, platforms),
            "uscc": uscc,
            "day": _numbered(day, days),
            "records": batch.column("records"),
            "batches": pa.array(batch.column("batches").to_pandas().astype(float).to_numpy()),
            "items": pa.array(_item_mask(batch)),
        }
    )


def _text(values: pa.ChunkedArray | pa.Array) -> pd.Series:
    """Arrow text as a pandas text column that keeps Arrow's buffers (no Python object per cell)."""
    return values.to_pandas().reset_index(drop=True)


def _jsonl_cells(text: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One object per non-blank line → a frame of raw values (objects), with the line numbers."""
    lines = text.splitlines()
    numbers = [i for i, line in enumerate(lines, 1) if line.strip()]
    bodies = [lines[i - 1] for i in numbers]
    objects = None
    try:  # fast path: the whole file as one JSON array, one call into the C decoder
        parsed = json.loads("[" + ",".join(bodies) + "]")
        if len(parsed) == len(bodies) and all(type(o) is dict for o in parsed):
            objects = parsed
    except (ValueError, RecursionError):  # RecursionError: a value nested too deeply, found below
        pass
    problems = []
    if objects is None:  # find the lines that are not one JSON object each
        objects, kept = [], []
        for number, body in zip(numbers, bodies, strict=True):
            try:
                value = json.loads(body)
            except ValueError as exc:
                problems.append(problem(number, "", body[:60], "not_json", exc.args[0].split(":")[0]))
                continue
            except RecursionError:
                problems.append(problem(number, "", body[:60], "too_deep"))
                continue
            if type(value) is not dict:
                problems.append(problem(number, "", body[:60], "not_object"))
                continue
            objects.append(value)
            kept.append(number)
        numbers = kept
    known = set(FIELDS)
    for number, obj in zip(numbers, objects, strict=True):
        if not known.issuperset(obj):
            for key in sorted(set(obj) - known):
                problems.append(problem(number, key, str(obj[key])[:60], "unknown_field", ", ".join(FIELDS)))
    cells = pd.DataFrame({f: pd.Series([o.get(f) for o in objects], dtype=object) for f in FIELDS})
    cells.insert(0, "row", np.asarray(numbers, dtype=np.int64))
    return cells, _problems(problems)


def _csv_cells(text: str, filename: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = str(exc).strip().splitlines()[0]
        raise UnreadableFeed(
            f"{filename}: not a CSV feed ({reason})", "feed_not_csv", file=filename, reason=reason
        ) from None
    headers = [str(h).strip() for h in table.columns]
    table.columns = headers
    missing = [h for h, f in CSV_HEADERS.items() if f in REQUIRED and h not in headers]
    if missing:
        raise UnreadableFeed(
            f"{filename}: missing column(s) {', '.join(missing)} (row 1, the header)",
            "feed_missing_columns",
            file=filename,
            columns="、".join(missing),
        )
    problems = [
        problem(1, h, h, "unknown_column", ", ".join(CSV_HEADERS)) for h in headers if h not in CSV_HEADERS
    ]
    cells = pd.DataFrame({f: table.get(HEADER_OF[f]) for f in FIELDS})
    cells = cells.replace({"": None})
    cells.insert(0, "row", np.arange(2, len(table) + 2, dtype=np.int64))
    return cells, _problems(problems)


def _check_cells(
    cells: pd.DataFrame, fmt: str, today: dt.date, typed: bool = False
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Typed rows and the problems of the raw cells (vectorised over the rows).

    ``typed``: the cells come from Arrow's reader with its schema, so every text field holds text
    or nothing and needs no check of its type.
    """
    name = (lambda f: HEADER_OF[f]) if fmt == "csv" else (lambda f: f)
    bad = np.zeros(len(cells), dtype=bool)
    found: list[pd.DataFrame] = []

    def flag(mask: np.ndarray, field: str, code: str, detail: object = "") -> None:
        nonlocal bad
        mask = np.asarray(mask, dtype=bool) & ~bad
        if mask.any():
            values = cells.loc[mask, field].map(lambda v: "" if v is None else str(v)[:60])
            rows = cells.loc[mask, "row"]
            found.append(problem_frame(rows, name(field), values, code, [detail] * len(rows)))
            bad |= mask

    for field in REQUIRED:
        flag(cells[field].isna().to_numpy(), field, "missing")

    def text_of(field: str) -> pd.Series:
        values = cells[field]
        if typed:
            return values.fillna("").str.strip()
        is_text = np.fromiter((type(v) is str for v in values), bool, len(values))
        flag(values.notna().to_numpy() & ~is_text, field, "not_text")
        return values.where(is_text, "").astype(str).str.strip()

    platform = text_of("platform")
    uscc = text_of("uscc").str.upper()
    flag(
        (uscc.str.len() != 18).to_numpy() & cells["uscc"].notna().to_numpy(),
        "uscc",
        "bad_uscc",
    )
    date_text = text_of("date")
    # a feed spans a few days: each distinct date is parsed and written back once
    which, distinct = pd.factorize(date_text)
    distinct_days = pd.to_datetime(pd.Series(distinct, dtype=object), format="%Y-%m-%d", errors="coerce")
    parsed = pd.Series(distinct_days.to_numpy()[which], index=cells.index)
    day = distinct_days.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)[which]
    flag(
        parsed.isna().to_numpy() & cells["date"].notna().to_numpy(),
        "date",
        "bad_date",
    )
    flag((parsed > pd.Timestamp(today)).to_numpy(), "date", "future_date", today.isoformat())
    records = _counts(cells["records"], fmt, flag, "records", required=True)
    batches = _counts(cells["batches"], fmt, flag, "batches", required=False)
    items = _items(cells["items"], fmt, flag)
    rows = pd.DataFrame(
        {
            "row": cells["row"].to_numpy(),
            "platform": platform.to_numpy(),
            "uscc": uscc.to_numpy(),
            "day": day,
            "records": records,
            "batches": batches,
            "items": items,
        }
    )
    rows, duplicates = _without_repeats(rows[~bad], name)
    problems = (
        pd.concat([*found, duplicates], ignore_index=True) if found or len(duplicates) else _problems([])
    )
    return rows.reset_index(drop=True), problems


def _counts(values: pd.Series, fmt: str, flag, field: str, required: bool) -> np.ndarray:
    """Whole numbers ≥ 0 (JSON integers; CSV digits); NaN where absent and optional."""
    if pd.api.types.is_float_dtype(values.dtype):  # typed by the Arrow reader: integers or missing
        numbers = values.to_numpy()
    elif fmt == "jsonl":
        is_int = np.fromiter((type(v) is int for v in values), bool, len(values))
        flag(values.notna().to_numpy() & ~is_int, field, "not_whole")
        numbers = pd.to_numeric(values.where(is_int), errors="coerce")
    else:
        text = values.fillna("").astype(str).str.strip()
        digits = text.str.fullmatch(r"\d+").to_numpy()
        flag((text != "").to_numpy() & ~digits, field, "not_whole")
        numbers = pd.to_numeric(text.where(digits, None), errors="coerce")
    numbers = np.asarray(numbers, dtype=float)
    flag(numbers < 0, field, "negative")
    flag(numbers > MAX_COUNT, field, "too_large", MAX_COUNT)
    if required:
        return np.nan_to_num(numbers, nan=0).astype(np.int64)
    return numbers


def _items(values: pd.Series, fmt: str, flag) -> np.ndarray:
    """The bit mask of the items present (NaN where the row does not say)."""
    if pd.api.types.is_float_dtype(values.dtype):  # already a mask (Arrow reader)
        return values.to_numpy()
    code, detail = (
        ("bad_items", ", ".join(TRACE_ITEMS))
        if fmt == "jsonl"
        else ("bad_items_csv", "、".join(ITEM_NAMES_ZH.values()))
    )
    n = len(values)
    given = np.fromiter((v is not None for v in values), bool, n)
    if fmt == "jsonl":
        mask, bad = _json_item_bits(list(values))
    else:
        bits = [None if v is None else _csv_item_bits(v) for v in values]
        bad = np.fromiter((g and b is None for g, b in zip(given, bits, strict=True)), bool, n)
        mask = np.array([np.nan if b is None else b for b in bits], dtype=float)
    flag(given & bad, "items", code, detail)
    return np.where(given & ~bad, mask, np.nan)


def _json_item_bits(values: list) -> tuple[np.ndarray, np.ndarray]:
    """Masks and a "malformed" flag for JSON ``items`` objects, one pass per item over the rows."""
    n = len(values)
    is_dict = np.fromiter((type(v) is dict for v in values), bool, n)
    bad = np.fromiter(
        (v is not None and (type(v) is not dict or not v.keys() <= ITEM_BIT.keys()) for v in values), bool, n
    )
    mask = np.zeros(n, dtype=np.int64)
    for name, bit in ITEM_BIT.items():
        column = [v.get(name) if d else None for v, d in zip(values, is_dict, strict=True)]
        bad |= np.fromiter((c is not None and type(c) is not bool for c in column), bool, n)
        mask |= np.fromiter((c is True for c in column), bool, n).astype(np.int64) * bit
    return mask.astype(float), bad


def _csv_item_bits(value) -> int | None:
    names = [p.strip() for p in str(value).replace("，", ",").replace("、", ",").split(",") if p.strip()]
    if not all(n in ITEM_BIT_ZH or n in ITEM_BIT for n in names):
        return None
    return sum({**ITEM_BIT, **ITEM_BIT_ZH}[n] for n in set(names))


def _without_repeats(rows: pd.DataFrame, name) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A platform, enterprise and day given twice in one file is ambiguous: every repeat is a problem."""
    key = ["platform", "uscc", "day"]
    repeated = rows.duplicated(key, keep="first").to_numpy()
    if not repeated.any():
        return rows, _problems([])
    first_row = rows.groupby(key, sort=False)["row"].transform("first")
    problems = problem_frame(
        rows.loc[repeated, "row"], name("date"), rows.loc[repeated, "day"], "repeated", first_row[repeated]
    )
    return rows[~repeated], problems


def describe_problems(
    feed_file: str, problems: pd.DataFrame, limit: int | None = None, lang: str = "en"
) -> list[str]:
    """One line per problem, ``FILE, row N, column 'value': reason`` (the first ``limit``), in ``lang``:
    the reason worded from its ``code`` (``data_admin.feed_problem_<code>``, as on the page)."""
    shown = problems if limit is None else problems.head(limit)
    lines = []
    for p in shown.itertuples(index=False):
        reason = Message(f"data_admin.feed_problem_{p.code}", detail=p.detail) if p.code else p.reason
        line = Message(
            "cli.platform.line",
            file=feed_file,
            row=p.row,
            column=Message("cli.platform.column", column=p.column) if p.column else "",
            value=Message("cli.platform.value", value=_quoted(p.value, lang)) if p.value else "",
            reason=reason,
        )
        lines.append(line.word(lang))
    if limit is not None and len(problems) > limit:
        lines.append(Message("cli.platform.more", count=len(problems) - limit).word(lang))
    return lines


def _quoted(value: object, lang: str) -> str:
    """English shows a value as Python's repr ('x'); Chinese puts it in “” (the catalog's quotes)."""
    return repr(value) if lang == "en" else str(value)
