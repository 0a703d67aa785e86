"""Each role's main task, walked through the pages in a browser (Playwright, headless Chromium).

Used by ``tests/dashboard/test_browser.py`` (a small demo city) and by ``benchmarks/browser_walk.py``
(the same steps against any served app, e.g. a 100,000-enterprise city, printing the timings).
Every step is a user's act — a click, a typed value, a download — and is timed from the act until
Streamlit has finished the rerun it caused; a screenshot is saved after each step.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import TimeoutError as PlaywrightTimeout

from traceboard.dashboard.i18n import translate

# Streamlit's own English words that must not be visible in Chinese mode (docs/interface.md).
STREAMLIT_ENGLISH = (
    "Upload",
    "Drag and drop",
    "per file",
    "Browse files",
    "Press Enter",
    "Press Ctrl+Enter",
    "Select all",
    "No results",
    "Choose an option",
    "Choose options",
    "Running...",
    "Download as CSV",
    "Show/hide columns",
    "Fullscreen",
)

# A rerun is seen as the app's script state leaving "running" (and not entering it again within
# 0.4 s: an act's st.rerun() runs the script twice); a rerun so quick that React never
# drew the "running" state is seen by the page changing and then staying still for half a second.
_WATCH = """() => {
  if (window.__tb) return;
  window.__tb = {runs: 0, ended: 0, last: 0};
  new MutationObserver(records => {
    const now = performance.now();
    for (const r of records) {
      if (r.type === 'attributes' && r.attributeName === 'data-test-script-state') {
        if (r.oldValue === 'running') { window.__tb.runs++; window.__tb.ended = now; }
      } else if (r.target.closest && r.target.closest('[data-testid="stMain"]')) {
        window.__tb.last = now;
      } else if (r.target.parentElement && r.target.parentElement.closest('[data-testid="stMain"]')) {
        window.__tb.last = now;
      }
    }
  }).observe(document.documentElement, {
    subtree: true, childList: true, characterData: true,
    attributes: true, attributeOldValue: true, attributeFilter: ['data-test-script-state'],
  });
}"""
_START = "() => ({runs: window.__tb.runs, at: performance.now()})"
_DONE = """start => {
  if (document.querySelector('[data-testid="stException"]')) return true;
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  const tb = window.__tb, now = performance.now();
  // a rerun that asks for another (st.rerun after an act) is done when the last one is: still 0.4 s
  if (tb.runs > start.runs) return now - tb.ended > 400;
  return now - start.at > 1500 && tb.last > start.at && now - tb.last > 500;
}"""
_ELAPSED = """start => {
  const tb = window.__tb;
  return ((tb.runs > start.runs ? Math.max(tb.ended, tb.last) : tb.last) - start.at) / 1000;
}"""

# What is visible: the text a user sees (hidden elements, screen-reader-only text, icon ligatures left out).
_VISIBLE_TEXT = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, el = node.parentElement;
    if (!el || !node.nodeValue.trim()) continue;
    const skip = '[data-testid="stIconMaterial"], script, style, [aria-live], [data-live-announcer]';
    if (el.closest(skip)) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) continue;
    if (!el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})) continue;
    out.push(node.nodeValue.trim());
  }
  for (const input of document.querySelectorAll('input[placeholder], textarea[placeholder]')) {
    if (input.checkVisibility() && !input.value) out.push(input.placeholder);
  }
  return out;
}"""


def t(key: str, **values) -> str:
    return translate(key, "zh", **values)


