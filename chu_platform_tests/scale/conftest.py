"""Fixtures of the scale-out and reliability tests: the machine's broker, a Dagster home."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from chu_platform_tests.conftest import missing

BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin"


def start_daemon(workspace: Path, cwd: Path, env: dict[str, str], log: Path, platform: bool = False) -> subprocess.Popen:
    """Dagster's daemon on ``workspace`` (``platform``: as the platform starts it,
    ``chu_platform/lib/daemon.py``), in a session of its own (stopped by
    ``services.stop_process_group``), its output in ``log``."""
    command = [sys.executable, "-m", "chu_platform.lib.daemon"] if platform else [str(BIN / "dagster-daemon")]
    return subprocess.Popen([*command, "run", "-w", str(workspace)], cwd=cwd, env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True)


def wait_for(what: str, predicate, timeout: float, log: Path, poll: float = 0.5):
    """``predicate()``'s first true value within ``timeout`` seconds, or an error ending with the
    daemon's log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(poll)
    raise AssertionError(f"{what} not within {timeout} s; daemon log:\n{log.read_text()[-4000:]}")


def reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def need_service(name: str, host: str, port: int) -> None:
    """Skip without the service on a developer's machine; fail under CI=true."""
    if reachable(host, port):
        return
    missing(f"{name} is not answering on {host}:{port}")


@pytest.fixture
def dagster_home(tmp_path: Path) -> Path:
    """A persistent instance (SQLite) of its own: runs, events and the daemon's heartbeats."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump({"telemetry": {"enabled": False}}))
    # Create the SQLite schema once here: processes started together would race to migrate it.
    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(home))) as instance:
        instance.get_runs(limit=1)
    return home


def platform_env(data: Path, home: Path, **extra: str) -> dict[str, str]:
    """The environment of a Dagster process (CLI, worker, daemon) working on ``data``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CHU_", "DAGSTER_"))}
    env.update({
        "DAGSTER_HOME": str(home), "CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(data / "landing"),
        "CHU_PSEUDONYM_KEY": "test-key-not-secret", "PYTHONUNBUFFERED": "1",
        "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
    })
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def generated_deaths(tmp_path_factory) -> Path:
    """A generated INSEE deaths file of 2019 (deces/deces-2019.txt and its folder)."""
    landing = tmp_path_factory.mktemp("generated_deaths") / "landing"
    subprocess.run([str(BIN / "chu"), "generate", "--no-database", "--scale", "0.001", "--years", "2019",
                    "--landing", str(landing)], check=True, capture_output=True)
    return landing / "deces"
