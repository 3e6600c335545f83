"""Nothing is dropped in silence: a register line dated in the future, after its file's year or
before the register's first year is a reject with its reason (counted: lines read = rows +
rejects), and a file whose year no partition holds is listed with why, not offered."""

from datetime import date

import dagster as dg
import polars as pl

from chu_platform.layers.bronze.discovery import available
from chu_platform.layers.bronze.drop import LocalDrop
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.checks import BRONZE_CHECKS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.bronze.unrecognised import raw_unrecognised_files
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform_tests.bronze.test_parsers import fixed_line
from chu_platform_tests.faults.conftest import YEAR, deliver

DEATHS = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
DEATH_CHECKS = next(c for c in BRONZE_CHECKS if dg.AssetKey(["bronze", "deaths"]) in {k.asset_key for k in c.check_keys})


def _resources(chu_env, landing):
    settings = ChuSettings(data_dir=str(chu_env), landing_dir=str(landing))
    return settings, {"settings": settings, "drop": DropResource(landing_dir=str(landing)),
                      "io_manager": DeltaIOManager(data_dir=str(chu_env))}


def test_misdated_register_lines_are_rejects_with_their_reason(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    register = landing / "deces" / f"deces-{YEAR}.txt"
    lines = register.read_bytes().count(b"\n")
    future = f"{date.today().year + 9}0101"
    with open(register, "a", encoding="utf-8") as handle:
        handle.write(fixed_line(name="FUTUR*A/", died=future) + "\n")               # line lines + 1
        handle.write(fixed_line(name="SUIVANT*B/", died=f"{YEAR + 1}0301") + "\n")  # line lines + 2
        handle.write(fixed_line(name="ANCIEN*C/", died="19650301") + "\n")          # line lines + 3
    settings, resources = _resources(chu_env, landing)
    result = dg.materialize([DEATHS, DEATH_CHECKS], resources=resources, partition_key=str(YEAR))
    assert result.success
    rejects = delta_store.read(settings.table_uri("bronze", "rejects")).sort("line_number")
    reasons = dict(zip(rejects["line_number"].to_list(), rejects["reason"].to_list()))
    assert reasons[lines + 1].startswith(f"date of death {future} is in the future")
    assert reasons[lines + 2].startswith(f"date of death {YEAR + 1}0301 is after the file's year {YEAR}")
    assert reasons[lines + 3].startswith("date of death 19650301 is before 1970")
    bronze = delta_store.read(settings.table_uri("bronze", "deaths"))
    assert bronze.height == lines  # before: all three loaded, two of them in no year of silver/deaths
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    assert checks["lines_reconcile"].passed  # lines read = rows + rejects, the three counted


def test_a_chu_death_file_row_of_a_future_year_is_rejected_not_lost(chu_env):
    landing = chu_env / "landing"
    landing.mkdir(parents=True)
    header = "nom,prenom,sexe,date_naissance,code_lieu_naissance,lieu_naissance,pays_naissance,date_deces,code_lieu_deces,numero_acte_deces\n"
    rows = [f"N{i},P,1,1940-01-01,75056,PARIS,FRANCE,{YEAR}-03-{i % 28 + 1:02d},75056,{i}" for i in range(40)]
    rows.append("E,F,1,1940-01-01,75056,PARIS,FRANCE,2035-03-01,75056,99")  # line 42
    (landing / "deces.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    settings, resources = _resources(chu_env, landing)
    result = dg.materialize([DEATHS, DEATH_CHECKS], resources=resources, partition_key=str(YEAR))
    assert result.success
    assert delta_store.read(settings.table_uri("bronze", "deaths")).height == 40
    rejects = delta_store.read(settings.table_uri("bronze", "rejects"))
    # Before: the 2035 row went to a partition that does not exist, with its year's rejects.
    assert rejects.select("year", "line_number").rows() == [(YEAR, 42)]
    assert rejects["reason"][0].startswith("date of death 2035-03-01 is in the future")
    assert available(settings, LocalDrop(landing))["deaths"] == {YEAR}


def test_register_files_of_a_year_outside_the_partitions_are_listed_with_why(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    register = (landing / "deces" / f"deces-{YEAR}.txt").read_bytes()
    future = date.today().year + 5
    for year in (future, 1850):
        (landing / "deces" / f"deces-{year}.txt").write_bytes(register)
    settings, resources = _resources(chu_env, landing)
    # Before: found deaths "2020-2031", then 2031 never loaded nor reported; 1850 "matches no source".
    assert available(settings, LocalDrop(landing))["deaths"] == {YEAR}
    assert dg.materialize([raw_unrecognised_files], resources=resources).success
    table = delta_store.read(settings.table_uri("raw", "unrecognised_files"))
    why = dict(table.select("path", "why").rows())
    assert sorted(why) == ["deces/deces-1850.txt", f"deces/deces-{future}.txt"]
    assert why[f"deces/deces-{future}.txt"].startswith(f"year {future} (a year to come) is outside the deaths partitions 1970-")
    assert why["deces/deces-1850.txt"].startswith("year 1850 (before 1970, the first year of the source) is outside")
    assert table.schema["why"] == pl.String
