"""``chu generate``: the CHU's source systems simulated in their real formats, deterministically.

    from chu_platform.generate import generate
    manifest = generate(Path("data/landing"), scale=0.01, seed=42, source_dsn=dsn)

writes the FTP drop under ``landing``, loads the care-records base into ``source_dsn`` (the
embedded server under ``data_dir`` when ``None``), and returns the manifest it also writes
next to the drop.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import polars as pl

from chu_platform.generate import (care_db, catalogues, consultations, deaths, establishments, ftp_files,
                                   hospitalisations, patients, professionals, satisfaction)
from chu_platform.generate.manifest import GENERATOR_VERSION, FileEntry, Manifest, Rates
from chu_platform.lib import postgres

DEFAULT_YEARS = tuple(range(2015, 2025))
FULL_SCALE = {"patients": 100_000, "consultations": 1_000_000, "diagnoses": 15_000, "professionals": 100_000,
              "establishments": 2_500, "mutuelles": 200, "medicaments": 5_000}
MINIMUM = {"patients": 50, "consultations": 200, "diagnoses": 150, "professionals": 40,
           "establishments": 40, "mutuelles": 10, "medicaments": 50}

Step = Callable[[str, int, float], None]

__all__ = ["DEFAULT_YEARS", "Manifest", "Rates", "generate", "masked_dsn", "sizes"]


def sizes(scale: float) -> dict[str, int]:
    """Entity counts at ``scale`` (1 = the real CHU base), with floors that keep tiny runs meaningful."""
    return {name: max(MINIMUM[name], round(count * scale)) for name, count in FULL_SCALE.items()}


def default_manifest_path(landing: Path) -> Path:
    return Path(landing).resolve().parent / "generation-manifest.json"


def _clear_previous(landing: Path, manifest_path: Path) -> None:
    """Remove what an earlier generation wrote into the drop, so a re-run leaves only its own
    files (the FTP sensor reports unknown files)."""
    if not manifest_path.exists():
        return
    for entry in Manifest.load(manifest_path).files:
        target = landing / entry.path
        if target.is_file():
            target.unlink()
    for folder in sorted((p for p in landing.rglob("*") if p.is_dir()), key=lambda p: len(p.parts), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def generate(landing: Path, scale: float = 0.01, seed: int = 42, source_dsn: str | None = None,
             years: Iterable[int] = DEFAULT_YEARS, manifest: Path | None = None, rates: Rates | None = None,
             deaths_format: str = "insee_fixed", load_database: bool = True, data_dir: Path | None = None,
             on_step: Step | None = None) -> Manifest:
    """Generate every source; see the module docstring. ``on_step(name, rows, seconds)`` is
    told about each output as it is produced (the benchmark uses it)."""
    if scale <= 0:
        raise ValueError(f"scale must be positive, got {scale}")
    years = sorted(set(int(y) for y in years))
    if not years:
        raise ValueError("at least one year is needed")
    if deaths_format not in deaths.FORMATS:
        raise ValueError(f"deaths format {deaths_format!r}: expected one of {deaths.FORMATS}")
    rates = rates or Rates()
    landing = Path(landing).resolve()
    manifest_path = Path(manifest).resolve() if manifest else default_manifest_path(landing)
    if manifest_path.is_relative_to(landing):
        raise ValueError(f"the manifest {manifest_path} must not be inside the drop {landing}: the FTP sensor would see it")
    # Reach the database before minutes of generation, not after.
    dsn = (source_dsn or _embedded_dsn(data_dir)) if load_database else None
    if dsn is not None and not postgres.can_connect(dsn):
        raise ValueError(f"cannot connect to the care-records PostgreSQL at {masked_dsn(dsn)}: start it, "
                         "pass another --source-dsn, or use --no-database to write the drop only")
    landing.mkdir(parents=True, exist_ok=True)
    _clear_previous(landing, manifest_path)
    n = sizes(scale)
    clock = _Clock(on_step)

    diagnoses = clock.step("Diagnostic", lambda: catalogues.diagnoses(seed, n["diagnoses"]))
    est = clock.step("establishments", lambda: establishments.build(seed, n["establishments"]))
    pros = clock.step("Professionnel_de_sante", lambda: professionals.build(seed, n["professionals"], est.frame))
    activity, without = clock.step("activities", lambda: professionals.activities(seed, pros, est.frame, rates.professional_without_activity))
    reference_day = _day(max(years) + 1)
    people = clock.step("Patient", lambda: patients.build(seed, n["patients"], reference_day))
    mutuelles = catalogues.mutuelles(seed, n["mutuelles"])
    adher = clock.step("Adher", lambda: patients.adherents(seed, people, n["mutuelles"]))
    consults = clock.step("Consultation", lambda: consultations.build(seed, n["consultations"], years, people, adher, pros, diagnoses))
    medicaments = clock.step("Medicaments", lambda: catalogues.medicaments(seed, n["medicaments"]))
    prescriptions = clock.step("Prescription", lambda: consultations.prescriptions(seed, consults, medicaments))
    stays, unknown = clock.step("hospitalisations", lambda: hospitalisations.build(seed, years, people, est.hospitals, diagnoses, rates.unknown_diagnosis))

    files: list[FileEntry] = []
    files += clock.step("files:establishments", lambda: ftp_files.write_establishments(landing, seed, years, est, rates))
    files += clock.step("files:professionals", lambda: ftp_files.write_professionals(landing, seed, professionals.professional_csv(pros), activity, rates))
    files.append(clock.step("files:hospitalisations", lambda: ftp_files.write_hospitalisations(landing, seed, stays, unknown, rates)))
    files += clock.step("files:satisfaction", lambda: satisfaction.write(landing, seed, years, est.hospitals, rates))
    death_files, death_truth = clock.step("files:deaths", lambda: deaths.write(landing, seed, scale, years, rates, deaths_format))
    files += death_files

    tables = {
        "Patient": patients.patient_table(people), "Consultation": consults, "Diagnostic": diagnoses,
        "Professionnel_de_sante": pros, "Specialites": catalogues.specialties(), "Mutuelle": mutuelles,
        "Adher": adher, "Prescription": prescriptions, "Medicaments": medicaments,
    }
    if dsn is not None:
        clock.step("database", lambda: care_db.load(dsn, tables))
    result = Manifest(
        generator_version=GENERATOR_VERSION, seed=seed, scale=scale, years=years, rates=asdict(rates),
        deaths_format=deaths_format, files=sorted(files, key=lambda e: e.path),
        tables={name: frame.height for name, frame in sorted(tables.items())},
        truth={
            **death_truth,
            "hospitalisations_by_year": _by_year(stays["day"]),
            "consultations_by_year": _by_year(consults["Date"].cast(pl.Int32)),
            "professionals_without_activity": {"count": without},
            "database": {"loaded": load_database},
        },
    )
    result.write(manifest_path)
    return result


def _day(year: int) -> int:
    return int(pl.select(pl.date(year, 1, 1).cast(pl.Int32)).item())


def _by_year(days: pl.Series) -> dict[str, int]:
    years = days.cast(pl.Int32).cast(pl.Date).dt.year()
    counts = years.value_counts(name="count").sort(years.name)
    return {str(year): int(count) for year, count in counts.iter_rows()}


def _embedded_dsn(data_dir: Path | None) -> str:
    return postgres.care_dsn("", data_dir or Path(os.environ.get("CHU_DATA_DIR", "data")))


def masked_dsn(dsn: str) -> str:
    """The DSN without its password, for messages."""
    parts = urlsplit(dsn)
    if parts.password is None:
        return dsn
    return urlunsplit(parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", ":***@")))


class _Clock:
    def __init__(self, on_step: Step | None):
        self.on_step = on_step

    def step(self, name: str, build):
        started = time.perf_counter()
        value = build()
        if self.on_step is not None:
            self.on_step(name, _rows(value), time.perf_counter() - started)
        return value


def _rows(value) -> int:
    if isinstance(value, pl.DataFrame):
        return value.height
    if isinstance(value, establishments.Establishments):
        return value.frame.height
    if isinstance(value, FileEntry):
        return value.data_lines
    if isinstance(value, tuple):
        return _rows(value[0])
    if isinstance(value, list):
        return sum(_rows(v) for v in value)
    if isinstance(value, dict):
        return sum(v for v in value.values() if isinstance(v, int))
    return 0