@dataclass
class Walk:
    """A browser tab walking one role's task: timed steps, a screenshot after each."""

    tab: object
    shots: Path
    name: str
    timings: list[tuple[str, float]] = field(default_factory=list)
    timeout_ms: int = 300_000
    downloaded: str = ""  # the file name the last download was offered under

    def watch(self) -> None:
        self.tab.evaluate(_WATCH)

    def settled(self) -> None:
        self.tab.wait_for_selector("h1", timeout=self.timeout_ms)
        self.tab.wait_for_selector(
            '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=self.timeout_ms
        )

    def act(self, step: str, action) -> float:
        """Do ``action`` (which makes the app rerun) and time it until the rerun has drawn the page."""
        self.watch()
        start = self.tab.evaluate(_START)
        result = action()
        # done when the rerun has drawn the page, or at once when it stopped on an exception
        self.tab.wait_for_function(_DONE, arg=start, timeout=self.timeout_ms, polling=50)
        elapsed = self.tab.evaluate(_ELAPSED, start)
        self.tab.wait_for_timeout(300)
        self.record(step, elapsed)
        if errors := self.exceptions():
            raise AssertionError(f"{self.name} · {step}: the page stopped on an exception: {errors[0][:500]}")
        return result

    def download(self, step: str, button) -> bytes:
        """Click a download button; time until the file has arrived; return its bytes."""
        start = time.perf_counter()
        with self.tab.expect_download(timeout=self.timeout_ms) as info:
            button.click()
        path = info.value.path()
        self.downloaded = info.value.suggested_filename
        elapsed = time.perf_counter() - start
        self.record(step, elapsed)
        return Path(path).read_bytes()

    def record(self, step: str, elapsed: float) -> None:
        self.timings.append((step, elapsed))
        self.shot(step)

    def shot(self, step: str) -> None:
        self.shots.mkdir(parents=True, exist_ok=True)
        safe = re.sub(r"[^\w-]+", "_", step)
        path = self.shots / f"{self.name}-{len(self.timings):02d}-{safe}.png"
        self.tab.screenshot(path=str(path), full_page=True, timeout=self.timeout_ms)

    def exceptions(self) -> list[str]:
        return self.tab.locator('[data-testid="stException"]').all_inner_texts()

    def visible_text(self) -> list[str]:
        return self.tab.evaluate(_VISIBLE_TEXT)

    def streamlit_english(self) -> list[str]:
        """Streamlit's own English words visible now (in Chinese mode there must be none)."""
        return sorted({text for text in self.visible_text() for word in STREAMLIT_ENGLISH if word in text})

    # ---- navigation -------------------------------------------------------------------------

    def sign_in(self, server: str, username: str, password: str) -> None:
        self.tab.goto(server, wait_until="networkidle")
        self.settled()
        self.tab.get_by_label(t("auth.username")).fill(username)
        self.tab.get_by_label(t("auth.password"), exact=True).fill(password)
        self.act("sign_in", lambda: self.tab.get_by_role("button", name=t("auth.submit")).click())
        self.tab.wait_for_selector(f"text={username}", timeout=self.timeout_ms)
        self.settled()

    def open_page(self, page: str) -> None:
        nav = self.tab.locator('[data-testid="stSidebarNav"]')
        self.act(f"open_{page}", lambda: nav.get_by_role("link", name=t(f"nav.{page}"), exact=True).click())

    def button(self, name: str):
        return self.tab.get_by_role("button", name=name, exact=True)

    def success(self) -> str:
        alerts = self.tab.locator('[data-testid="stAlertContentSuccess"]')
        alerts.first.wait_for(timeout=self.timeout_ms)
        return alerts.first.inner_text()


def inspector_task(walk: Walk, seed: str = "walk-seed-2025") -> dict:
    """双随机抽查 end to end: save a plan, commit a draw, reveal and draw, download a check list,
    save results, mark them published. Returns what each step showed."""
    tab, seen = walk.tab, {}
    walk.open_page("sampling")
    seen["english_on_open"] = walk.streamlit_english()

    # 抽查计划: a new plan in the inspector's own department — one township, one sector, 1 % of each
    # risk class (a draw within what the department's inspectors can do) — saved
    for label in (t("sampling.plan.sectors"), t("sampling.plan.townships")):
        _pick_first(walk, label)
    for risk in ("A", "B", "C", "D"):
        tab.locator(f".st-key-ratio_{risk} input").fill("0.01")
    walk.act("save_plan", lambda: walk.button(t("sampling.plan.save")).click())
    seen["plan_saved"] = walk.success()

    # 公开抽取: the seed's hash from the helper, the commitment, the reveal
    walk.act("section_draw", lambda: tab.get_by_text(t("sampling.tab_draw"), exact=True).click())
    tab.get_by_text(t("sampling.draw.helper"), exact=True).click()
    tab.get_by_label(t("sampling.draw.helper_seed"), exact=True).fill(seed)
    walk.act("seed_hash", lambda: walk.button(t("sampling.draw.helper_compute")).click())
    digest = tab.get_by_label(t("sampling.draw.seed_sha256")).input_value()
    seen["digest"] = digest
    walk.act("commit", lambda: walk.button(t("sampling.draw.commit")).click())
    seen["committed"] = walk.success()
    tab.get_by_label(t("sampling.draw.seed"), exact=True).fill(seed)
    seen["english_on_draw"] = walk.streamlit_english()
    walk.act("reveal_and_draw", lambda: walk.button(t("sampling.draw.reveal")).click())
    seen["drawn"] = walk.success()

    # 检查任务: the check list of the first pair, built when downloaded
    walk.act(
        "section_assignments", lambda: tab.get_by_text(t("sampling.tab_assignments"), exact=True).click()
    )
    seen["checklist"] = walk.download("checklist_xlsx", walk.button(t("sampling.assign.download_xlsx")))

    # 结果录入: a check date and a result for the first check, saved
    walk.act("section_results", lambda: tab.get_by_text(t("sampling.tab_results"), exact=True).click())
    _fill_first_result(walk)
    walk.act("save_results", lambda: walk.button(t("sampling.results.save")).click())
    seen["results_saved"] = walk.success()

    # 结果公示: the first check awaiting publication, marked published
    walk.act(
        "section_publication", lambda: tab.get_by_text(t("sampling.tab_publication"), exact=True).click()
    )
    picker = tab.locator('[data-testid="stMultiSelect"]').filter(has_text=t("sampling.publication.choose"))
    picker.locator("input").click()
    tab.wait_for_timeout(300)
    seen["english_in_picker"] = walk.streamlit_english()
    tab.locator('[role="option"]:not([data-key="__select_all__"])').first.click()  # the first check
    tab.keyboard.press("Escape")
    walk.act("mark_published", lambda: walk.button(t("sampling.publication.publish")).click())
    seen["published"] = walk.success()
    seen["exceptions"] = walk.exceptions()
    return seen


