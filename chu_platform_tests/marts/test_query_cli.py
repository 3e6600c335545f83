"""`chu query`: the documented JSON schema, secrecy in every format, and the logged --no-secrecy."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.lib import delta_store
from chu_platform.marts.analyses import ANALYSES
from chu_platform.marts.secrecy import process_user

# The documented, stable JSON schema (docs/readme/analyses.md): key order and value types.
PERIOD = {"period_from": str, "period_to": str}
SHARE = {"numerator": int, "denominator": int, "rate": float}
SCHEMA = {
    "consultations_by_establishment": {**PERIOD, "finess": str, "raison_sociale": str, "commune": str, **SHARE},
    "consultations_by_diagnosis": {**PERIOD, "code_diag": str, "libelle": str, "chapitre": str, **SHARE},
    "hospitalisation_rate": {**PERIOD, **SHARE},
    "hospitalisations_by_diagnosis": {**PERIOD, "code_diag": str, "libelle": str, "chapitre": str, **SHARE},
    "hospitalisations_by_sex_age": {**PERIOD, "sexe": str, "age_band": str, **SHARE},
    "consultations_by_professional": {**PERIOD, "level": str, "identifiant": str, "civilite": str, "profession": str,
                                      "specialite": str, "raison_sociale": str, **SHARE},
    "deaths_by_region": {**PERIOD, "region_code": str, "region_nom": str, "deaths": int, **SHARE},
    "satisfaction_by_region": {**PERIOD, "region_code": str, "region_nom": str, "score": float, "nb_reponses": int,
                               "nb_etablissements": int, "numerator": float, "denominator": int, "rate": float},
}


def _query(*args):
    result = CliRunner().invoke(cli, ["query", *args], catch_exceptions=False)
    return result


@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_json_schema_is_stable(gold_in_env, name):
    result = _query(name, "--year", "2020", "--format", "json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert rows, "the synthetic gold has data for 2020"
    expected = {**SCHEMA[name], "masked": bool}
    for row in rows:
        assert list(row) == list(expected)
        assert row["period_from"] == "2020-01-01" and row["period_to"] == "2020-12-31"
        for key, kind in expected.items():
            value = row[key]
            if row["masked"] and value == "<10":
                assert key in ANALYSES[name].secrecy.columns
            elif value is not None:
                assert isinstance(value, kind) or (kind is float and type(value) is int), (key, value)
    assert any(not r["masked"] for r in rows)


def test_masked_cells_read_lt10_in_json_and_csv(gold_in_env):
    args = ["hospitalisations_by_diagnosis", "--year", "2021", "--establishment", "750000001"]
    as_json = json.loads(_query(*args, "--format", "json").output)
    as_csv = list(csv.DictReader(io.StringIO(_query(*args, "--format", "csv").output)))
    masked = [r for r in as_json if r["masked"]]
    assert masked and all(r["numerator"] == "<10" and r["rate"] == "<10" for r in masked)
    assert [r["numerator"] for r in as_csv] == [str(r["numerator"]) for r in as_json]
    lifted = json.loads(CliRunner().invoke(cli, ["query", *args, "--format", "json", "--no-secrecy"],
                                           env={"CHU_UNMASK_USERS": process_user()}).stdout)
    small = [1 <= r["numerator"] <= 9 for r in lifted]
    assert any(small)
    # Every small count masked; a masked count that is not small is a complementary cell.
    assert all(r["masked"] for r, s in zip(as_json, small) if s)


def test_no_secrecy_is_logged_to_stderr_and_audited(gold_in_env):
    result = CliRunner().invoke(cli, ["query", "hospitalisation_rate", "--year", "2019", "--format", "json", "--no-secrecy",
                                      "--establishment", "750000001"], catch_exceptions=False,
                                env={"CHU_UNMASK_USERS": process_user()})
    assert result.exit_code == 0
    assert "statistical secrecy lifted" in result.stderr
    assert "<10" not in result.stdout
    audit = delta_store.read(delta_store.table_uri(gold_in_env.lake, ["ops", "secrecy_audit"]))
    assert audit.select("analysis", "parameters", "rows").rows() == [
        ("hospitalisation_rate", '{"establishment": "750000001", "period": "2019"}', 1)]


def test_default_period_and_table_output(gold_in_env):
    result = _query("deaths_by_region")
    assert result.exit_code == 0
    assert result.output.startswith("Deaths per region, 2020")
    assert "Île-de-France" in result.output


@pytest.mark.parametrize(("args", "message"), [
    (["deaths_by_region", "--from", "2020-01-01", "--to", "2020-03-31"], "use --year"),
    (["hospitalisation_rate", "--year", "2020", "--from", "2020-01-01"], "either --year or --from/--to"),
    (["hospitalisation_rate", "--from", "2020-01-01"], "go together"),
    (["hospitalisation_rate", "--from", "2020-13-01", "--to", "2020-12-31"], "YYYY-MM-DD"),
    (["deaths_by_region", "--year", "2020", "--diagnosis", "J45"], "does not take --diagnosis"),
])
def test_errors_say_what_to_do(gold_in_env, args, message):
    result = _query(*args)
    assert result.exit_code != 0
    assert message in result.output
