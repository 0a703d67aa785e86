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


SERVER_DB: dict[str, str] = {}  # the served demo database and public site, for tests that read them


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    from traceboard.data.db import make_engine
    from traceboard.data.migrate import init_database
    from traceboard.demo import generate_demo

    db = tmp_path_factory.mktemp("browser") / "demo.db"
    SERVER_DB["url"] = f"sqlite:///{db}"
    engine = make_engine(f"sqlite:///{db}")
    init_database(engine)
    generate_demo(engine, enterprises=800, seed=11)
    engine.dispose()
    port = _free_port()
    SERVER_DB["site"] = str(db.parent / "site")  # where 发布公开网站 writes the public site
    env = {
        **os.environ,
        "TRACEBOARD_DATABASE_URL": f"sqlite:///{db}",
        "TRACEBOARD_SITE_DIR": SERVER_DB["site"],
    }
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


# ---- each role's main task, end to end (tests/dashboard/walks.py), screenshots per step ----------

TASK_SHOTS = SHOTS / "tasks"


def _walk(browser, server: str, role: str, name: str | None = None):
    from tests.dashboard.walks import Walk

    walk = Walk(_new_tab(browser), TASK_SHOTS, name or role, timeout_ms=120_000)
    walk.sign_in(server, f"demo-{role}", DEMO_PASSWORD)
    return walk


def test_streamlit_words_are_chinese_in_chinese_mode(server, browser):
    """Streamlit's own words (upload button and limit, Enter hints, Select all, No results) in Chinese."""
    from tests.dashboard.walks import t

    walk = _walk(browser, server, "office", "streamlit_words")
    tab = walk.tab
    walk.open_page("data_admin")
    uploader = tab.locator('[data-testid="stFileUploaderDropzone"]').first
    uploader.wait_for(timeout=30_000)
    shown_after = """selector => getComputedStyle(document.querySelector(selector), '::after').content"""
    button = '[data-testid="stFileUploaderDropzone"] button [data-testid="stMarkdownContainer"]'
    limit = '.st-key-upload [data-testid="stFileUploaderDropzoneInstructions"] > div'
    assert t("streamlit.upload") in tab.evaluate(shown_after, button)
    assert "50 MB · XLSX, XLS, CSV" in tab.evaluate(shown_after, limit)
    seen = {"uploader": walk.streamlit_english()}
    walk.act("export_tab", lambda: tab.get_by_role("tab", name=t("data_admin.tab_export")).click())
    picker = tab.locator('[data-testid="stMultiSelect"]').first
    picker.locator("input").click()
    tab.wait_for_timeout(500)
    assert tab.locator('[data-key="__select_all__"]').first.is_visible()
    seen["select_all"] = walk.streamlit_english()
    walk.shot("select_all")
    tab.keyboard.type("没有这个乡镇")
    tab.wait_for_timeout(500)
    assert t("streamlit.no_results") in tab.evaluate(shown_after, '[data-empty="true"] [role="option"]')
    seen["no_results"] = walk.streamlit_english()
    tab.keyboard.press("Escape")
    tab.locator("h1").first.click()  # the drop-down closed
    tab.wait_for_timeout(300)
    walk.open_page("platforms")
    tab.get_by_label(t("platforms.uscc")).fill("91430381")
    tab.wait_for_timeout(500)
    assert t("streamlit.press_enter") in tab.evaluate(shown_after, '[data-testid="InputInstructions"]')
    seen["press_enter"] = walk.streamlit_english()
    walk.shot("press_enter")
    # a table's toolbar: each button's tooltip (it floats apart from the button) in Chinese
    walk.open_page("timetable")
    tab.locator('[data-testid="stDataFrame"]').first.hover()
    buttons = tab.locator('[data-testid="stElementToolbar"]').first.locator("button")
    buttons.first.wait_for(timeout=30_000)
    tooltip = '[data-testid="stTooltipContent"] [data-testid="stMarkdownContainer"]'
    worded = {}
    for i in range(buttons.count()):
        for _ in range(5):  # the toolbar fades in and a tooltip waits for the pointer to rest
            tab.locator('[data-testid="stDataFrame"]').first.hover()
            buttons.nth(i).hover(force=True)
            tab.wait_for_timeout(1_000)
            if tab.locator(tooltip).count():
                break
        label = buttons.nth(i).get_attribute("aria-label")
        worded[label] = tab.evaluate(shown_after, tooltip).strip('"')
        assert not tab.locator(f"{tooltip} p").first.is_visible(), f"the English tooltip of {label} shows"
        seen[f"toolbar {label}"] = walk.streamlit_english()
    walk.shot("toolbar_tooltip")
    tab.close()
    from traceboard.dashboard.streamlit_text import TOOLBAR

    assert {"Download as CSV", "Search", "Fullscreen"} <= set(worded)
    assert worded == {label: t(f"streamlit.{TOOLBAR[label]}") for label in worded}
    assert seen == {k: [] for k in seen}
    assert _offsite(server) == []


