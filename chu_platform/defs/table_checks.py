"""A table's checks in one step: the table is read once, each property evaluated and reported on its own.

One Dagster step per check cost, per check, a step's own start and end (recorded in the
instance) and a read of the table (of the run's year). The properties stay separate checks in
the UI, each with its own result, counts and sample; a failing one hides none of the others.
"""

import functools
import warnings
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import dagster as dg
import polars as pl

from chu_platform.defs.metadata import partition_years
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.layers.marts.secrecy import preview_table
from chu_platform.lib.check_status import RUN_YEAR_COPY

# passed, and the metadata the UI shows with the result; a graded check adds the severity of
# this result (a warning past one threshold, an error past a larger one).
Outcome = tuple[bool, dict] | tuple[bool, dict, dg.AssetCheckSeverity]


class CheckData:
    """What one step's checks read, each table once however many checks use it."""

    def __init__(self, settings: ChuSettings, key: dg.AssetKey, year: int | None,
                 instance: dg.DagsterInstance | None = None, years: list[int] | None = None,
                 step: dict | None = None):
        """``year``: the run's one year; ``years``: its years when it covers a range (a
        backfill run of an asset with a single-run policy), ``year`` then None. ``step``: what
        the step's checks computed once for all the years it evaluates (``once``)."""
        self.settings = settings
        self.key = key
        self.layer, self.table_name = key.path
        self.year = year
        self.years = years if years is not None else (None if year is None else [year])
        self.instance = instance
        self._frames: dict[tuple[str, str], pl.DataFrame] = {}
        self._step = {} if step is None else step

    def once(self, key: Hashable, compute: Callable[[], object]):
        """``compute()`` once per step, whatever the number of years it evaluates: what does not
        depend on the year (the whole register's keys...) is read once, not once a year. Only
        for what the step does not change (a check step writes nothing)."""
        if key not in self._step:
            self._step[key] = compute()
        return self._step[key]

    def read(self, layer: str, table: str) -> pl.DataFrame:
        """A table as the checks see it: only the run's years for a partition run, else all of it."""
        if (layer, table) not in self._frames:
            self._frames[layer, table] = delta_store.read(self.settings.table_uri(layer, table), self.years)
        return self._frames[layer, table]

    @property
    def table(self) -> pl.DataFrame:
        """The checked table."""
        return self.read(self.layer, self.table_name)

    def whole(self, layer: str, table: str) -> pl.DataFrame:
        """All of a small table the checks read whole (a dimension, the stays file): read once
        per process and table version, not once per checked table and year."""
        uri = self.settings.table_uri(layer, table)
        return _whole(uri, delta_store.version(uri))


@functools.lru_cache(maxsize=8)
def _whole(uri: str, version: int) -> pl.DataFrame:
    return delta_store.read(uri)


@dataclass(frozen=True)
class Check:
    """One property of a table. ``name`` and ``description`` may say ``{layer}`` and ``{table}``,
    filled in for each table that declares the check. A blocking check fails with ERROR severity
    (downstream assets do not run); the others warn, for a data steward to decide."""

    name: str
    description: str
    evaluate: Callable[[CheckData], Outcome]
    blocking: bool = False
    additional_deps: tuple[dg.AssetKey, ...] = ()


def table_checks(layer: str, table: str, checks: Sequence[Check],
                 partitions_def: dg.PartitionsDefinition | None = None) -> dg.AssetChecksDefinition:
    """The checks of ``layer/table`` as one step; a subset of them (one check run from the UI)
    evaluates only those, reading only what they need.

    ``partitions_def`` (the table's, when it is year-partitioned): each result is recorded for its
    year, in a run of one year as in a range run, so the UI shows one result per year and a
    year's result never replaces another's.
    """
    key = dg.AssetKey([layer, table])
    named = {check.name.format(layer=layer, table=table): check for check in checks}
    if len(named) < len(checks):
        raise ValueError(f"{layer}/{table} declares two checks of the same name: {[c.name for c in checks]}")
    with warnings.catch_warnings():
        # Partitioned asset checks are a preview feature of Dagster 1.13: the warning would
        # be printed once per check at every start, for a choice made here once.
        warnings.simplefilter("ignore", dg.PreviewWarning)
        specs = [
            dg.AssetCheckSpec(name, asset=key, description=check.description.format(layer=layer, table=table),
                              blocking=check.blocking, additional_deps=check.additional_deps,
                              partitions_def=partitions_def)
            for name, check in named.items()
        ]

    @dg.multi_asset_check(name=f"{layer}__{table}_checks", specs=specs, can_subset=True)
    def _checks(context: dg.AssetCheckExecutionContext, settings: ChuSettings) -> Iterator[dg.AssetCheckResult]:
        # An unpartitioned table checked in a range run (its loads run with the year files') is read whole.
        years = partition_years(context) if partitions_def is not None else None
        chosen = [(name, check) for name, check in named.items() if dg.AssetCheckKey(key, name) in context.selected_asset_check_keys]
        if not years or len(years) == 1:
            data = CheckData(settings, key, years[0] if years else None, context.instance, years)
            for name, check in chosen:
                passed, metadata, severity = _evaluate(check, data)
                if partitions_def is None:
                    _close_planned_years(context, key, name, passed, metadata, severity, check.blocking)
                yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=passed, severity=severity,
                                          metadata=metadata)
            return
        # A range run: each year is evaluated on its own rows and recorded on its own partition,
        # as a run of that year alone would. A blocking check failing in any year fails the
        # step, naming the years, so that nothing downstream runs in this run.
        blocked, step = [], {}
        for year in years:
            data = CheckData(settings, key, year, context.instance, [year], step)
            for name, check in chosen:
                passed, metadata, severity = _evaluate(check, data)
                context.op_execution_context.log_event(dg.AssetCheckEvaluation(
                    asset_key=key, check_name=name, passed=passed, metadata=metadata, severity=severity,
                    partition=str(year), blocking=check.blocking))
                if not passed and check.blocking and severity == dg.AssetCheckSeverity.ERROR:
                    blocked.append(f"{key.to_user_string()}:{name} [{year}]")
        if blocked:
            raise dg.Failure("blocking check(s) failed: " + ", ".join(blocked), allow_retries=False)

    return _checks


