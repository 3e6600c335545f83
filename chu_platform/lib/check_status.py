"""A check's status, decided in one place for every page that shows one: the dashboard's quality
page, its overview's narrative, ``chu run``'s summary and ``chu backfill``'s gate.

A check's result is ``passed``, ``warned`` (it did not pass and has WARN severity: the data are
kept, a data steward decides) or ``failed`` (ERROR severity: downstream assets do not run).
A year-partitioned check has one result per year; its status is the worst of each year's
latest result, so a year that failed is never hidden by a later year that passed. A check
with no result reads ``not run``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import dagster as dg

PASSED, WARNED, FAILED, NOT_RUN = "passed", "warned", "failed", "not run"
_RANK = {NOT_RUN: 0, PASSED: 1, WARNED: 2, FAILED: 3}
# Enough for the latest result of every year of the longest partitioning (deaths from 1970)
# after a few runs.
_HISTORY = 1000


def of(evaluation: dg.AssetCheckEvaluation) -> str:
    """The status of one result."""
    if evaluation.passed:
        return PASSED
    return WARNED if evaluation.severity == dg.AssetCheckSeverity.WARN else FAILED


def worst(statuses: Iterable[str]) -> str:
    return max(statuses, key=_RANK.__getitem__, default=NOT_RUN)


@dataclass(frozen=True)
class CheckStatus:
    status: str
    # Per partition (None: an unpartitioned check) its latest result's status.
    partitions: Mapping[str | None, str]
    # When the latest result was recorded (epoch seconds), None when never run.
    at: float | None

    @property
    def not_passed(self) -> list[str]:
        """The partitions whose latest result did not pass, in order."""
        return sorted(p for p, s in self.partitions.items() if p is not None and s in (WARNED, FAILED))


def _evaluation(record) -> dg.AssetCheckEvaluation | None:
    event = record.event.dagster_event if record.event is not None else None
    data = event.event_specific_data if event is not None else None
    return data if isinstance(data, dg.AssetCheckEvaluation) else None


# Metadata of a copy of an unpartitioned check's result on a year of its run
# (``defs/table_checks.py``, which closes what Dagster planned per year): the pages read the
# unpartitioned result only.
RUN_YEAR_COPY = "copy_for_the_run_year"


def _run_year_copy(evaluation: dg.AssetCheckEvaluation) -> bool:
    return RUN_YEAR_COPY in (evaluation.metadata or {})


def latest(instance: dg.DagsterInstance | None, keys: Sequence[dg.AssetCheckKey]) -> dict[dg.AssetCheckKey, CheckStatus]:
    """Each check's status from the instance's results (``not run`` without an instance)."""
    out = {}
    for key in keys:
        history = instance.event_log_storage.get_asset_check_execution_history(key, limit=_HISTORY) if instance else []
        partitions: dict[str | None, str] = {}
        at = None
        for record in history:  # newest first
            evaluation = _evaluation(record)
            if evaluation is None or record.partition in partitions or _run_year_copy(evaluation):
                continue
            partitions[record.partition] = of(evaluation)
            at = record.create_timestamp if at is None else at
        out[key] = CheckStatus(worst(partitions.values()), partitions, at)
    return out