def test_inspector_task_in_chromium(server, browser):
    """双随机抽查: plan, commit (the seed's hash from the helper), reveal and draw, a check list,
    results saved, marked published — through the page only."""
    import hashlib

    from tests.dashboard.walks import inspector_task

    walk = _walk(browser, server, "inspector")
    seen = inspector_task(walk, seed="browser-walk-seed")
    walk.tab.close()
    assert seen["digest"] == hashlib.sha256(b"browser-walk-seed").hexdigest()
    assert seen["plan_saved"].startswith("已保存")
    assert "已提交承诺" in seen["committed"] and "完成" in seen["drawn"]
    assert seen["checklist"][:2] == b"PK"  # an xlsx
    assert seen["results_saved"] == "已保存 1 条检查结果。"
    assert seen["published"] == "已公示 1 条。"
    assert [seen[k] for k in ("english_on_open", "english_on_draw", "english_in_picker")] == [[], [], []]
    assert seen["exceptions"] == []
    assert _offsite(server) == []


def test_office_import_task_in_chromium(server, browser, tmp_path):
    """数据管理: a register with an error is refused with the faulty cells marked in a workbook to
    download; the corrected file is imported."""
    import io

    import pandas as pd

    from tests.dashboard.walks import t
    from traceboard.data.db import make_engine
    from traceboard.services.accounts import actor_named
    from traceboard.services.exports import export_table

    engine = make_engine(SERVER_DB["url"])
    good = export_table(engine, actor_named(engine, "demo-office"), "enterprises").head(20)
    engine.dispose()
    bad = good.copy()
    bad.iloc[3, 0] = "91430381NOTACODE00"  # row 5 of the sheet: not a credit code
    good_file, bad_file = tmp_path / "企业名录.xlsx", tmp_path / "企业名录-有误.xlsx"
    good.to_excel(good_file, index=False)
    bad.to_excel(bad_file, index=False)

    walk = _walk(browser, server, "office")
    tab = walk.tab
    walk.open_page("data_admin")
    upload = tab.locator('[data-testid="stFileUploaderDropzoneInput"]').nth(0)
    walk.act("upload_with_error", lambda: upload.set_input_files(str(bad_file)))
    tab.get_by_text(t("data_admin.problems", count=1)).wait_for(timeout=60_000)
    errors = walk.download("error_workbook", walk.button(t("data_admin.download_errors")))
    marked = pd.read_excel(io.BytesIO(errors), sheet_name=None, engine="openpyxl")
    walk.act("upload_good", lambda: upload.set_input_files(str(good_file)))
    tab.get_by_text(t("data_admin.valid", rows=20)).wait_for(timeout=60_000)
    walk.act("confirm_import", lambda: walk.button(t("data_admin.confirm", rows=20)).click())
    exceptions = walk.exceptions()
    tab.close()
    assert any("91430381NOTACODE00" in frame.to_string() for frame in marked.values())
    assert exceptions == []
    assert _offsite(server) == []


