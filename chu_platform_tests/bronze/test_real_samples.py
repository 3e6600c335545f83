"""Every real sample, delivered under its production name, lands in bronze with no loss."""

import polars as pl
import pytest

from chu_platform.layers.bronze import ledger
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.lib import delta_store
from chu_platform_tests.bronze.conftest import deliver, materialize

ASSETS = {a.key.path[-1]: a for a in FILE_ASSETS}


def read(settings, entity, years=None):
    return delta_store.read(settings.table_uri("bronze", entity), years)


def rejects_of(settings, entity):
    return delta_store.read(settings.table_uri("bronze", "rejects")).filter(pl.col("entity") == entity)


def test_hospitalisations_sample(platform, real_samples):
    settings, _, landing, resources = platform
    deliver(landing, real_samples / "chu_hospitalisations" / "Hospitalisations.csv", "Hospitalisations.csv")
    result = materialize(ASSETS["hospitalisations"], resources)
    table = read(settings, "hospitalisations")
    assert table.height == 2479
    assert rejects_of(settings, "hospitalisations").height == 0
    assert table.row(0, named=True)["date_entree"] == "27/09/2017"
    assert table.get_column("_source_row").to_list() == list(range(2, 2481))
    assert set(table.get_column("_source_file")) == {"Hospitalisations.csv"}
    metadata = result.asset_materializations_for_node("bronze__hospitalisations")[0].metadata
    assert metadata["lines_read"].value == 2479 and metadata["bytes"].value == 261542


def test_finess_excerpt(platform, real_samples):
    settings, _, landing, resources = platform
    deliver(landing, real_samples / "finess" / "etalab-cs1100502-stock-20260512-0339__15_lines_excerpt.csv",
            "finess/etalab-cs1100502-stock-20260512-0339.csv")
    materialize(ASSETS["finess_establishments"], resources)
    materialize(ASSETS["finess_geolocations"], resources)
    structures = read(settings, "finess_establishments")
    assert structures.height == 14
    assert "LIEU DE VIE \"MAVOUNA MEMA 1\"" in structures.get_column("rslongue").to_list() + structures.get_column("rs").to_list()
    assert read(settings, "finess_geolocations").height == 0
    assert rejects_of(settings, "finess_establishments").height == 0


@pytest.mark.parametrize(
    ("path", "name", "year", "rows", "absent"),
    [
        ("2019/resultats-esatis48h-mco-open-data-2019.csv", "2019/resultats-esatis48h-mco-open-data-2019.csv", 2019, 1152, 0),
        ("ESATIS48H_MCO_recueil2017_donnees.csv", "ESATIS48H_MCO_recueil2017_donnees.csv", 2017, 1157, 2),
    ],
)
def test_esatis_samples(platform, real_samples, path, name, year, rows, absent):
    settings, _, landing, resources = platform
    deliver(landing, real_samples / "chu_satisfaction_has" / path, name)
    materialize(ASSETS["satisfaction"], resources, str(year))
    table = read(settings, "satisfaction", [year])
    assert table.height == rows
    assert rejects_of(settings, "satisfaction").height == 0
    assert "Auvergne-Rhône-Alpes" in table.get_column("region").to_list()
    assert sum(table.get_column(c).is_null().all() for c in ("taux_reco_brut", "nb_reco_brut")) == absent


def test_has_companion_files_are_kept_in_raw_but_not_loaded(platform, real_samples):
    settings, _, landing, resources = platform
    folder = real_samples / "chu_satisfaction_has" / "2019"
    for file in folder.iterdir():
        deliver(landing, file, f"2019/{file.name}")
    result = materialize(ASSETS["satisfaction"], resources, "2019")
    kept = result.asset_materializations_for_node("bronze__satisfaction")[0].metadata["copied_to_raw_not_loaded"].value
    assert sorted(kept) == sorted(f"satisfaction/2019/2019/{f.name}" for f in folder.iterdir() if "esatis48h" not in f.name or "lexique" in f.name)
    assert all((settings.data_path / "raw" / k).is_file() for k in kept)
    assert read(settings, "satisfaction", [2019]).height == 1152


def test_deaths_1970_reformatted_csv(platform, real_samples):
    """The sample is INSEE's register re-written with ',' and a header: read as INSEE CSV."""
    settings, _, landing, resources = platform
    deliver(landing, real_samples / "insee_deces" / "deces-1970_cleaned.csv", "deces-1970.csv")
    materialize(ASSETS["deaths"], resources, "1970")
    table = read(settings, "deaths", [1970])
    assert table.height == 27006
    assert set(table.get_column("_format")) == {"insee_csv"}
    assert table.row(0, named=True)["nomprenom"] == "DUCRET*MARIE ANTOINETTE/"
    assert rejects_of(settings, "deaths").height == 0
    check = ledger.reconcile("deaths", table, settings.table_uri("bronze", "rejects"), settings.table_uri("bronze", "_loads"))
    assert check.to_dicts() == [{"year": 1970, "file": "deces-1970.csv", "lines_read": 27006,
                                 "bronze_rows": 27006, "reject_rows": 0, "ok": True}]
