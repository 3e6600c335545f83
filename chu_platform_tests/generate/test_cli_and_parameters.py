"""``chu generate`` on the command line, and the small pure pieces it relies on."""

import json

import click
import numpy as np
import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.cli.generate import masked
from chu_platform.cli.options import parse_years
from chu_platform.generate import Rates, sizes
from chu_platform.generate.death_people import age_at_death_weights, deaths_in
from chu_platform.generate.hospital_activity import mean_stay_days
from chu_platform.generate.hospitalisations import admission_probability
from chu_platform.generate.satisfaction import classement

import polars as pl


def test_command_writes_the_drop_and_the_manifest(tmp_path, chu_env):
    landing = tmp_path / "drop" / "landing"
    result = CliRunner().invoke(cli, ["generate", "--scale", "0.005", "--seed", "3", "--landing", str(landing),
                                      "--years", "2019-2020", "--no-database", "--rate", "stray_bytes=0.01"])
    assert result.exit_code == 0, result.output
    assert "manifest" in result.output and "not loaded" in result.output
    manifest = json.loads((tmp_path / "drop" / "generation-manifest.json").read_text())
    assert manifest["years"] == [2019, 2020] and manifest["seed"] == 3
    assert manifest["rates"]["stray_bytes"] == 0.01
    assert {f["path"] for f in manifest["files"]} == {
        str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file()}


def test_command_rejects_bad_input_with_a_usable_message(tmp_path, chu_env):
    runner = CliRunner()
    bad_years = runner.invoke(cli, ["generate", "--landing", str(tmp_path / "l"), "--years", "2019-2015", "--no-database"])
    assert bad_years.exit_code != 0 and "ends before it starts" in bad_years.output
    bad_rate = runner.invoke(cli, ["generate", "--landing", str(tmp_path / "l"), "--rate", "typo=0.1", "--no-database"])
    assert bad_rate.exit_code != 0 and "stray_bytes" in bad_rate.output
    inside = runner.invoke(cli, ["generate", "--landing", str(tmp_path / "l"), "--manifest", str(tmp_path / "l" / "m.json"),
                                 "--no-database", "--scale", "0.001"])
    assert inside.exit_code != 0 and "must not be inside the drop" in inside.output


def test_rerun_leaves_only_its_own_files(tmp_path):
    from chu_platform_tests.generate.conftest import run

    landing, _ = run(tmp_path, years=(2018, 2019, 2020))
    _, second = run(tmp_path, years=(2020,))
    assert sorted(str(p.relative_to(landing)) for p in landing.rglob("*") if p.is_file()) == sorted(f.path for f in second.files)


def test_parse_years_and_masking():
    assert parse_years("2015-2017,2020") == [2015, 2016, 2017, 2020]
    assert parse_years("2019") == [2019]
    with pytest.raises(click.BadParameter):
        parse_years("19-20")
    assert masked("postgresql://chu:s3cret@db:5432/care") == "postgresql://chu:***@db:5432/care"
    assert masked("postgresql://postgres@127.0.0.1/x") == "postgresql://postgres@127.0.0.1/x"


def test_rates_parse():
    assert Rates.parse(["stray_bytes=0.5"]).stray_bytes == 0.5
    with pytest.raises(ValueError, match="between 0 and 1"):
        Rates.parse(["stray_bytes=2"])


def test_scale_one_is_the_real_base():
    full = sizes(1)
    assert (full["patients"], full["consultations"], full["diagnoses"], full["professionals"]) == (100_000, 1_000_000, 15_000, 100_000)
    assert 550_000 < deaths_in(2019, 1) < 700_000 and deaths_in(2020, 1) > deaths_in(2019, 1)
    assert sizes(0.0001)["patients"] >= 50


def test_age_effects():
    ages = np.array([5, 30, 50, 70, 90])
    assert np.all(np.diff(admission_probability(ages)) > 0)
    assert np.all(np.diff(mean_stay_days(ages)) > 0)
    mean_age = {male: np.average(np.arange(111), weights=age_at_death_weights(male)) for male in (True, False)}
    assert 72 < mean_age[True] < mean_age[False] < 90


def test_classement_thresholds():
    scores = pl.Series([80.0, 77.3, 75.0, 74.0, 72.0, 70.7, 70.69])
    assert pl.select(classement(pl.lit(scores))).to_series().to_list() == ["A", "A", "B", "B", "C", "C", "D"]


def test_unreachable_database_fails_before_writing(tmp_path):
    from chu_platform.generate import generate

    with pytest.raises(ValueError, match="cannot connect.*--no-database"):
        generate(tmp_path / "landing", scale=0.001, source_dsn="postgresql://nobody:pw@127.0.0.1:1/none")
    assert not (tmp_path / "landing").exists()
