"""The image and compose definitions are valid and keep the deployment's rules.

The compose file is read by Docker Compose v2 itself (`config` needs no daemon; ``make test``
puts the binary under ``.venv/tools``); where no Compose v2 exists the check is skipped with that
reason. The Dockerfile is linted by hadolint (from the lock) and read back with dockerfile-parse.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from traceboard import config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent
SECRETS = {"db_password", "cookie_secret", "audit_key"}
APPS = ("migrate", "app1", "app2", "backup")


def compose_command() -> list[str] | None:
    for candidate in (ROOT / ".venv" / "tools" / "docker-compose", shutil.which("docker-compose")):
        if candidate and Path(candidate).exists():
            return [str(candidate)]
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True).returncode == 0:
        return [docker, "compose"]
    return None


def compose_config(path: Path) -> subprocess.CompletedProcess:
    command = compose_command()
    if command is None:
        pytest.skip("no Docker Compose v2 on this machine (make test installs it under .venv/tools)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TRACEBOARD_", "COMPOSE_"))}
    return subprocess.run(
        [*command, "-f", str(path), "config", "--format", "json"], capture_output=True, text=True, env=env
    )


@pytest.fixture(scope="module")
def compose() -> dict:
    result = compose_config(DEPLOY / "compose.yaml")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_compose_rejects_a_broken_file(tmp_path):
    """The check can fail: a misspelt key is an error."""
    broken = (DEPLOY / "compose.yaml").read_text(encoding="utf-8").replace("depends_on:", "depend_on:", 1)
    (tmp_path / "compose.yaml").write_text(broken, encoding="utf-8")
    result = compose_config(tmp_path / "compose.yaml")
    assert result.returncode != 0 and "depend_on" in result.stderr


def test_compose_topology(compose):
    services = compose["services"]
    assert set(services) == {"db", "migrate", "app1", "app2", "proxy", "backup"}
    assert any(
        v["target"] == "/var/lib/postgresql/data" and v["type"] == "volume" for v in services["db"]["volumes"]
    )
    # Migrations once, before the replicas; the proxy only after both replicas are healthy.
    assert services["migrate"]["command"] == ["migrate"] and services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for replica in ("app1", "app2"):
        assert services[replica]["command"] == ["serve"]
        assert services[replica]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert services["proxy"]["depends_on"][replica]["condition"] == "service_healthy"
    mounts = {v["source"].removeprefix(str(DEPLOY) + "/"): v["target"] for v in services["proxy"]["volumes"]}
    assert mounts["nginx.conf"] == "/etc/nginx/traceboard/nginx.conf"
    upstream = (DEPLOY / "compose" / "traceboard-upstream.conf").read_text(encoding="utf-8")
    assert re.findall(r"^server (\w+):8501 ", upstream, re.MULTILINE) == ["app1", "app2"]
    assert services["backup"]["command"] == ["backup-nightly"]
    assert any(v["target"] == "/backups" and v["type"] == "volume" for v in services["backup"]["volumes"])


def test_compose_secrets_come_from_files_never_from_values(compose):
    assert {
        name: Path(s["file"]).relative_to(DEPLOY).as_posix() for name, s in compose["secrets"].items()
    } == {name: f"secrets/{name}" for name in SECRETS}
    for name in APPS:
        service = compose["services"][name]
        assert {s["source"] for s in service["secrets"]} == SECRETS
        env = service["environment"]
        assert env["TRACEBOARD_DATABASE_PASSWORD_FILE"] == "/run/secrets/db_password"
        assert env["TRACEBOARD_COOKIE_SECRET_FILE"] == "/run/secrets/cookie_secret"
        assert (
            "@" in env["TRACEBOARD_DATABASE_URL"]
            and ":" not in env["TRACEBOARD_DATABASE_URL"].split("//")[1].split("@")[0]
        )
    assert compose["services"]["db"]["environment"]["POSTGRES_PASSWORD_FILE"] == "/run/secrets/db_password"


def test_dockerfile_passes_hadolint():
    result = subprocess.run([str(BIN / "hadolint"), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_keeps_the_deployment_rules():
    parser = DockerfileParser(str(ROOT / "Dockerfile"))
    final = [
        i
        for i in parser.structure
        if i["startline"] > max(i["startline"] for i in parser.structure if i["instruction"] == "FROM")
    ]
    last = {i["instruction"]: i["value"] for i in final}
    assert parser.baseimage.startswith("python:3.") and "slim" in parser.baseimage
    user = last["USER"].split(":")[0]
    assert user.isdigit() and int(user) >= 1000  # not root, resolvable by any orchestrator
    assert "/_stcore/health" in last["HEALTHCHECK"]
    assert any("fonts-noto-cjk" in i["value"] for i in final if i["instruction"] == "RUN")
    assert any(
        "--constraint requirements.lock" in i["value"] for i in parser.structure if i["instruction"] == "RUN"
    )
    # No secret is baked in: no such build argument or variable, and the secrets folder is never copied.
    for i in parser.structure:
        if i["instruction"] in ("ENV", "ARG", "LABEL"):
            assert not re.search(r"SECRET|PASSWORD|_KEY\b|TOKEN", i["value"], re.IGNORECASE), i["value"]
        if i["instruction"] in ("COPY", "ADD"):
            assert "secret" not in i["value"].lower()
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    assert ignored[next(n for n, line in enumerate(ignored) if not line.startswith("#"))] == "*"
    assert not any("secrets" in line for line in ignored if line.startswith("!"))


def test_the_database_password_comes_from_a_file(tmp_path, monkeypatch):
    secret = tmp_path / "db_password"
    secret.write_text("s3cret/with:odd@chars\n", encoding="utf-8")
    monkeypatch.setenv("TRACEBOARD_DATABASE_URL", "postgresql+psycopg://traceboard@db:5432/traceboard")
    monkeypatch.setenv(
        "TRACEBOARD_READ_DATABASE_URL", "postgresql+psycopg://traceboard@replica:5432/traceboard"
    )
    monkeypatch.setenv("TRACEBOARD_DATABASE_PASSWORD_FILE", str(secret))
    from sqlalchemy.engine import make_url

    assert make_url(config.database_url()).password == "s3cret/with:odd@chars"
    assert make_url(config.read_database_url()).host == "replica"
    assert make_url(config.read_database_url()).password == "s3cret/with:odd@chars"


def test_the_launcher_hands_the_cookie_secret_file_to_streamlit(tmp_path):
    fake = tmp_path / "bin" / "traceboard"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\necho "$STREAMLIT_SERVER_COOKIE_SECRET $*"\n', encoding="utf-8")
    fake.chmod(0o755)
    (tmp_path / "cookie_secret").write_text("the-shared-secret\n", encoding="utf-8")
    env = {
        "PATH": f"{fake.parent}:/usr/bin:/bin",
        "TRACEBOARD_COOKIE_SECRET_FILE": str(tmp_path / "cookie_secret"),
    }
    result = subprocess.run(
        [str(DEPLOY / "entrypoint.sh"), "audit", "verify"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert result.stdout == "the-shared-secret audit verify\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="make-secrets.sh gives the audit key to uid 10001: needs root")
def test_make_secrets_creates_each_secret_once_with_the_owners_compose_needs(tmp_path):
    script = tmp_path / "make-secrets.sh"
    shutil.copy(DEPLOY / "make-secrets.sh", script)
    subprocess.run([str(script)], check=True, capture_output=True)
    secrets = tmp_path / "secrets"
    assert {p.name for p in secrets.iterdir()} == SECRETS
    assert secrets.stat().st_mode & 0o777 == 0o700
    key = secrets / "audit_key"
    assert (key.stat().st_uid, key.stat().st_mode & 0o777) == (10001, 0o600)
    assert key.read_text(encoding="ascii").startswith("-----BEGIN PRIVATE KEY-----")
    parsed = subprocess.run(
        ["openssl", "pkey", "-in", str(key), "-noout", "-text"], capture_output=True, text=True
    )
    assert parsed.returncode == 0 and "ED25519" in parsed.stdout.upper()
    for name in ("db_password", "cookie_secret"):
        assert len((secrets / name).read_text(encoding="ascii").strip()) >= 40
    before = {name: (secrets / name).read_bytes() for name in SECRETS}
    subprocess.run([str(script)], check=True, capture_output=True)  # a second run keeps them
    assert {name: (secrets / name).read_bytes() for name in SECRETS} == before


def test_nginx_accepts_the_proxy_config_with_the_compose_includes(tmp_path):
    """`nginx -t` on deploy/nginx.conf with the container's include files (the replicas' service
    names swapped for loopback: only Docker's resolver knows them)."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.fail("nginx is missing: install Debian's nginx package (make test does)")
    (tmp_path / "nginx.conf").symlink_to(DEPLOY / "nginx.conf")
    shutil.copy(DEPLOY / "compose" / "traceboard-listen.conf", tmp_path)
    upstream = (DEPLOY / "compose" / "traceboard-upstream.conf").read_text(encoding="utf-8")
    (tmp_path / "traceboard-upstream.conf").write_text(
        re.sub(r"app\d+:", "127.0.0.1:", upstream), encoding="utf-8"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", f"{tmp_path}/", "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_the_backup_service_backs_up_at_start_and_at_the_set_time_and_prunes_old_files(tmp_path):
    fake = tmp_path / "bin" / "traceboard"
    fake.parent.mkdir()
    # Stands in for `traceboard backup --out FILE`: records its arguments in FILE (written aside and
    # moved in, so that the test never reads a file half-written)
    script = (
        '#!/bin/sh\n[ "$1" = backup ] && [ "$2" = --out ] && echo "$*" > "$3.part" && mv "$3.part" "$3"\n'
    )
    fake.write_text(script, encoding="utf-8")
    fake.chmod(0o755)
    backups = tmp_path / "backups"
    backups.mkdir()
    old = backups / "traceboard-20200101-023000.jsonl.gz"
    old.write_text("old", encoding="utf-8")
    os.utime(old, (0, 0))
    at = dt.datetime.now() + dt.timedelta(seconds=3)
    if at.date() != dt.date.today():
        pytest.skip("the set time would fall on tomorrow: run again after midnight")
    env = {
        "PATH": f"{fake.parent}:/usr/bin:/bin",
        "TRACEBOARD_BACKUP_DIR": str(backups),
        "TRACEBOARD_BACKUP_AT": at.strftime("%H:%M:%S"),
        "TRACEBOARD_BACKUP_KEEP_DAYS": "30",
    }
    service = subprocess.Popen([str(DEPLOY / "entrypoint.sh"), "backup-nightly"], env=env)
    try:
        # the old file matches the pattern too: wait for two new ones (the prune after the first
        # runs before the service sleeps; counting the old one stopped it before its prune)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and len(set(backups.glob("traceboard-*.jsonl.gz")) - {old}) < 2:
            time.sleep(0.2)
    finally:
        service.kill()
        service.wait()
    made = sorted(backups.glob("traceboard-*.jsonl.gz"))
    assert not old.exists()  # older than the days kept
    assert len(made) == 2  # one at start, one at the set time
    for path in made:
        assert path.read_text(encoding="utf-8") == f"backup --out {path}\n"
        assert path.stat().st_mode & 0o077 == 0  # owner-only
