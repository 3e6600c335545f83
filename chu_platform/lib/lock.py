"""One ``chu run`` at a time per data directory.

Two runs started together on one data directory both saw each table as absent and both
created it, so the second write appended to the first (bronze/care_prescriptions doubled,
gold/agg_deaths_by_region 54 rows for 36) and both exited 0. The run takes an exclusive
lock on ``<data_dir>/.chu-run.lock`` for its whole life and a second one is refused at once,
naming the first. The lock is an ``flock``: the kernel releases it when the holder ends,
even killed, so a crash never leaves the directory locked.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import click

LOCK_NAME = ".chu-run.lock"


class DataDirBusy(click.ClickException):
    """Another process holds the data directory's run lock (the CLI prints it and exits 1)."""


@contextmanager
def data_dir_lock(data_dir: str | Path) -> Iterator[Path]:
    """Hold the run lock of ``data_dir`` for the ``with`` block; ``DataDirBusy`` if it is taken."""
    path = Path(data_dir).resolve() / LOCK_NAME
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 4096, 0).decode("utf-8", "replace").strip() or "another process"
            raise DataDirBusy(
                f"{path.parent} is in use by another chu run or backfill ({holder}): wait for it to finish, "
                "then run again (two runs writing the same tables at once would double rows)"
            ) from None
        os.ftruncate(fd, 0)
        started = datetime.now(UTC).isoformat(timespec="seconds")
        os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}, started {started}".encode(), 0)
        yield path
    finally:
        os.close(fd)