def _pick_first(walk: Walk, label: str) -> None:
    """Pick the first option of the multiselect labelled ``label`` (in a form: no rerun)."""
    tab = walk.tab
    tab.locator('[data-testid="stMultiSelect"]').filter(has_text=label).locator("input").click()
    tab.locator('[role="option"]:not([data-key="__select_all__"])').first.click()
    tab.keyboard.press("Escape")
    tab.wait_for_timeout(200)


def _fill_first_result(walk: Walk) -> None:
    """In the results editor (a canvas grid), type a check date and pick a result on the first row."""
    tab = walk.tab
    grid = tab.locator('[data-testid="stDataFrame"]').first
    grid.wait_for(timeout=walk.timeout_ms)
    editor = tab.locator("input[type=date]:focus, input:focus").first
    attempts = 5  # a click while the page is still being drawn selects no cell: again
    for attempt in range(attempts):
        walk.settled()  # the script has finished drawing the page
        box = grid.bounding_box()
        # the first data row, first column (header ~35 px high, rows ~35 px)
        tab.mouse.click(box["x"] + 30, box["y"] + 35 + 17)
        for _ in range(3):  # assignment, enterprise, uscc → checked_on
            tab.keyboard.press("ArrowRight")
        tab.keyboard.press("Enter")  # the date editor
        try:  # on a machine busy with the rest of the suite the grid opens its editor slowly
            editor.wait_for(timeout=15_000)
            break
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise
            tab.keyboard.press("Escape")
            tab.wait_for_timeout(500)
    editor.fill(time.strftime("%Y-%m-%d"))
    tab.keyboard.press("Enter")  # committed; the selection moves one row down
    tab.wait_for_timeout(300)
    tab.keyboard.press("ArrowUp")
    tab.keyboard.press("ArrowRight")  # → result
    tab.keyboard.press("Enter")
    tab.wait_for_timeout(300)
    tab.get_by_role("option", name=t("sampling.result.no_problem")).first.click()
    tab.wait_for_timeout(300)


def office_saves_assessment(walk: Walk) -> None:
    """年度考核 as the office: the year's assessment computed and saved as a version."""
    walk.open_page("assessment")
    save = walk.button(t("assessment.save"))
    if save.count():
        walk.act("save_assessment", lambda: save.click())


def leader_task(walk: Walk) -> dict:
    """年度考核 as a leader, from the 报告 tab: lock the saved version (confirming where the page
    asks), then download the report, which locking made again from the locked run (no 生成 needed);
    then make the reports again. Records which tab is open after each button (it must stay 报告)."""
    tab, seen = walk.tab, {}
    walk.open_page("assessment")
    walk.act("reports_tab", lambda: tab.get_by_role("tab", name=t("assessment.tab_reports")).click())
    lock = tab.get_by_role("button", name=re.compile("^" + re.escape(t("assessment.lock", version="X")[:4])))
    # locking cannot be undone: the page asks for a confirmation (a box to tick) first
    confirm = tab.locator(".st-key-assessment_lock_ok label")
    walk.act("confirm_lock", lambda: confirm.click())
    seen["tab_after_confirm"] = open_tab(walk)
    walk.act("lock", lambda: lock.first.click())
    seen["tab_after_lock"] = open_tab(walk)
    seen["flash"] = walk.success()
    seen["status"] = (
        tab.locator('[data-testid="stAlertContentSuccess"]').filter(has_text="已锁定").last.inner_text()
    )
    seen["pdf"] = walk.download("download_pdf", walk.button(t("assessment.download_pdf")))
    seen["pdf_name"] = walk.downloaded
    walk.act("make_reports", lambda: walk.button(t("assessment.make_reports")).click())
    seen["tab_after_make"] = open_tab(walk)
    seen["exceptions"] = walk.exceptions()
    return seen


