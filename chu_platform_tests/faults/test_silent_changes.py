"""Nothing changes silently between a delivered file and bronze: a stray Latin-1 byte is that
line's problem, a NUL byte is a reject, the FINESS metadata line is recognised rather than
assumed, unrecognised names are listed, and error messages stay short and name the file."""

import dagster as dg
import polars as pl

from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.bronze.unrecognised import raw_unrecognised_files
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform_tests.faults.conftest import YEAR, deliver

ASSETS = {a.key.path[-1]: a for a in FILE_ASSETS}


def _run(chu_env, landing, asset, partition=None):
    settings = ChuSettings(data_dir=str(chu_env), landing_dir=str(landing))
    resources = {"settings": settings, "drop": DropResource(landing_dir=str(landing)),
                 "io_manager": DeltaIOManager(data_dir=str(chu_env))}
    result = dg.materialize([asset], resources=resources, partition_key=partition, raise_on_error=False)
    return settings, result


def _failure(result) -> str:
    (event,) = [e for e in result.all_events if e.is_step_failure]
    failure = event.step_failure_data.user_failure_data
    if failure is not None and failure.description:
        return failure.description  # the platform's own error, raised as a dg.Failure (not retried)
    error, messages = event.step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    return messages[1]  # the platform's own error, under Dagster's "Error occurred while executing op"


def _bronze(settings, table) -> pl.DataFrame:
    return delta_store.read(settings.table_uri("bronze", table))


def _rejects(settings) -> pl.DataFrame:
    return delta_store.read(settings.table_uri("bronze", "rejects"))


def test_one_latin1_byte_does_not_re_decode_the_whole_file(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "professionnel_sante.csv")
    path = landing / "professionnel_sante.csv"
    lines = path.read_bytes().split(b"\n")
    damaged = next(i for i, line in enumerate(lines) if "é".encode() in line and i > 5)
    lines[damaged] = lines[damaged].decode("utf-8").encode("latin-1")
    path.write_bytes(b"\n".join(lines))
    settings, result = _run(chu_env, landing, ASSETS["professionals"])
    assert result.success
    expected = pl.read_csv(generated_drop / "professionnel_sante.csv", separator=";", infer_schema_length=0)
    bronze = _bronze(settings, "professionals").sort("_source_row")
    # Every name as delivered, the damaged line included (read as CP1252), none garbled.
    assert bronze["nom"].to_list() == expected["nom"].to_list()
    assert bronze["specialite"].to_list() == expected["specialite"].to_list()
    (notes,) = [f["notes"] for f in result.asset_materializations_for_node("bronze__professionals")[0]
                .metadata["files"].value]
    assert notes["encoding"] == "utf-8"
    assert notes["lines_read_as_cp1252"].startswith(f"1 (not UTF-8; first: line {damaged + 1})")


def test_nul_byte_is_a_reject_not_a_bronze_value(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "etablissement_sante.csv")
    path = landing / "etablissement_sante.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3].replace(b";", b"\x00;", 1)
    path.write_bytes(b"\n".join(lines))
    data_lines = sum(1 for line in lines[1:] if line)
    settings, result = _run(chu_env, landing, ASSETS["establishments"])
    assert result.success
    bronze = _bronze(settings, "establishments")
    rejects = _rejects(settings)
    assert rejects.select("line_number", "reason").rows() == [
        (4, "control byte in line (transfer damage, e.g. NUL): expected printable text")]
    assert not bronze.select(pl.any_horizontal(pl.col(pl.String).str.contains("\x00", literal=True))).to_series().any()
    assert bronze.height + rejects.height == data_lines


def test_finess_extract_without_its_metadata_line_keeps_its_first_establishment(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "etalab-")
    (path,) = landing.glob("etalab-*.csv")
    lines = path.read_bytes().split(b"\n")
    structures = sum(1 for line in lines if line.startswith(b"structureet;"))
    first = lines[1].split(b";")[1].decode()
    path.write_bytes(b"\n".join(lines[1:]))
    settings, result = _run(chu_env, landing, ASSETS["finess_establishments"])
    assert result.success
    bronze = _bronze(settings, "finess_establishments")
    assert bronze.height == structures and first in bronze["nofinesset"].to_list()
    assert _rejects(settings).height == 0


def test_unrecognised_names_are_listed_in_a_table(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    register = (landing / "deces" / f"deces-{YEAR}.txt").read_bytes()
    for name in (f"deces-{YEAR} .txt", f"décès-{YEAR}.txt", f"deces-{YEAR}..txt"):
        (landing / "deces" / name).write_bytes(register)
    settings = ChuSettings(data_dir=str(chu_env), landing_dir=str(landing))
    resources = {"settings": settings, "drop": DropResource(landing_dir=str(landing)),
                 "io_manager": DeltaIOManager(data_dir=str(chu_env))}
    result = dg.materialize([raw_unrecognised_files], resources=resources)
    assert result.success
    table = delta_store.read(settings.table_uri("raw", "unrecognised_files")).sort("path")
    assert table["path"].to_list() == sorted(
        [f"deces/deces-{YEAR} .txt", f"deces/décès-{YEAR}.txt", f"deces/deces-{YEAR}..txt"])
    why = dict(table.select("path", "why").rows())
    assert why[f"deces/deces-{YEAR} .txt"].startswith("the name holds a space")
    assert why[f"deces/décès-{YEAR}.txt"].startswith("the name holds non-ASCII characters")
    assert why[f"deces/deces-{YEAR}..txt"].startswith("the name holds '..'")
    warnings = [e for e in result.all_events if e.event_type_value == "ENGINE_EVENT" or e.is_step_event]
    assert warnings  # the run went through; the warning itself is logged by the asset


def test_a_10_mb_one_line_file_gives_a_short_error_naming_it(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "nothing")
    (landing / "etablissement_sante.csv").write_bytes(b"x;" * 5_000_000)
    _, result = _run(chu_env, landing, ASSETS["establishments"])
    assert not result.success
    message = _failure(result)
    assert "etablissement_sante.csv" in message and "characters in all" in message
    assert len(message) < 1500


def test_a_corrupt_workbook_error_names_the_file(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "satisfaction")
    (path,) = landing.rglob("*.xlsx")
    path.write_bytes(path.read_bytes()[:2000])
    _, result = _run(chu_env, landing, ASSETS["satisfaction"], str(YEAR))
    assert not result.success
    message = _failure(result)
    assert path.relative_to(landing).as_posix() in message and "cannot be read as esatis_xlsx" in message


def test_a_renamed_score_column_fails_the_file_instead_of_loading_null_scores(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "satisfaction")
    (path,) = landing.rglob("*.xlsx")
    sheet = pl.read_excel(path, infer_schema_length=0)
    sheet.rename({"score_all_rea_ajust": "score_global"}).write_excel(path)
    _, result = _run(chu_env, landing, ASSETS["satisfaction"], str(YEAR))
    assert not result.success
    message = _failure(result)
    assert path.relative_to(landing).as_posix() in message and "score_all_rea_ajust" in message
