"""Browser smoke test: the real app in headless Chromium, one screenshot per page.

Starts ``streamlit run`` on a free port against a small demo database, opens
every page in Debian's Chromium (driven by Playwright), fails on any
Streamlit exception box, and saves screenshots under ``var/screenshots/``.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.dashboard.test_pages import APP, PAGES

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from traceboard.data.db import make_engine
    from traceboard.data.demo import generate_demo
    from traceboard.data.migrate import init_database

    db = tmp_path_factory.mktemp("browser") / "demo.db"
    engine = make_engine(f"sqlite:///{db}")
    init_database(engine)
    generate_demo(engine, enterprises=800, seed=11)
    engine.dispose()
    port = _free_port()
    env = {**os.environ, "TRACEBOARD_DATABASE_URL": f"sqlite:///{db}"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            APP,
            "--server.port",
            str(port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).status == 200:
                break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail(f"streamlit did not start: {proc.stdout.read().decode(errors='replace')[-2000:]}")
    yield url
    proc.terminate()
    proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is missing: install Debian's chromium package (make test does)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.mark.parametrize("page", PAGES)
def test_page_in_chromium(server, browser, page):
    tab = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    path = "" if page == "overview" else page
    tab.goto(f"{server}/{path}", wait_until="networkidle")
    tab.wait_for_selector("h1", timeout=30_000)
    # Streamlit shows a running indicator while the script runs; wait until it is gone.
    tab.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=30_000)
    tab.wait_for_timeout(800)
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{page}.png"), full_page=True)
    errors = tab.locator('[data-testid="stException"]').all_inner_texts()
    tab.close()
    assert errors == []
