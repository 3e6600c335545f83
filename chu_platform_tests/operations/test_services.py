"""`make up` starts the daemon and the webserver in the background; `make down` stops them
and leaves no process behind."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request

import psutil

from chu_platform.deploy.settings import project_root
from chu_platform_tests.operations.conftest import free_port


def _ours(data) -> list[psutil.Process]:
    """Every live process whose command line or environment names this test's data directory."""
    found = []
    for process in psutil.process_iter(["cmdline"]):
        try:
            if process.status() == psutil.STATUS_ZOMBIE:
                continue
            if str(data) in " ".join(process.info["cmdline"] or []) or \
                    process.environ().get("CHU_DATA_DIR") == str(data):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def _user_env(data, port: int) -> dict[str, str]:
    """The user's shell (uv's own settings included), without any platform variable but the
    data directory, the UI's port and a pseudonym key."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHU_", "DAGSTER_", "PYTEST_"))}
    env.update(CHU_DATA_DIR=str(data), CHU_UI_PORT=str(port), CHU_PSEUDONYM_KEY="test-key-not-secret")
    return env


def test_make_up_then_down_leaves_no_process(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    env = _user_env(data, port)
    up = subprocess.run(["make", "-s", "up"], cwd=project_root(), env=env, capture_output=True, text=True, timeout=400)
    try:
        assert up.returncode == 0, up.stdout + up.stderr
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=10) as answer:
            assert answer.status == 200
        pids = {name: int((data / "dagster" / "pids" / f"{name}.pid").read_text()) for name in ("daemon", "webserver")}
        assert all(psutil.pid_exists(pid) for pid in pids.values())
        assert (data / "logs" / "daemon.log").exists() and (data / "logs" / "webserver.log").exists()
        again = subprocess.run(["make", "-s", "up"], cwd=project_root(), env=env, capture_output=True, text=True,
                               timeout=400)
        assert "already running" in again.stdout
    finally:
        down = subprocess.run(["make", "-s", "down"], cwd=project_root(), env=env, capture_output=True, text=True,
                              timeout=200)
    assert down.returncode == 0, down.stdout + down.stderr
    assert "daemon: stopped" in down.stdout and "webserver: stopped" in down.stdout
    assert not _ours(data), [p.cmdline() for p in _ours(data)]
    assert not list((data / "dagster" / "pids").glob("*.pid"))


def test_a_webserver_that_cannot_start_fails_make_up_at_once_with_its_log(tmp_path):
    data = tmp_path / "data"
    port = free_port()
    env = _user_env(data, port)
    with socket.socket() as holder:  # the port taken (bound, not listening): the webserver cannot bind it
        holder.bind(("127.0.0.1", port))
        started = time.monotonic()
        try:
            up = subprocess.run(["make", "-s", "up"], cwd=project_root(), env=env, capture_output=True, text=True,
                                timeout=400)
            waited = time.monotonic() - started
        finally:
            down = subprocess.run(["make", "-s", "down"], cwd=project_root(), env=env, capture_output=True,
                                  text=True, timeout=200)
    assert up.returncode != 0
    assert f"the webserver has exited without answering on 127.0.0.1:{port}" in up.stderr, up.stdout + up.stderr
    assert "address already in use" in up.stderr.lower(), up.stderr  # the log's own words
    assert waited < 150, waited  # not the whole wait: its exit ended it
    assert "daemon: stopped" in down.stdout and not _ours(data)


def test_the_instance_tables_exist_before_the_services_start(tmp_path, monkeypatch):
    """`make up` creates the new instance's tables itself: started together on a new instance,
    the daemon and the webserver both created them and the loser exited (``table
    asset_daemon_asset_evaluations already exists``, seen in CI)."""
    import sqlite3

    from chu_platform.deploy import services

    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    monkeypatch.setenv("CHU_DATA_DIR", str(tmp_path / "data"))
    home, env = services.environment()
    schedules = home / "schedules" / "schedules.db"
    assert not schedules.exists()
    services.create_storage(home, env)
    with sqlite3.connect(schedules) as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"asset_daemon_asset_evaluations", "jobs", "job_ticks"} <= tables
