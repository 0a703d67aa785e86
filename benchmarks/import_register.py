"""Benchmark: validate and import a 100,000-row .xlsx register (issue #3: < 30 s, < 1 GB peak).

    .venv/bin/python benchmarks/import_register.py [--rows 100000] [--database sqlite|postgresql]

Writes a register workbook like the ones offices send (a title row, the
template's headers, short township names, mixed yes/no and date spellings),
then imports it into a fresh database in a child process, so that the peak
resident memory reported is the import's own. Prints JSON.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xlsxwriter

from traceboard.accounts.authz import SYSTEM
from traceboard.bench.harness import peak_rss_mb, scratch_database
from traceboard.data.reference import load_reference
from traceboard.data.uscc import generate_codes
from traceboard.services.imports import check_upload, import_validated

HEADER = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所属乡镇",
    "行业类别",
    "细分品类",
    "经营状态",
    "登记日期",
    "是否建立信息化追溯体系",
    "追溯体系建立日期",
    "是否接入追溯平台",
    "接入日期",
]


def write_register(path: Path, rows: int, seed: int = 1) -> None:
    """A register of ``rows`` enterprises as an .xlsx file."""
    rng = np.random.default_rng(seed)
    ref = load_reference()
    towns = [t.name for t in ref.townships] + [t.short for t in ref.townships]
    subcats = [(s.name, c.name) for s in ref.sectors for c in s.subcategories]
    codes = generate_codes(rng, rows, "430381", np.where(rng.random(rows) < 0.6, "91", "92"))
    town = rng.integers(0, len(towns), rows)
    sub = rng.integers(0, len(subcats), rows)
    adopted = rng.random(rows) < 0.55
    connected = adopted & (rng.random(rows) < 0.6)
    start = dt.date(2016, 1, 1).toordinal()
    adopt_day = rng.integers(start, start + 3000, rows)
    connect_day = adopt_day + rng.integers(0, 500, rows)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("企业名录")
    sheet.write_row(0, 0, ["湘乡市重要产品追溯体系建设企业名录"])
    sheet.write_row(1, 0, HEADER)
    for i in range(rows):
        sector, name = subcats[sub[i]]
        a, c = bool(adopted[i]), bool(connected[i])
        sheet.write_row(
            i + 2,
            0,
            [
                i + 1,
                str(codes[i]),
                f"湘乡市{i}号{name}经营部",
                towns[town[i]],
                sector,
                name,
                "在营",
                dt.date.fromordinal(int(adopt_day[i]) - 700).isoformat(),
                ("是", "Y", "√")[i % 3] if a else ("否", "N", "×")[i % 3],
                dt.date.fromordinal(int(adopt_day[i])).strftime("%Y/%m/%d") if a else "",
                "是" if c else "否",
                dt.date.fromordinal(int(connect_day[i])).strftime("%Y年%m月%d日") if c else "",
            ],
        )
    book.close()


def run_child(path: Path, database: str) -> dict:
    """Validate and import ``path`` into a fresh database; report seconds and peak RSS."""
    with (
        tempfile.TemporaryDirectory(prefix="traceboard-import-") as tmp,
        scratch_database(database, Path(tmp)) as engine,
    ):
        content = path.read_bytes()
        started = time.perf_counter()
        validation = check_upload(engine, "enterprises", content, path.name)
        validated = time.perf_counter()
        if not validation.ok:
            return {"error": validation.lines()[:5]}
        summary = import_validated(engine, SYSTEM, validation)
        imported = time.perf_counter()
        again = import_validated(engine, SYSTEM, check_upload(engine, "enterprises", content, path.name))
        reimported = time.perf_counter()
        validation.values.loc[validation.values.index[::5], "name"] += "（更名）"  # a fifth renamed
        renamed = import_validated(engine, SYSTEM, validation)
        updated = time.perf_counter()
    return {
        "database": database,
        "rows": len(validation.values),
        "validate_seconds": round(validated - started, 2),
        "import_seconds": round(imported - validated, 2),
        "total_seconds": round(imported - started, 2),
        "reimport_seconds": round(reimported - imported, 2),
        "summary": summary.describe(),
        "reimport": again.describe(),
        "update_fifth_seconds": round(updated - reimported, 2),
        "update": renamed.describe(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args.child, args.database), ensure_ascii=False))
        return
    with tempfile.TemporaryDirectory(prefix="traceboard-register-") as tmp:
        path = Path(tmp) / "register.xlsx"
        started = time.perf_counter()
        write_register(path, args.rows)
        written = time.perf_counter() - started
        child = [sys.executable, __file__, "--child", str(path), "--database", args.database]
        out = subprocess.run(child, check=True, capture_output=True, text=True).stdout
        result = json.loads(out.strip().splitlines()[-1])
        result |= {"file_mb": round(path.stat().st_size / 2**20, 1), "write_file_seconds": round(written, 1)}
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
