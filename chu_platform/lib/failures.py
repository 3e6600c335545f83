"""Run failures as operators read them: one line per failed run in a log file, and the same
line posted to a webhook (a chat channel, an incident tool) when one is configured."""

from __future__ import annotations

import json
import os
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class Failure:
    run_id: str
    job: str
    partition: str | None
    at: datetime
    steps: tuple[tuple[str, str], ...]  # (step key, first line of its error)
    message: str

    def line(self) -> str:
        """``<time> FAILED run=<id> job=<job> [partition=<p>] step <key>: <error>; ...``"""
        where = f" partition={self.partition}" if self.partition else ""
        if self.steps:
            what = "; ".join(f"step {key}: {error}" for key, error in self.steps)
        else:
            what = self.message
        return f"{self.at.isoformat(timespec='seconds')} FAILED run={self.run_id} job={self.job}{where} {what}"


def first_line(text: str, limit: int = 300) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def append(log: Path, line: str) -> None:
    """Append one line; the directory is owner-only, as the rest of ``data/``."""
    log.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(log, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(line.replace("\n", " ") + "\n")


def post(url: str, failure: Failure, timeout: float = 10.0) -> int:
    """POST the failure as JSON (``text`` holds the line, Slack- and Teams-style); the status."""
    body = json.dumps({
        "text": failure.line(), "run_id": failure.run_id, "job": failure.job, "partition": failure.partition,
        "steps": [{"step": key, "error": error} for key, error in failure.steps],
    }).encode()
    request = urllib.request.Request(url, data=body, method="POST", headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.status
