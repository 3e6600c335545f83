"""The identity of a ``chu`` client process, as a tag on the runs and backfills it starts, and
whether that process still runs (``chu_platform/orchestration/clients.py``, ``lib/daemon.py``)."""

from __future__ import annotations

import os
import socket

import psutil

CLIENT_TAG = "chu/client"


def client_tag(pid: int | None = None) -> str:
    """``pid:start time@host`` of this process (a reused PID belongs to a younger process)."""
    process = psutil.Process(pid or os.getpid())
    return f"{process.pid}:{process.create_time():.2f}@{socket.gethostname()}"


def client_alive(tag: str) -> bool | None:
    """Whether the process a tag names still runs; ``None`` when it ran on another host (unknown)."""
    try:
        ident, host = tag.rsplit("@", 1)
        pid, created = ident.split(":")
    except ValueError:
        return None
    if host != socket.gethostname():
        return None
    try:
        process = psutil.Process(int(pid))
        return process.status() != psutil.STATUS_ZOMBIE and abs(process.create_time() - float(created)) < 1
    except psutil.Error:
        return False
