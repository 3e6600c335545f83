"""Volume checks of year-partitioned tables, in the style of the OHDSI Data Quality Dashboard:
each a check type, thresholds (``ChuSettings.volume_warn`` / ``volume_fail``), a result and
the rows behind it.

A year re-delivered with another file once moved 32,000 deaths out of 2024 (a 99 % drop)
with every other check green: a year's rows are compared with the previous delivery of the
same year (its previous materialisation, from the Dagster instance) and with the years
either side. A change past ``volume_warn`` warns; past ``volume_fail`` it fails with ERROR
severity, which stops the layers downstream until someone looks.
"""

from __future__ import annotations

from datetime import date

import dagster as dg
import polars as pl

from chu_platform.layers.bronze import raw, withdrawals
from chu_platform.defs.table_checks import Check, CheckData, Outcome
from chu_platform.lib import volumes
from chu_platform.layers.marts.secrecy import preview_table

_SEVERITY = {"fail": dg.AssetCheckSeverity.ERROR, "warn": dg.AssetCheckSeverity.WARN, "ok": dg.AssetCheckSeverity.WARN}


def _thresholds(data: CheckData) -> volumes.Thresholds:
    return volumes.Thresholds.parse(data.settings.warn_share, data.settings.fail_share)


def refused(instance: dg.DagsterInstance, run_id: str, key: dg.AssetKey, partition: str | None) -> bool:
    """Whether a blocking check of ``key`` (that partition) failed with ERROR severity in the run."""
    for entry in instance.all_logs(run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION):
        evaluation = entry.dagster_event.event_specific_data
        if (evaluation.asset_key == key and evaluation.partition == partition and evaluation.blocking
                and not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.ERROR):
            return True
    return False


def _previous_rows(data: CheckData) -> int | None:
    """Rows of the year's last accepted materialisation before the latest one (the one checked
    now). A delivery its blocking checks refused (a truncated file, 0 rows) is no reference:
    against it the good file re-delivered to replace it would look like a jump and be refused
    too; nor is one made while a delivery since withdrawn was loaded."""
    if data.instance is None:
        return None
    records = data.instance.fetch_materializations(
        dg.AssetRecordsFilter(asset_key=data.key, asset_partitions=[str(data.year)]), limit=10
    ).records
    windows = _withdrawn_windows(data)
    for record in records[1:]:
        if refused(data.instance, record.run_id, data.key, str(data.year)):
            continue
        if any(start <= record.timestamp < end for start, end in windows):
            continue
        metadata = record.asset_materialization.metadata
        # ``rows`` / ``row_count``: materialisations recorded before the standard key was used.
        value = metadata.get("dagster/row_count") or metadata.get("rows") or metadata.get("row_count")
        return None if value is None else int(value.value)
    return None


def _withdrawn_windows(data: CheckData) -> list[tuple[float, float]]:
    """When deliveries now withdrawn (``chu withdraw``) were in the year: no reference then."""
    manifest_uri = data.settings.table_uri("raw", "manifest")
    history = withdrawals.read(withdrawals.uri_beside(manifest_uri))
    if history.height == 0:
        return []
    return withdrawals.loaded_windows(raw.read_manifest(manifest_uri), history, data.year)


def _outcome(check_type: str, reference_is: str, data: CheckData, graded: volumes.Graded,
             thresholds: volumes.Thresholds, **extra) -> Outcome:
    row = pl.DataFrame([{"year": data.year, "rows": graded.rows, reference_is: graded.reference,
                         "change": None if graded.change is None else f"{graded.change:+.1%}", "grade": graded.grade}])
    metadata = {
        "check_type": check_type,
        "threshold_warn": dg.MetadataValue.float(thresholds.warn),
        "threshold_fail": dg.MetadataValue.float(thresholds.fail),
        "floor_rows": dg.MetadataValue.int(thresholds.floor),
        "rows": dg.MetadataValue.int(graded.rows),
        "reference_rows": dg.MetadataValue.int(-1 if graded.reference is None else graded.reference),
        "change": dg.MetadataValue.float(0.0 if graded.change is None else round(graded.change, 4)),
        "grade": graded.grade,
        "sample": dg.MetadataValue.md(preview_table(row if graded.grade != "ok" else row.clear(), 10)),
        **extra,
    }
    return graded.grade == "ok", metadata, _SEVERITY[graded.grade]


def _vs_previous_delivery(data: CheckData) -> Outcome:
    thresholds = _thresholds(data)
    uri = data.settings.table_uri(data.layer, data.table_name)
    rows = volumes.year_rows(uri, [data.year]).get(data.year, 0)
    graded = volumes.grade(rows, _previous_rows(data), thresholds)
    return _outcome("volume_change_vs_previous_delivery", "previous_rows", data, graded, thresholds)


def _vs_neighbour_years(data: CheckData) -> Outcome:
    thresholds = _thresholds(data)
    uri = data.settings.table_uri(data.layer, data.table_name)
    counts = volumes.year_rows(uri, [data.year - 1, data.year, data.year + 1])
    # The current year is still being filled: comparing it with full years says nothing.
    reference = None if data.year >= date.today().year else volumes.neighbours_reference(counts, data.year)
    graded = volumes.grade(counts.get(data.year, 0), reference, thresholds)
    return _outcome("volume_change_vs_neighbour_years", "neighbours_median_rows", data, graded, thresholds,
                    rows_by_year=dg.MetadataValue.json({str(y): n for y, n in sorted(counts.items())}))


VOLUME_VS_PREVIOUS_DELIVERY = Check(
    "{table}_volume_vs_previous_delivery",
    "{layer}/{table}: the year's rows change by less than CHU_VOLUME_WARN (warning) and CHU_VOLUME_FAIL "
    "(failure) against the previous delivery of the same year.",
    _vs_previous_delivery, blocking=True,
)
VOLUME_VS_NEIGHBOUR_YEARS = Check(
    "{table}_volume_vs_neighbour_years",
    "{layer}/{table}: the year's rows differ by less than CHU_VOLUME_WARN (warning) and CHU_VOLUME_FAIL "
    "(failure) from the median of the years either side (the current year is not compared).",
    _vs_neighbour_years, blocking=True,
)
VOLUME_CHECKS = [VOLUME_VS_PREVIOUS_DELIVERY, VOLUME_VS_NEIGHBOUR_YEARS]
