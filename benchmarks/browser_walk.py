"""Benchmark: the inspector's 双随机抽查 workflow in a browser, step by step, on a served app.

    TRACEBOARD_DATABASE_URL=sqlite:///var/walk.db .venv/bin/traceboard init
    TRACEBOARD_DATABASE_URL=sqlite:///var/walk.db .venv/bin/traceboard demo --enterprises 100000
    TRACEBOARD_DATABASE_URL=sqlite:///var/walk.db .venv/bin/streamlit run src/traceboard/dashboard/app.py \
        --server.port 8600 --server.headless true &
    .venv/bin/python benchmarks/browser_walk.py http://127.0.0.1:8600 [--shots var/screenshots/walk]

Signs in through the form as demo-inspector and walks the task of ``tests/dashboard/walks.py``
(the browser test's own steps) in headless Chromium: save a plan, the seed's hash, commit, reveal
and draw, a check list, results saved, marked published. Each step is timed from the user's act
until the page is drawn again; prints JSON (step → seconds) and saves a screenshot per step.
A measurement, not a test: run it on a database that can take a new plan and draw.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # the walk lives with the browser test

from playwright.sync_api import sync_playwright  # noqa: E402
from tests.dashboard.walks import Walk, inspector_task  # noqa: E402

from traceboard.accounts.accounts import DEMO_PASSWORD  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--shots", type=Path, default=ROOT / "var" / "screenshots" / "walk")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one step may take")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        tab = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        walk = Walk(tab, args.shots, "inspector", timeout_ms=int(args.timeout * 1000))
        try:
            walk.sign_in(args.url, "demo-inspector", DEMO_PASSWORD)
            seen = inspector_task(walk)
        finally:
            print(json.dumps({step: round(seconds, 3) for step, seconds in walk.timings}, indent=2))
            browser.close()
    shown = {k: v for k, v in seen.items() if not isinstance(v, bytes)}
    print(json.dumps(shown, ensure_ascii=False, indent=2), file=sys.stderr)


if __name__ == "__main__":
    main()
