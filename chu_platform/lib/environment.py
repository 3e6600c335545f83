"""Failures of the machine rather than of the data: a full disk, a read-only or forbidden
directory, too many open files. A command that meets one ends with one line naming the cause
and the path, and leaves no run of its own open in the Dagster instance.

Before, a full disk buried ``No space left on device`` in the middle of the log, ended on a
SQLite traceback (``database or disk is full``) and left runs STARTED forever, so the UI
showed them running. The run history itself lives on the full disk: to record the runs'
failure there is room only because each command that builds keeps a small reserve file in
the data directory (``keep_reserve``), which it gives back when the disk is full.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dagster is imported where it is used: `chu --help` stays quick
    import dagster as dg

RESERVE_NAME = ".chu-reserve"
RESERVE_BYTES = 8 << 20

# errno -> (cause, what to do)
_ERRNOS = {
    errno.ENOSPC: ("no space left on device", "free space on the file system that holds it, then run again"),
    errno.EDQUOT: ("disk quota exceeded", "free space or raise the quota, then run again"),
    errno.EROFS: ("read-only file system", "mount it read-write or point CHU_DATA_DIR elsewhere, then run again"),
    errno.EACCES: ("permission denied", "give this OS user write access to it, then run again"),
    errno.EPERM: ("operation not permitted", "give this OS user write access to it, then run again"),
    errno.EMFILE: ("too many open files", "raise the limit (ulimit -n), then run again"),
    errno.ENFILE: ("too many open files on the system", "raise the system's limit, then run again"),
    errno.EIO: ("input/output error", "check the disk (dmesg), then run again"),
}
# What libraries say instead of raising an OSError (SQLite, deltalake's Rust I/O, DuckDB).
_TEXTS = [
    (re.compile(r"No space left on device|database or disk is full|os error 28|Errno 28", re.I), errno.ENOSPC),
    (re.compile(r"Disk quota exceeded|os error 122", re.I), errno.EDQUOT),
    (re.compile(r"Read-only file system|attempt to write a readonly database|os error 30", re.I), errno.EROFS),
    (re.compile(r"Too many open files|os error 24", re.I), errno.EMFILE),
    (re.compile(r"disk I/O error|Input/output error|os error 5\b", re.I), errno.EIO),
]
_PATH = re.compile(r"""['"](/[^'"]+)['"]|(?:path|file|at)[: ]+(/[^\s'",)]+)""")


@dataclass(frozen=True)
class Failure:
    code: int
    path: str | None

    @property
    def line(self) -> str:
        cause, advice = _ERRNOS[self.code]
        where = f" at {self.path}" if self.path else ""
        return f"{cause}{where}: {advice}"


def _chain(error: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        error = error.__cause__ or error.__context__


def from_text(text: str, path: str | None = None) -> Failure | None:
    for pattern, code in _TEXTS:
        if pattern.search(text):
            found = _PATH.search(text)
            return Failure(code, path or (found and (found.group(1) or found.group(2))) or None)
    return None


def from_exception(error: BaseException, default_path: str | None = None) -> Failure | None:
    """The environment failure behind ``error`` (anywhere in its chain), or ``None``."""
    for link in _chain(error):
        if isinstance(link, OSError) and link.errno in _ERRNOS:
            # A permission error on a file the command only reads is a failure of the setup too.
            return Failure(link.errno, link.filename or default_path)
    for link in _chain(error):
        failure = from_text(str(link))
        if failure is not None:
            return Failure(failure.code, failure.path or default_path)
    return None


def _messages(error) -> Iterator[str]:
    while error is not None:
        yield error.message
        error = error.cause or getattr(error, "context", None)


def from_runs(instance: "dg.DagsterInstance", since: datetime, lake: str | None = None) -> Failure | None:
    """The first environment failure among the step failures of the runs created since
    ``since``; where the library's message names no path, the table the step writes under
    ``lake`` (step ``gold__dim_date``: ``<lake>/gold/dim_date``)."""
    import dagster as dg

    for run in instance.get_runs(dg.RunsFilter(created_after=since)):
        for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.STEP_FAILURE):
            data = entry.dagster_event.event_specific_data
            for message in _messages(getattr(data, "error", None)):
                failure = from_text(message)
                if failure is None:
                    continue
                step = (entry.step_key or "").split("__")
                if failure.path is None and lake and len(step) == 2:
                    return Failure(failure.code, f"{lake.rstrip('/')}/{step[0]}/{step[1]}")
                return failure
    return None


def close_open_runs(instance: "dg.DagsterInstance", since: datetime, failure: Failure, data_dir: str | Path) -> int:
    """Mark FAILURE every run created since ``since`` that is still open (the command that
    started them is ending); on a full disk, the reserve file is given back first."""
    import dagster as dg

    if failure.code in (errno.ENOSPC, errno.EDQUOT):
        release_reserve(data_dir)
    open_statuses = [dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED]
    runs = instance.get_runs(dg.RunsFilter(statuses=open_statuses, created_after=since))
    for run in runs:
        instance.report_run_failed(run, f"the command that started this run ended on: {failure.line}")
    return len(runs)


def keep_reserve(data_dir: str | Path) -> None:
    """Hold ``RESERVE_BYTES`` of the data directory's disk (given back on a full disk)."""
    path = Path(data_dir) / RESERVE_NAME
    try:
        if path.exists() and path.stat().st_size >= RESERVE_BYTES:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            os.posix_fallocate(fd, 0, RESERVE_BYTES)
        finally:
            os.close(fd)
    except OSError:
        # No room even for the reserve: the command will say so itself, with its path.
        path.unlink(missing_ok=True)


def release_reserve(data_dir: str | Path) -> None:
    (Path(data_dir) / RESERVE_NAME).unlink(missing_ok=True)


def now() -> datetime:
    return datetime.now(UTC)
