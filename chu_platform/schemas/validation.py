"""Running a Pandera model over a frame and summarising what failed, for asset checks."""

from __future__ import annotations

from dataclasses import dataclass

import pandera.polars as pa
import polars as pl
from pandera.backends.polars.register import register_polars_backends
from pandera.errors import SchemaError, SchemaErrors

# Pandera imports its Polars backends at a process's first validation; done at this module's
# import instead, a process that imports it ahead (the warm run process, lib/run_forker.py)
# leaves none of that to each run it forks.
register_polars_backends()


@dataclass(frozen=True)
class Outcome:
    passed: bool
    failures: int
    by_check: dict[str, int]
    sample: pl.DataFrame


def validate(model: type[pa.DataFrameModel], df: pl.DataFrame, sample_size: int = 10) -> Outcome:
    """Validate with ``lazy=True`` so every failing check is counted, not only the first."""
    try:
        model.validate(df, lazy=True)
    except SchemaErrors as exc:
        cases = exc.failure_cases.with_columns(pl.col("failure_case").cast(pl.String))
        counted = cases.group_by("column", "check").len().sort("len", descending=True)
        by_check = {f"{c or 'table'}: {k}": n for c, k, n in counted.iter_rows()}
        return Outcome(False, cases.height, by_check, cases.head(sample_size))
    except SchemaError as exc:
        return Outcome(False, 1, {str(exc.check or "schema"): 1}, pl.DataFrame({"error": [str(exc)[:500]]}))
    return Outcome(True, 0, {}, pl.DataFrame())