def _close_planned_years(context: dg.AssetCheckExecutionContext, key: dg.AssetKey, name: str, passed: bool,
                         metadata: dict, severity: dg.AssetCheckSeverity, blocking: bool) -> None:
    """Dagster 1.13 plans an unpartitioned check once per year of a year-partitioned run it is
    part of (a dimension checked in a range run), and only its unpartitioned result is ever
    recorded: the UI would list each of those years as a check "skipped" although it passed.
    The same result is recorded on each planned year, marked as a copy."""
    run = context.op_execution_context
    years = run.partition_keys if run.has_partition_key_range else [run.partition_key] if run.has_partition_key else []
    for year in years:
        run.log_event(dg.AssetCheckEvaluation(
            asset_key=key, check_name=name, passed=passed, severity=severity, blocking=blocking, partition=year,
            metadata={**metadata, RUN_YEAR_COPY: dg.MetadataValue.bool(True)}))


def _evaluate(check: Check, data: CheckData) -> tuple[bool, dict, dg.AssetCheckSeverity]:
    passed, metadata, *graded = check.evaluate(data)
    severity = dg.AssetCheckSeverity.ERROR if check.blocking else dg.AssetCheckSeverity.WARN
    return passed, metadata, graded[0] if graded else severity


def layer_checks(layer: str, declared: Mapping[str, Sequence[Check]],
                 partitioned: Mapping[str, dg.PartitionsDefinition] | None = None) -> list[dg.AssetChecksDefinition]:
    """``partitioned``: the year-partitioned tables of ``declared`` and their partitionings."""
    partitioned = partitioned or {}
    unknown = set(partitioned) - set(declared)
    if unknown:
        raise ValueError(f"{layer}: partitioned tables without checks: {sorted(unknown)}")
    return [table_checks(layer, table, checks, partitioned.get(table)) for table, checks in declared.items()]


def unique_key(*columns: str) -> Check:
    """No two rows share ``columns`` (nulls equal): a table written twice, or two writers
    appending to it at once, fails here instead of doubling every count downstream."""
    def evaluate(data: CheckData) -> Outcome:
        df = data.table
        if not set(columns) <= set(df.columns):
            return False, {"error": f"{data.layer}/{data.table_name} lacks {sorted(set(columns) - set(df.columns))}"}
        repeated = df.filter(pl.struct(list(columns)).is_duplicated())
        groups = repeated.select(columns).unique().height
        return failing_rows(repeated.select(*columns, *[c for c in df.columns if c not in columns][:4]).sort(list(columns)),
                            key=", ".join(columns), duplicated_keys=dg.MetadataValue.int(groups),
                            rows=dg.MetadataValue.int(df.height))

    return Check("{table}_unique_key", f"No two rows of {{layer}}/{{table}} share ({', '.join(columns)}): "
                 "nothing loaded twice.", evaluate, blocking=True)


def failing_rows(bad: pl.DataFrame, count: int | None = None, **extra) -> Outcome:
    """Passed when nothing fails; the failing count and a sample of the failing rows."""
    count = bad.height if count is None else count
    return count == 0, {"failing_rows": dg.MetadataValue.int(count),
                        "sample": dg.MetadataValue.md(preview_table(bad, 10)), **extra}


def share_within(counted: str, count: int, share: float, threshold: float, rows: int) -> Outcome:
    """Passed when ``share`` of the rows (``count`` of them, reported as ``counted``) is at most ``threshold``."""
    return share <= threshold, {counted: dg.MetadataValue.int(count), "share": dg.MetadataValue.float(round(share, 4)),
                                "threshold": dg.MetadataValue.float(threshold), "rows": dg.MetadataValue.int(rows)}
