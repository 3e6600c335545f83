"""One check per bronze asset: for every file and year, lines read = bronze rows + rejects
(the run's year for a partition run)."""

import dagster as dg
import polars as pl

from chu_platform.layers.bronze import ledger, thresholds
from chu_platform.layers.bronze.entities import FILE_ENTITIES
from chu_platform.defs.bronze.assets import FILE_ASSETS, side_uris
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.bronze.metadata import PERSONAL
from chu_platform.defs.table_checks import Check, CheckData, Outcome, table_checks, unique_key
from chu_platform.defs.volume_checks import VOLUME_CHECKS
from chu_platform.lib import delta_store
from chu_platform.layers.marts.secrecy import preview_table
from chu_platform.layers.silver.hospitalisations import admission_problems


def _lineage(uri: str, year: int | None) -> pl.DataFrame:
    """Only the columns the reconciliation needs, from the table's current files (of ``year``
    only, for a partition run: a year's check reads that year, not the whole register)."""
    files = delta_store.current_files(uri, years=None if year is None else [year])
    if not files:
        return pl.DataFrame(schema={"_source_file": pl.String})
    frame = pl.scan_parquet(files, hive_partitioning=True)
    columns = [c for c in ("_source_file", "year") if c in frame.collect_schema().names()]
    return frame.select(columns).collect()


def _lines_reconcile(data: CheckData) -> Outcome:
    uris = side_uris(data.settings)
    uri = data.settings.table_uri(data.layer, data.table_name)
    if not delta_store.exists(uri):
        return False, {"error": f"no table at {uri}: materialise it"}
    years = None if data.year is None else [data.year]
    table = ledger.reconcile(data.table_name, _lineage(uri, data.year), uris["rejects"], uris["loads"], years)
    failing = table.filter(~pl.col("ok"))
    return failing.height == 0, {
        "files_checked": table.height,
        "failing": failing.height,
        "lines_read": int(table.get_column("lines_read").sum()),
        "rows": int(table.get_column("bronze_rows").sum()),
        "rejects": int(table.get_column("reject_rows").sum()),
        "sample": dg.MetadataValue.json(failing.head(10).to_dicts()),
    }


LINES_RECONCILE = Check("lines_reconcile", "Per file and year: lines read = bronze rows + rejects.", _lines_reconcile,
                        blocking=True)

# A delivered line is one bronze row: its file and line number identify it.
LINE_ONCE = unique_key("_source_file", "_source_row")


def _every_stay_placed(data: CheckData) -> Outcome:
    problems = admission_problems(data.table)
    return problems.is_empty(), {
        "stays_without_year": dg.MetadataValue.int(problems.height),
        "sample": dg.MetadataValue.md(preview_table(problems, 10)),
        "what_to_do": "correct Date_Entree (dd/mm/yyyy) at the source and re-deliver Hospitalisations.csv",
    }


# On the (unpartitioned) file, not on the years of silver: stays without a usable admission
# date belong to no year, so the finding is reported once per load of the file.
EVERY_STAY_PLACED = Check(
    "{table}_every_stay_placed",
    "Every stay of Hospitalisations.csv has a valid admission date, hence a year: none is silently left out.",
    _every_stay_placed,
)
EXTRA = {"hospitalisations": [EVERY_STAY_PLACED]}


def _rejected_share(data: CheckData) -> Outcome:
    uris = side_uris(data.settings)
    entity = FILE_ENTITIES[data.table_name]
    limit = thresholds.threshold(data.settings.rejected_share, entity.source)
    years = None if data.year is None else [data.year]
    shares, first = ledger.rejected_shares(entity.name, uris["rejects"], uris["loads"], years)
    over = shares.filter(pl.col("share") > limit)
    first = first.join(over.select("year", "file"), on=["year", "file"], how="semi", nulls_equal=True)
    # The raw text of a register or directory line names a person: line numbers and reasons only.
    if entity.name in PERSONAL:
        first = first.drop("raw_text")
    return over.height == 0, {
        "threshold": dg.MetadataValue.float(limit),
        "files_over_threshold": dg.MetadataValue.md(preview_table(over, 20)),
        "first_rejected_lines": dg.MetadataValue.md(preview_table(first, 20)),
        "what_to_do": "the delivery does not look like its format: check the file named here (truncated, "
                      "another format under this name), re-deliver it, or raise CHU_MAX_REJECTED_SHARE for "
                      f"{entity.source} if such rejects are expected",
    }


REJECTED_SHARE = Check(
    "rejected_share",
    "Per file and year: the share of rejected lines is at most the source's CHU_MAX_REJECTED_SHARE.",
    _rejected_share, blocking=True,
)

BRONZE_CHECKS = [
    table_checks(*a.key.path, [LINES_RECONCILE, LINE_ONCE, *([REJECTED_SHARE] if a in FILE_ASSETS else []),
                               *EXTRA.get(a.key.path[-1], []),
                               *(VOLUME_CHECKS if a.partitions_def is not None else [])],
                 partitions_def=a.partitions_def)
    for a in (*FILE_ASSETS, *CARE_ASSETS)
]