def open_tab(walk: Walk) -> str:
    """The label of the tab the user sees open (the page has one tab set)."""
    return walk.tab.locator('[role="tab"][aria-selected="true"]').first.inner_text().strip()


def _pick_option(walk: Walk, label: str, option: str) -> None:
    """Choose ``option`` (its shown text) in the selectbox labelled ``label`` (outside a form: a rerun)."""
    tab = walk.tab
    box = tab.locator('[data-testid="stSelectbox"]').filter(has_text=label)
    if box.locator("input").input_value() == option:  # chosen already: choosing it again changes nothing
        return
    box.locator("input").click()
    tab.keyboard.type(option)  # the drop-down keeps the options that contain what is typed
    choice = tab.locator('[role="option"]').filter(has_text=option).first
    walk.act(f"pick_{option[:12]}", lambda: choice.click())


def _open_tab(walk: Walk, step: str, name: str) -> None:
    if walk.tab.get_by_role("tab", name=name, exact=True).get_attribute("aria-selected") == "true":
        return  # the page kept it open: clicking it again changes nothing
    walk.act(step, lambda: walk.tab.get_by_role("tab", name=name, exact=True).click())


def move_alert(walk: Walk, alert: str, to_state: str) -> str:
    """消费提示 → 办理消费提示: pick ``alert`` (its "id · title"), choose ``to_state``, confirm.
    Returns the success message."""
    tab = walk.tab
    _pick_option(walk, t("blacklist.pick_alert"), alert)
    state = t(f"blacklist.alert_state.{to_state}")
    radio = tab.locator('[data-testid="stRadio"]').filter(has_text=t("blacklist.move_to"))
    radio.get_by_text(state, exact=True).click()  # a rerun only when it was not chosen already
    tab.wait_for_timeout(500)
    walk.settled()
    walk.act(f"move_{to_state}", lambda: tab.locator(".st-key-alert_submit button").click())
    return walk.success()


def publicity_drafts_alert(walk: Walk, title: str, body: str) -> dict:
    """黑名单与消费提示 as the publicity staff: a consumer alert written freely and saved as a draft;
    the page then says who else must approve it (四眼原则). Returns what the steps showed."""
    tab, seen = walk.tab, {}
    walk.open_page("blacklist")
    _open_tab(walk, "alerts_tab", t("blacklist.tab_alerts"))
    tab.get_by_label(t("blacklist.title_field"), exact=True).fill(title)
    tab.get_by_label(t("blacklist.body_field"), exact=True).fill(body)
    walk.act("save_draft", lambda: walk.button(t("blacklist.save_draft")).click())
    seen["drafted"] = walk.success()
    seen["id"] = int(re.search(r"\d+", seen["drafted"]).group())
    seen["alert"] = f"{seen['id']} · {title}"
    _pick_option(walk, t("blacklist.pick_alert"), seen["alert"])
    seen["four_eyes"] = tab.locator('[data-testid="stAlertContentInfo"]').filter(has_text="四眼").inner_text()
    seen["offered"] = (
        tab.locator('[data-testid="stRadio"]').filter(has_text=t("blacklist.move_to")).all_inner_texts()
    )
    seen["english"] = walk.streamlit_english()
    return seen


def office_approves_alert(walk: Walk, alert: str) -> str:
    """The second pair of eyes (the office): the publicity staff's draft approved."""
    walk.open_page("blacklist")
    _open_tab(walk, "alerts_tab", t("blacklist.tab_alerts"))
    return move_alert(walk, alert, "approved")


def publicity_publishes(walk: Walk, alert: str) -> dict:
    """The publicity staff publish the approved alert, then the public site (发布公开网站)."""
    seen = {}
    walk.open_page("blacklist")  # again: the approval was made in another session
    _open_tab(walk, "alerts_tab_again", t("blacklist.tab_alerts"))
    seen["published"] = move_alert(walk, alert, "published")
    _open_tab(walk, "public_tab", t("blacklist.tab_public"))
    walk.act("publish_site", lambda: walk.button(t("blacklist.publish_site")).click())
    seen["site"] = walk.success()
    seen["exceptions"] = walk.exceptions()
    return seen
