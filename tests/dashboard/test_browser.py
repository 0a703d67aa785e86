"""Browser smoke test: the real app in headless Chromium, one screenshot per page.

Starts ``streamlit run`` on a free port against a small demo database, signs
in through the real form as the demo office account, opens every page that
role sees from the sidebar (one browser session: a new URL would be a new,
signed-out session), fails on any Streamlit exception box and on any request to
another host (the city's network has no internet: icons, fonts and scripts come
from the app), and saves screenshots under ``var/screenshots/`` (the sign-in page too).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.dashboard.test_pages import APP
from traceboard.accounts.accounts import DEMO_PASSWORD
from traceboard.dashboard.i18n import translate
from traceboard.dashboard.navigation import page_specs, visible_pages

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
    from traceboard.data.migrate import init_database
    from traceboard.demo import generate_demo

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


REQUESTS: list[str] = []  # every URL the browser asked for in this module


def _new_tab(browser):
    tab = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    tab.on("request", lambda request: REQUESTS.append(request.url))
    return tab


def _offsite(server: str) -> list[str]:
    """Requests that left the app's host (data: and blob: URLs stay in the page)."""
    host = urlsplit(server).netloc
    local = ("data", "blob")
    return sorted({u for u in REQUESTS if urlsplit(u).scheme not in local and urlsplit(u).netloc != host})


def _settled(tab) -> None:
    tab.wait_for_selector("h1", timeout=30_000)
    # Streamlit marks the app element with the script's state (as its own end-to-end tests
    # wait on); a screenshot taken while the script still runs shows a half-drawn page.
    tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)
    tab.wait_for_timeout(800)


def _shot(tab, name: str) -> list[str]:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    return tab.locator('[data-testid="stException"]').all_inner_texts()


def test_sign_in_page_and_no_page_without_it(server, browser):
    tab = _new_tab(browser)
    # A page's file name in the URL must not open it without signing in.
    tab.goto(f"{server}/overview", wait_until="networkidle")
    _settled(tab)
    assert tab.locator("h1").first.inner_text() == "登录"
    errors = _shot(tab, "sign_in")
    tab.close()
    assert errors == []
    assert _offsite(server) == []


# Each page is opened by the first of these roles that sees it (the office sees all but accounts).
ROLES = ("office", "admin", "leader", "inspector", "publicity")
SIGNED_IN_PAGES = [
    (page, next(r for r in ROLES if page in visible_pages(r))) for page in visible_pages("office")
]
SIGNED_IN_PAGES += [
    (page, next(r for r in ROLES if page in visible_pages(r)))
    for role in ROLES
    for page in visible_pages(role)
    if page not in dict(SIGNED_IN_PAGES)
]


@pytest.fixture(scope="module")
def signed_in(server, browser):
    """One browser session per demo account, signed in through the form when first needed."""
    tabs = {}

    def tab_for(role: str):
        if role not in tabs:
            tab = _new_tab(browser)
            tab.goto(server, wait_until="networkidle")
            _settled(tab)
            tab.get_by_label("用户名").fill(f"demo-{role}")
            tab.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
            tab.get_by_role("button", name="登录").click()
            tab.wait_for_selector(f"text=demo-{role}", timeout=30_000)
            _settled(tab)
            tabs[role] = tab
        return tabs[role]

    yield tab_for
    for tab in tabs.values():
        tab.close()


@pytest.mark.parametrize(("page", "role"), SIGNED_IN_PAGES)
def test_page_in_chromium(signed_in, page, role):
    tab = signed_in(role)
    first = visible_pages(role)[0]
    url = "" if page == first else {spec.file: spec.url for spec in page_specs()}[page]  # first: at "/"
    nav = tab.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name=translate(f"nav.{page}"), exact=True).click()
    tab.wait_for_url(re.compile(rf"^http://[^/]+/{url}$"), timeout=30_000)
    _settled(tab)
    errors = _shot(tab, page)
    assert tab.locator("h1").first.inner_text() != "登录"
    assert errors == []
    assert _offsite(tab.url) == []


def test_the_entry_form_in_chromium(signed_in):
    """数据管理 → 录入/更正: the one-record form as the office sees it."""
    tab = signed_in("office")
    nav = tab.locator('[data-testid="stSidebarNav"]')
    nav.get_by_role("link", name=translate("nav.data_admin"), exact=True).click()
    _settled(tab)
    tab.get_by_role("tab", name=translate("data_admin.tab_entry")).click()
    _settled(tab)
    save = tab.get_by_role("button", name=translate("data_admin.entry_save"))
    save.wait_for(timeout=30_000)
    errors = _shot(tab, "data_admin_entry")
    assert save.is_visible()
    assert errors == []
    assert _offsite(tab.url) == []