def test_leader_assessment_task_in_chromium(server, browser, tmp_path):
    """年度考核: the office saves the year's assessment; a leader locks it (ticking the confirmation)
    and downloads the report at once: locking made it again from the locked version."""
    from tests.dashboard.walks import leader_task, office_saves_assessment

    office = _walk(browser, server, "office", "office_assessment")
    office_saves_assessment(office)
    office.tab.close()
    walk = _walk(browser, server, "leader")
    seen = leader_task(walk)
    walk.tab.close()
    version = re.search(r"第(\d+)版", seen["status"]).group(1)
    assert seen["flash"] == f"已锁定第{version}版；报告已按锁定版本重新生成。"
    # the keyed tabs keep 报告 open through the confirmation, the lock and 生成 (each a rerun)
    report = "报告下载"
    assert (seen["tab_after_confirm"], seen["tab_after_lock"], seen["tab_after_make"]) == (report,) * 3
    assert "已锁定" in seen["status"] and "demo-leader" in seen["status"]
    assert seen["pdf"][:5] == b"%PDF-"
    year = re.search(r"(\d{4})年度考核", seen["status"]).group(1)
    assert seen["pdf_name"] == f"assessment-{year}-locked.pdf"
    pdf = tmp_path / seen["pdf_name"]
    pdf.write_bytes(seen["pdf"])
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    assert f"版本：第{version}版" in text.stdout  # the locked version, not an earlier draft
    assert "状态：已锁定" in text.stdout and "已锁定（demo-leader）" in text.stdout  # every page's label
    assert "草稿" not in text.stdout
    assert seen["exceptions"] == []
    assert _offsite(server) == []


def test_publicity_alert_task_in_chromium(server, browser):
    """黑名单与消费提示: the publicity staff draft a consumer alert; the office (the second pair of eyes)
    approves it; the publicity staff publish it and then the public site, whose home page lists it."""
    from tests.dashboard.walks import (
        office_approves_alert,
        publicity_drafts_alert,
        publicity_publishes,
        t,
    )

    title = "浏览器演练：散装食用油选购提示"
    publicity = _walk(browser, server, "publicity")
    drafted = publicity_drafts_alert(publicity, title, "请到证照齐全的门店选购散装食用油，并索取购货凭证。")
    office = _walk(browser, server, "office", "office_alert")
    approved = office_approves_alert(office, drafted["alert"])
    office.tab.close()
    published = publicity_publishes(publicity, drafted["alert"])
    publicity.tab.close()
    # the published home page, as a reader opens it (from the folder the web server serves)
    index = Path(SERVER_DB["site"]) / "index.html"
    assert index.is_file()
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(index.as_uri(), wait_until="load")
    listed = page.get_by_role("link", name=title, exact=True)
    listed.first.wait_for(timeout=30_000)
    (TASK_SHOTS / "publicity-site-index.png").parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(TASK_SHOTS / "publicity-site-index.png"), full_page=True)
    href = listed.first.get_attribute("href")
    page.close()
    assert drafted["drafted"].startswith("已保存草稿")
    assert "四眼原则" in drafted["four_eyes"] and "demo-office" in drafted["four_eyes"]
    assert t("blacklist.alert_state.approved") not in "".join(drafted["offered"])  # not by the drafter
    assert drafted["english"] == []
    assert approved == t("blacklist.alert_moved_ok", id=drafted["id"], state="已审核")
    assert published["published"] == t("blacklist.alert_moved_ok", id=drafted["id"], state="已发布")
    assert published["site"].startswith("公开网站已发布")
    assert published["exceptions"] == []
    assert href == f"alerts/{drafted['id']}.html"
    assert (Path(SERVER_DB["site"]) / href).is_file()
    assert [u for u in asked if not u.startswith("file://")] == []  # the site loads nothing from elsewhere
    assert _offsite(server) == []
