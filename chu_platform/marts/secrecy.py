"""Statistical secrecy: counts of people or events from 1 to 9 are published as "<10".

The SNDS rule (DESIGN.md): a count of patients, consultations, stays, deaths or survey
answers between 1 and 9 is masked, and so is every value computed from such a count (a
rate, a mean weighted by answers). Counts of establishments and HAS scores are public.

A published frame keeps its numeric columns: a masked cell is null and the row's
``masked`` flag is true, so BI tools still sum and sort the visible cells. Rendering
(``records``) turns the masked cells into the string "<10".
"""

from __future__ import annotations

import getpass
import json
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl

MASK = "<10"
THRESHOLD = 10
MASKED = "masked"


@dataclass(frozen=True)
class Secrecy:
    """Which columns of an analysis are counts about people, and what is computed from them."""

    counts: tuple[str, ...]
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def columns(self) -> tuple[str, ...]:
        return self.counts + tuple(self.derived)


def _small(column: str) -> pl.Expr:
    return pl.col(column).is_between(1, THRESHOLD - 1).fill_null(False)


def publish(df: pl.DataFrame, secrecy: Secrecy, apply: bool = True) -> pl.DataFrame:
    """The frame as it may be published: masked cells nulled, plus the ``masked`` flag.

    With ``apply=False`` (the logged ``--no-secrecy``) nothing is masked, but the flag still
    says which rows would have been.
    """
    flags = {c: _small(c) for c in secrecy.counts}
    derived = {
        c: pl.any_horizontal([flags[d] for d in deps]) for c, deps in secrecy.derived.items()
    }
    cells = {**flags, **derived}
    flagged = df.with_columns(pl.any_horizontal(list(flags.values())).alias(MASKED))
    if not apply:
        return flagged
    return flagged.with_columns(
        pl.when(rule).then(None).otherwise(pl.col(c)).alias(c) for c, rule in cells.items()
    )


def leaks(df: pl.DataFrame, secrecy: Secrecy) -> pl.DataFrame:
    """Rows of a published frame that still show a count from 1 to 9 (none, if secrecy held)."""
    return df.filter(pl.any_horizontal([_small(c) for c in secrecy.counts]))


def records(df: pl.DataFrame, secrecy: Secrecy) -> list[dict]:
    """JSON-ready rows: "<10" in each masked cell, ISO dates, rates rounded to 6 decimals."""
    out = []
    for row in df.iter_rows(named=True):
        masked = bool(row.get(MASKED))
        shaped = {}
        for name, value in row.items():
            if masked and value is None and name in secrecy.columns:
                value = MASK
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, float):
                value = round(value, 6)
            shaped[name] = value
        out.append(shaped)
    return out


def audit_record(analysis: str, parameters: Mapping[str, object], rows: int) -> pl.DataFrame:
    """One row for ``ops/secrecy_audit``: who lifted secrecy, when, for which question."""
    return pl.DataFrame(
        {
            "at": [datetime.now(UTC).replace(tzinfo=None)],
            "user": [getpass.getuser()],
            "host": [socket.gethostname()],
            "analysis": [analysis],
            "parameters": [json.dumps(dict(parameters), default=str, sort_keys=True)],
            "rows": [rows],
        },
        schema={
            "at": pl.Datetime("us"),
            "user": pl.String,
            "host": pl.String,
            "analysis": pl.String,
            "parameters": pl.String,
            "rows": pl.Int64,
        },
    )


def masked_rows(df: pl.DataFrame) -> int:
    return int(df.get_column(MASKED).sum()) if MASKED in df.columns else 0

