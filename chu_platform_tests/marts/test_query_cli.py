"""`chu query`: the documented JSON schema, secrecy in every format, and the logged --no-secrecy."""

import csv
import io
import json

import pytest
from click.testing import CliRunner

from chu_platform.cli import cli
from chu_platform.lib import delta_store
from chu_platform.layers.marts.analyses import ANALYSES
from chu_platform.layers.marts.secrecy import process_user

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
            if row["masked"] and value in ("<10", "s"):
                assert key in ANALYSES[name].secrecy.columns
            elif value is not None:
                assert isinstance(value, kind) or (kind is float and type(value) is int), (key, value)
    assert any(not r["masked"] for r in rows)


def test_withheld_cells_are_labelled_by_kind_in_json_and_csv(gold_in_env):
    args = ["hospitalisations_by_sex_age", "--year", "2020"]
    as_json = json.loads(_query(*args, "--format", "json").output)
    as_csv = list(csv.DictReader(io.StringIO(_query(*args, "--format", "csv").output)))
    assert [r["numerator"] for r in as_csv] == [str(r["numerator"]) for r in as_json]
    lifted = json.loads(CliRunner().invoke(cli, ["query", *args, "--format", "json", "--no-secrecy"],
                                           env={"CHU_UNMASK_USERS": process_user()}).stdout)
    for column in ("numerator", "denominator"):
        exact = {(r["sexe"], r["age_band"]): r[column] for r in lifted}
        labels = {(r["sexe"], r["age_band"]): r[column] for r in as_json if isinstance(r[column], str)}
        assert "s" in labels.values() or column == "numerator", "the synthetic gold has complementary cells in 2020"
        # A count 1-9 reads "<10"; a withheld count of 10 or more reads "s", never "<10".
        assert all(label == ("<10" if 1 <= exact[key] <= 9 else "s") for key, label in labels.items()), (labels, exact)
        assert all(key in labels for key, n in exact.items() if 1 <= n <= 9)


def test_table_writes_percentages_a_legend_and_honours_limit(gold_in_env):
    result = _query("consultations_by_establishment", "--year", "2020", "--limit", "2")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    table = lines[2:6]
    assert len(table) == 4 and table[0].split()[-4:] == ["numerator", "denominator", "rate", "masked"]
    assert all(row.split()[-2].endswith("%") or row.split()[-2] in ("<10", "s") for row in table[2:])
    assert "(first 2 of " in result.output
    full = json.loads(_query("consultations_by_establishment", "--year", "2020", "--format", "json").output)
    assert isinstance(full[0]["rate"], float) and full[0]["rate"] < 1, "json keeps the fraction"
    assert len(json.loads(_query("consultations_by_establishment", "--year", "2020", "--format", "json",
                                 "--limit", "2").output)) == 2
    legend_shown = _query("hospitalisations_by_sex_age", "--year", "2020").output
    assert '"<10": a count of 1 to 9' in legend_shown and '"s": withheld so that' in legend_shown


def test_satisfaction_scores_have_one_decimal_in_the_table(gold_in_env):
    out = _query("satisfaction_by_region", "--year", "2019").output
    rows = [line.split() for line in out.splitlines() if "Île-de-France" in line or "Auvergne" in line]
    assert rows
    for row in rows:
        score, rate = row[-7], row[-2]
        assert all(v in ("<10", "s") or len(v.split(".")[-1]) == 1 for v in (score, rate)), row


def test_a_year_without_data_names_the_years_that_have_some(gold_in_env):
    result = _query("consultations_by_establishment", "--year", "2030")
    assert result.exit_code == 0, result.output
    assert "No data for 2030 in consultations_by_establishment; years with data: 2018-2021." in result.output
    # The rate answers 0 / 0 for a year without data: the line says why.
    rate = _query("hospitalisation_rate", "--year", "2030")
    assert "No data for 2030 in hospitalisation_rate; years with data: 2018-2021." in rate.output
    # A year before the data (issue 24): the same line, not "(no rows)" alone.
    before = _query("consultations_by_establishment", "--year", "2005")
    assert "No data for 2005 in consultations_by_establishment; years with data: 2018-2021." in before.output


@pytest.mark.parametrize(("args", "message"), [
    (["consultations_by_establishment", "--from", "2019-01-01", "--to", "2019-12-30"], "one whole calendar year"),
    (["consultations_by_establishment", "--from", "2019-01-01", "--to", "2020-12-31"], "one whole calendar year"),
    (["hospitalisation_rate", "--year", "2019", "--establishment", "750000001"], "restricts the events counted"),
    (["consultations_by_establishment", "--year", "2019", "--diagnosis", "J45"], "--establishment on it only chooses"),
])
def test_questions_off_the_lattice_are_refused_without_the_right_to_lift_secrecy(gold_in_env, args, message):
    refused = CliRunner().invoke(cli, ["query", *args], env={"CHU_UNMASK_USERS": "", "CHU_UNMASK_GROUP": ""})
    assert refused.exit_code == 1 and message in refused.output and "CHU_UNMASK_USERS" in refused.output
    allowed = CliRunner().invoke(cli, ["query", *args], env={"CHU_UNMASK_USERS": process_user()})
    assert allowed.exit_code == 0, allowed.output


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
