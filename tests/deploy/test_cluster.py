"""The deployment's topology, as `make cluster` starts it, driven through the proxy in Chromium.

``deploy/cluster.sh start`` (what ``make cluster`` runs) brings up a PostgreSQL database of the
test's own, two app replicas and Debian's nginx with ``deploy/nginx.conf`` on free loopback ports.
Two browsers are pinned to different replicas by their route cookie (nginx sets it; which value
lands where is read from nginx's access log). The test then signs in on both, shows that an
upload sent to the replica not holding the session is refused (what happens without affinity),
uploads a register on 数据管理 in the first browser through its own replica, sees the new
enterprises in the second browser's overview, served by the other replica from its own cache of
the frame, stops the first replica, and signs in again through the proxy: the next replica
serves, and the record is intact.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from tests.conftest import DEFAULT_PG
from tests.dashboard.test_browser import _free_port, browser  # noqa: F401 - the fixture
from tests.files.import_files import HEADER, codes, to_csv
from traceboard.accounts.accounts import DEMO_PASSWORD
from traceboard.dashboard.i18n import translate
from traceboard.data import models as m

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "var" / "screenshots"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
ROUTE = "traceboard_route"
NGINX_ERROR = re.compile(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d \[")  # how nginx's error log starts a line
pytestmark = [pytest.mark.browser, pytest.mark.slow]


class Cluster:
    def __init__(self, directory: Path, url: str, ports: list[int], database_url: str) -> None:
        self.dir, self.url, self.ports, self.database_url = directory, url, ports, database_url

    def _log(self) -> list[str]:
        return (self.dir / "nginx.log").read_text(encoding="utf-8").splitlines()

    def access_log(self) -> list[str]:
        """The requests nginx served (deploy/nginx.conf's format); its own errors share the file."""
        return [line for line in self._log() if not NGINX_ERROR.match(line)]

    def error_log(self) -> list[str]:
        """nginx's own messages (``2026/12/02 03:06:00 [error] …``), e.g. a replica it could not reach."""
        return [line for line in self._log() if NGINX_ERROR.match(line)]

    def upstreams(self, pattern: str) -> set[str]:
        """The replica ports that served the logged requests matching ``pattern``."""
        lines = [line for line in self.access_log() if re.search(pattern, line)]
        return {re.search(r"upstream=127\.0\.0\.1:(\d+)", line).group(1) for line in lines}

    def route_to(self, port: int) -> str:
        """A route cookie value that nginx sends to the replica on ``port``."""
        import urllib.request

        for i in range(64):
            value = f"probe{i}"
            request = urllib.request.Request(
                f"{self.url}/_stcore/health?route={value}", headers={"Cookie": f"{ROUTE}={value}"}
            )
            urllib.request.urlopen(request, timeout=5).read()
            if self.upstreams(rf"route={value} ") == {str(port)}:
                return value
        raise AssertionError(f"no route cookie value reaches replica {port}")


@pytest.fixture(scope="module")
def cluster():
    if not Path(NGINX).exists():
        pytest.fail("nginx is missing: install Debian's nginx package (make test does)")
    # Not under pytest's owner-only tmp folder: nginx, started by root, runs as nobody.
    directory = Path(tempfile.mkdtemp(prefix="traceboard-cluster-"))
    directory.chmod(0o755)
    admin_url = make_url(os.environ.get("TRACEBOARD_TEST_POSTGRES_URL", DEFAULT_PG))
    database = f"traceboard_cluster_{uuid.uuid4().hex[:8]}"
    database_url = admin_url.set(database=database).render_as_string(hide_password=False)
    proxy, *apps = (_free_port() for _ in range(3))
    env = {
        **os.environ,
        "TRACEBOARD_CLUSTER_DIR": str(directory),
        "TRACEBOARD_CLUSTER_PORT": str(proxy),
        "TRACEBOARD_CLUSTER_APP_PORTS": " ".join(map(str, apps)),
        "TRACEBOARD_CLUSTER_DATABASE_URL": database_url,
        "TRACEBOARD_CLUSTER_DEMO": "300",
        "TRACEBOARD_BIN": str(Path(sys.executable).parent),
        "NGINX": NGINX,
    }
    script = str(ROOT / "deploy" / "cluster.sh")
    started = subprocess.run([script, "start"], env=env, capture_output=True, text=True, timeout=180)
    try:
        assert started.returncode == 0, started.stderr[-3000:]
        url = f"http://127.0.0.1:{proxy}"
        assert f"traceboard cluster: {url}" in started.stdout
        yield Cluster(directory, url, apps, database_url)
    finally:
        stopped = subprocess.run([script, "stop"], env=env, capture_output=True, text=True, timeout=60)
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()
    assert stopped.returncode == 0, stopped.stderr
    assert not list(directory.glob("*.pid"))
    shutil.rmtree(directory)


def ready(tab) -> None:
    """The script run has finished (Streamlit marks the app element with its state)."""
    tab.wait_for_selector('[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=60_000)


def sign_in(tab) -> None:
    """Sign in as the demo office on the sign-in page the tab has loaded."""
    tab.get_by_label("用户名").wait_for(timeout=60_000)
    tab.get_by_label("用户名").fill("demo-office")
    tab.get_by_label("密码", exact=True).fill(DEMO_PASSWORD)
    tab.get_by_role("button", name="登录").click()
    tab.wait_for_selector("text=demo-office", timeout=30_000)


def open_page(tab, title: str) -> None:
    tab.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=title, exact=True).click()
    tab.get_by_role("heading", name=title, level=1).wait_for(timeout=30_000)
    ready(tab)


def active_enterprises(tab, *, rerun: bool = True) -> int:
    """The overview's 在营企业 figure (the office's first page), from a fresh run of the page."""
    if rerun:  # by way of another page: a click on the page shown need not run it again
        open_page(tab, "公众查询")
        open_page(tab, "总览")
    else:
        tab.get_by_role("heading", name="总览", level=1).wait_for(timeout=30_000)
        ready(tab)
    metric = tab.locator('[data-testid="stMetric"]').filter(has_text="在营企业")
    return int(metric.locator('[data-testid="stMetricValue"]').inner_text().replace(",", ""))


def shot(tab, name: str) -> None:
    """A screenshot under var/screenshots/, and no Streamlit exception on the page."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert tab.locator('[data-testid="stException"]').all_inner_texts() == []


def route_cookie(page, url: str, value: str) -> None:
    """Set the browser's route cookie to ``value`` and see it stay: nginx sets the cookie on every
    response to the route the request went by, so a response still in flight would put the old one
    back. Set again until it has held for half a second."""
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        page.context.add_cookies([{"name": ROUTE, "value": value, "url": url}])
        page.wait_for_timeout(500)
        if all(c["value"] == value for c in page.context.cookies(url) if c["name"] == ROUTE):
            return
    pytest.fail(f"the route cookie did not stay at {value}")


def count_enterprises(database_url: str) -> int:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        count = conn.scalar(select(func.count()).select_from(m.Enterprise))
    engine.dispose()
    return count


def test_sessions_on_two_replicas_share_the_record_and_survive_losing_one(cluster, browser, tmp_path):  # noqa: F811
    first_port, second_port = cluster.ports
    nginx = int((cluster.dir / "nginx.pid").read_text())
    assert Path(f"/proc/{nginx}").stat().st_uid != 0  # the proxy runs unprivileged, even when root starts it
    routes = {port: cluster.route_to(port) for port in cluster.ports}
    tabs = []
    for port in cluster.ports:
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, locale="zh-CN")
        context.add_cookies([{"name": ROUTE, "value": routes[port], "url": cluster.url}])
        tabs.append(context.new_page())
        tabs[-1].goto(cluster.url, wait_until="commit")  # both replicas run their first page at once
    for tab in tabs:
        sign_in(tab)
    first, second = tabs
    before = active_enterprises(second, rerun=False)  # the second replica now caches the frame
    stored = count_enterprises(cluster.database_url)

    # Upload a register of three new enterprises on 数据管理 in the first replica's session.
    register = tmp_path / "新增企业名录.csv"
    rows = [
        [i, code, f"湘乡市集群测试{i}号食品有限公司", "山枣镇", "食品", "白酒", "否", "", "否", ""]
        for i, code in enumerate(codes(3, seed=2026), start=1)
    ]
    register.write_bytes(to_csv([HEADER, *rows], "utf-8"))
    upload = first.get_by_label(translate("data_admin.upload")).get_by_test_id("stFileUploaderDropzoneInput")

    # Without affinity the upload is lost: the first session's upload sent to the other replica
    # (its route cookie swapped for a moment) is refused there, which does not know the session.
    open_page(first, "数据管理")
    route_cookie(first, cluster.url, routes[second_port])
    upload.set_input_files(str(register))
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and not cluster.upstreams(r'"PUT /_stcore/upload_file'):
        time.sleep(0.2)
    refused = [line for line in cluster.access_log() if '"PUT /_stcore/upload_file' in line]
    assert refused and all(f"127.0.0.1:{second_port} status=400" in line for line in refused), refused
    route_cookie(first, cluster.url, routes[first_port])

    # With affinity: a fresh page, the same file, the first replica.
    open_page(first, "总览")
    open_page(first, "数据管理")
    upload.set_input_files(str(register))
    first.get_by_role("button", name="确认导入 3 行").click(timeout=30_000)
    first.wait_for_selector("text=导入完成：新增 3 家", timeout=30_000)
    shot(first, "cluster_upload")
    accepted = [line for line in cluster.access_log() if '"PUT /_stcore/upload_file' in line][len(refused) :]
    assert accepted and all(f"127.0.0.1:{first_port} status=204" in line for line in accepted), accepted

    # The other replica's session sees the change (its frame cache follows the database).
    assert active_enterprises(second) == before + 3
    shot(second, "cluster_other_replica")

    # Lose the first replica: its browser signs in again through the proxy, on the second one.
    pid = int((cluster.dir / f"app-{first_port}.pid").read_text())
    os.kill(pid, signal.SIGKILL)  # a crash, not a shutdown
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
        time.sleep(0.2)
    served, errors = len(cluster.access_log()), len(cluster.error_log())
    first.goto(cluster.url)
    sign_in(first)
    assert active_enterprises(first, rerun=False) == before + 3
    shot(first, "cluster_after_failover")
    # Every request since went to the second replica in the end (nginx logs the replicas it
    # tried, in order), none failed, and nothing was refused for want of a replica.
    after_loss = cluster.access_log()[served:]
    assert after_loss
    for line in after_loss:
        assert re.search(rf"upstream=(\S+, )?127\.0\.0\.1:{second_port} ", line), line
        assert not re.search(r'" 50\d ', line), line
    # nginx's only complaints since are about the lost replica: its refusing a connection (then
    # nginx tried the other), and nginx's warning that it set the replica aside for a while after
    # those failures ("upstream server temporarily disabled", logged when max_fails is reached)
    about_the_loss = ("connect() failed", "upstream server temporarily disabled")
    for line in cluster.error_log()[errors:]:
        assert any(kind in line for kind in about_the_loss), line
        assert f'upstream: "http://127.0.0.1:{first_port}/' in line, line
    assert count_enterprises(cluster.database_url) == stored + 3
    for tab in tabs:
        tab.context.close()
