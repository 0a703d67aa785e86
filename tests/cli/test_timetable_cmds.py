"""``traceboard timetable`` prints the page's figures (the same service)."""

import csv
import datetime as dt
import io

from traceboard.cli.main import main
from traceboard.services.timetable import prepare_timetable

DAY = "2026-10-31"


def test_milestones_and_county_rank_as_csv(demo_engine, capsys):
    view = prepare_timetable(demo_engine, dt.date.fromisoformat(DAY))
    assert main(["timetable", "--as-of", DAY, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == len(view.milestones) == 7 * 3 + 24
    assert {r["status"] for r in rows} <= {"按期完成", "逾期完成", "逾期未报", "未到期"}
    late = [r for r in rows if r["status"] in ("逾期完成", "逾期未报")]
    assert all(int(r["days_late"]) > 0 for r in late)
    assert main(["timetable", "--part", "counties", "--as-of", DAY]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["年度", "覆盖率", "在湘潭市排名"]
    assert len(lines) == 1 + len(view.city_ranks) and len(view.city_ranks) > 0
