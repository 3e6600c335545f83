"""Generated sources (chu generate) -> bronze, reconciled with the generator's manifest."""

import dagster as dg
import polars as pl

from chu_platform.layers.bronze.care import CARE_ENTITIES
from chu_platform.layers.bronze.discovery import available
from chu_platform.layers.bronze.drop import LocalDrop
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.generate import Rates, generate
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager

YEARS = (2019, 2020)
# Defects that make a line unreadable; the others (impossible dates, duplicates...) are silver's.
LINE_DEFECTS = ("stray_bytes", "wrong_field_count", "truncated_line", "overlong_line")


def test_generated_drop_and_database_reconcile_with_the_generator_manifest(pg_dsn, tmp_path):
    landing = tmp_path / "landing"
    rates = Rates(stray_bytes=0.01, wrong_field_count=0.01, truncated_line=0.01, overlong_line=0.01)
    manifest = generate(landing, scale=0.002, seed=11, source_dsn=pg_dsn, years=YEARS, rates=rates)
    settings = ChuSettings(data_dir=str(tmp_path / "data"), landing_dir=str(landing), source_dsn=pg_dsn)
    resources = {"settings": settings, "drop": DropResource(landing_dir=str(landing)),
                 "io_manager": DeltaIOManager(data_dir=settings.data_dir)}

    found = available(settings, LocalDrop(landing))
    assert found == {"care": set(YEARS), "deaths": set(YEARS), "satisfaction": set(YEARS),
                     "hospitalisations": found["hospitalisations"], "establishments": None, "professionals": None}
    assert found["hospitalisations"] and found["hospitalisations"] <= set(range(2010, 2025))

    assets = [*FILE_ASSETS, *CARE_ASSETS]
    assert dg.materialize([a for a in assets if a.partitions_def is None], resources=resources).success
    for year in YEARS:  # one run per source family's partitioning
        for partitions_def in {a.partitions_def for a in assets if a.partitions_def is not None}:
            assert dg.materialize([a for a in assets if a.partitions_def == partitions_def], resources=resources,
                                  partition_key=str(year)).success

    loads = delta_store.read(settings.table_uri("bronze", "_loads"))
    rejects = delta_store.read(settings.table_uri("bronze", "rejects"))
    read_per_file = dict(loads.group_by("file").agg(pl.col("lines_read").sum()).rows())
    for entry in manifest.files:
        assert read_per_file[entry.path] == entry.data_lines, entry.path
        expected = sorted(n for kind in LINE_DEFECTS for n in entry.defects.get(kind, {}).get("lines", []))
        got = sorted(rejects.filter(pl.col("file") == entry.path).get_column("line_number").to_list())
        assert got == expected, entry.path
    assert sum(len(e.defects.get(k, {}).get("lines", [])) for e in manifest.files for k in LINE_DEFECTS) > 0

    for entity in CARE_ENTITIES.values():
        bronze = delta_store.read(settings.table_uri("bronze", entity.name))
        assert bronze.height == manifest.tables[entity.table], entity.name
