"""The public site in headless Chromium: the offline search works, hostile names stay text.

Written to a temporary directory and opened as file:// pages: no server, no
network (every request other than file:// is aborted and would fail the test).
"""

from __future__ import annotations

import shutil

import pytest

from tests.blacklist.site_fixture import HOSTILE, fixed_record
from traceboard.blacklist.site import render_site
from traceboard.files.site_writer import write_site

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def test_offline_search_in_a_browser(tmp_path):
    from playwright.sync_api import sync_playwright

    write_site(render_site(fixed_record()), tmp_path / "site")
    outside, dialogs = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.route(
            "**/*",
            lambda route: (
                route.continue_()
                if route.request.url.startswith("file:")
                else (outside.append(route.request.url), route.abort())
            ),
        )
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto((tmp_path / "site" / "index.html").as_uri())
        page.fill("#q", "91430381mpya9ru06c")
        found = page.inner_text("#answer")
        page.fill("#q", "福农")
        by_name = page.inner_text("#answer")
        page.fill("#q", "不存在")
        missing = page.inner_text("#answer")
        browser.close()
    assert (outside, dialogs) == ([], [])
    assert found.startswith(f"{HOSTILE}（91430381MPYA9RU06C）")
    assert "已建立追溯体系 · 列入质量失信黑名单 · 最近抽查：2025-01-05 追溯信息不真实" in found
    assert found.rstrip().endswith("政府采购（可追溯且未列入黑名单）：否")
    assert "湘乡市福农食品有限责任公司（91430381Y12HUJK11N）" in by_name and by_name.rstrip().endswith("：是")
    assert missing == "未找到"


def test_the_look_up_shows_and_links_a_published_alert_that_names_the_enterprise(tmp_path):
    from dataclasses import replace

    from playwright.sync_api import sync_playwright

    record = fixed_record()
    published, withdrawn = (dict(a) for a in record.alerts)
    named = [{"uscc": "91430381Y12HUJK11N", "name": "湘乡市福农食品有限责任公司"}]
    record = replace(record, alerts=[{**published, "enterprises": named}, withdrawn])
    write_site(render_site(record), tmp_path / "site")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        page.goto((tmp_path / "site" / "index.html").as_uri())
        page.fill("#q", "福农")
        answer = page.inner_text("#answer")
        page.click("#answer a")
        title = page.title()
        page.goto((tmp_path / "site" / "index.html").as_uri())
        page.fill("#q", "91430381mpya9ru06c")  # named only by the withdrawn alert
        withdrawn_answer = page.inner_text("#answer")
        browser.close()
    assert "消费提示（2026-01-07）：关于选购可追溯肉制品的消费提示" in answer
    assert "关于选购可追溯肉制品的消费提示" in title, "the link opens the alert's own page"
    assert "消费提示（" not in withdrawn_answer
