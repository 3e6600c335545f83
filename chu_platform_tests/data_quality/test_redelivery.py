"""Deliveries of one year more than once: the latest delivery wins, one name in two folders
is two raw files, and a year delivered in two formats is loaded once."""

import io
import os
import shutil

import dagster as dg
import polars as pl

from chu_platform.layers.bronze import raw
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.lib import delta_store
from chu_platform.schemas.sources import ESATIS_COLUMNS
from chu_platform_tests.bronze.conftest import materialize, platform  # noqa: F401 (fixture)
from chu_platform_tests.bronze.test_parsers import fixed_line

DEATHS = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
SATISFACTION = next(a for a in FILE_ASSETS if a.key.path[-1] == "satisfaction")


def _register(path, names, year=2019):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(fixed_line(name=f"{n}*X/", died=f"{year}0101") + "\n" for n in names))
    return path


def _at(path, when: int):
    os.utime(path, (when, when))
    return path


def _bronze_names(settings) -> list[str]:
    return sorted(delta_store.read(settings.table_uri("bronze", "deaths"))["nomprenom"].to_list())


def _metadata(result: dg.ExecuteInProcessResult, key: str):
    value = result.get_asset_materialization_events()[0].materialization.metadata.get(key)
    return None if value is None else value.value


def test_good_bad_good_ends_on_the_good_data(platform, tmp_path):
    settings, _, landing, resources = platform
    good = _at(_register(tmp_path / "good.txt", ["A", "B", "C"]), 1_700_000_000)
    target = landing / "deces-2019.txt"
    shutil.copy2(good, target)
    assert materialize(DEATHS, resources, "2019").success
    assert _bronze_names(settings) == ["A*X/", "B*X/", "C*X/"]
    _at(_register(target, ["Z"]), 1_700_000_100)  # a bad version replaces it
    assert materialize(DEATHS, resources, "2019").success
    assert _bronze_names(settings) == ["Z*X/"]
    shutil.copyfile(good, target)  # the original delivered again
    _at(target, 1_700_000_200)
    assert materialize(DEATHS, resources, "2019").success
    assert _bronze_names(settings) == ["A*X/", "B*X/", "C*X/"]

    manifest = raw.read_manifest(settings.table_uri("raw", "manifest")).sort("version")
    assert manifest["version"].to_list() == [1, 2, 3]
    # The third delivery is the first one's bytes: kept once, recorded as the latest version.
    assert manifest["raw_path"][2] == manifest["raw_path"][0] and manifest["sha256"][2] == manifest["sha256"][0]
    assert len(list((settings.data_path / "raw" / "deaths" / "2019").iterdir())) == 2
    # Delivering it yet again changes nothing.
    _at(target, 1_700_000_300)
    assert materialize(DEATHS, resources, "2019").success
    assert raw.read_manifest(settings.table_uri("raw", "manifest")).height == 3


def test_one_name_in_two_folders_is_two_raw_files_and_the_latest_is_loaded(platform):
    settings, _, landing, resources = platform
    _at(_register(landing / "lot1" / "deces-2019.txt", ["A", "B"]), 1_700_000_000)
    _at(_register(landing / "lot2" / "deces-2019.txt", ["C"]), 1_700_000_100)
    result = materialize(DEATHS, resources, "2019")
    assert result.success
    manifest = raw.read_manifest(settings.table_uri("raw", "manifest")).sort("drop_path")
    assert manifest.select("drop_path", "raw_path", "version").rows() == [
        ("lot1/deces-2019.txt", "deaths/2019/lot1/deces-2019.txt", 1),
        ("lot2/deces-2019.txt", "deaths/2019/lot2/deces-2019.txt", 1),
    ]
    assert (settings.data_path / "raw" / "deaths/2019/lot1/deces-2019.txt").read_text().count("\n") == 2
    assert _bronze_names(settings) == ["C*X/"]
    superseded = _metadata(result, "superseded_not_loaded")
    assert len(superseded) == 1 and superseded[0].startswith("lot1/deces-2019.txt not loaded: lot2/deces-2019.txt")


def _insee_csv(path, names, year=2019):
    fields = lambda n: [f"{n}*X/", "1", "19400101", "75056", "PARIS", "", f"{year}0101", "75056", "123"]  # noqa: E731
    path.write_text("".join(";".join(f'"{v}"' for v in fields(n)) + "\n" for n in names))
    return path


def test_a_register_year_in_two_formats_is_loaded_once(platform):
    settings, _, landing, resources = platform
    txt = _at(_register(landing / "deces-2019.txt", ["A", "B", "C"]), 1_700_000_000)
    csv = _at(_insee_csv(landing / "deces-2019.csv", ["A", "B", "C"]), 1_700_000_000)
    result = materialize(DEATHS, resources, "2019")
    assert result.success and _bronze_names(settings) == ["A*X/", "B*X/", "C*X/"]
    loads = delta_store.read(settings.table_uri("bronze", "_loads"))
    assert loads["file"].to_list() == ["deces-2019.txt"]  # same time: the fixed-width register
    assert _metadata(result, "superseded_not_loaded")[0].startswith("deces-2019.csv not loaded")
    _at(csv, 1_700_000_100)  # the CSV delivered later wins
    assert materialize(DEATHS, resources, "2019").success
    assert delta_store.read(settings.table_uri("bronze", "_loads"))["file"].to_list() == ["deces-2019.csv"]
    assert delta_store.read(settings.table_uri("bronze", "deaths")).height == 3
    assert txt.exists()


def _esatis_frame(rows: int) -> pl.DataFrame:
    return pl.DataFrame({c: [f"{c[:3]}{i}" if c not in ("finess", "finess_geo") else f"75{i:07d}" for i in range(rows)]
                         for c in ESATIS_COLUMNS})


def test_esatis_as_xlsx_and_csv_is_loaded_once(platform):
    settings, _, landing, resources = platform
    folder = landing / "satisfaction" / "2020"
    folder.mkdir(parents=True)
    frame = _esatis_frame(25)
    frame.write_excel(folder / "resultats-esatis48h-mco-open-data-2020.xlsx", worksheet="resultats", autofilter=False)
    buffer = io.StringIO()
    frame.write_csv(buffer, separator=";")
    (folder / "resultats-esatis48h-mco-open-data-2020.csv").write_bytes(buffer.getvalue().encode("cp1252"))
    for path in folder.iterdir():
        _at(path, 1_700_000_000)
    result = materialize(SATISFACTION, resources, "2020")
    assert result.success
    bronze = delta_store.read(settings.table_uri("bronze", "satisfaction"))
    assert bronze.height == 25
    assert bronze["_source_file"].unique().to_list() == ["satisfaction/2020/resultats-esatis48h-mco-open-data-2020.csv"]
    assert "xlsx not loaded" in _metadata(result, "superseded_not_loaded")[0]
