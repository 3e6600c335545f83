"""Helpers for the operations tests: a copy of the checkout, free ports, process groups."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from chu_platform.deploy.services import group_members, stop_process_group  # noqa: F401 (group_members: for the tests)
from chu_platform.deploy.settings import project_root

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    """A port free now, below the kernel's ephemeral range (32768 and up), where the outgoing
    connections of the other tests (database clients, Dagster's gRPC) cannot take it before the
    server started on it binds it."""
    chooser = random.Random(f"{os.getpid()}-{time.monotonic_ns()}")
    while True:
        port = chooser.randrange(20000, 32000)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port


def bare_env(**extra: str) -> dict[str, str]:
    """What a user's fresh shell has: no CHU_*, DAGSTER_* variable."""
    env = {"PATH": f"{VENV_BIN}:/usr/local/bin:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/root"),
           "LANG": "C.UTF-8"}
    env.update(extra)
    return env


@pytest.fixture
def fresh_clone(tmp_path: Path) -> Path:
    """The checkout's files as git would clone them (tracked and new files, the working tree's
    contents), without data/ or .venv."""
    root = project_root()
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=root,
                            check=True, capture_output=True).stdout.decode().split("\0")
    clone = tmp_path / "clone"
    for name in filter(None, listed):
        source = root / name
        if source.is_file():
            target = clone / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (clone / "data").mkdir(exist_ok=True)
    return clone


def wait_http(url: str, timeout: float, process: subprocess.Popen | None = None) -> bool:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process is not None and process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.5)
    return False


def stop_group(process: subprocess.Popen, timeout: float = 30) -> None:
    """Stop the process group we started as `make down` stops a service's."""
    stop_process_group(process.pid, timeout)
    process.wait(10)
