"""A small generation shared by the file tests, with defect rates high enough that every
kind of defect occurs, so each reader check has something to find."""

from pathlib import Path

import pytest

from chu_platform.generate import Manifest, Rates, generate

SCALE = 0.01
SEED = 11
YEARS = (2018, 2019, 2020, 2021)
HIGH_RATES = Rates(
    death_duplicate=0.01, death_late=0.02, unknown_date_part=0.01, stray_bytes=0.005, truncated_line=0.005,
    overlong_line=0.005, wrong_field_count=0.02, impossible_date=0.01, unknown_diagnosis=0.05,
    noncanonical_region=0.5, unscored_establishment=0.2, professional_without_activity=0.05,
)


def run(tmp: Path, **kwargs) -> tuple[Path, Manifest]:
    options = {"scale": SCALE, "seed": SEED, "years": YEARS, "rates": HIGH_RATES, "load_database": False}
    options.update(kwargs)
    landing = tmp / "landing"
    return landing, generate(landing, **options)


@pytest.fixture(scope="session")
def drop(tmp_path_factory) -> tuple[Path, Manifest]:
    """The FTP drop (INSEE fixed-width deaths) and its manifest."""
    return run(tmp_path_factory.mktemp("generate-drop"))


@pytest.fixture
def loaded(tmp_path, pg_dsn) -> tuple[Path, Manifest, str]:
    """A generation loaded into a fresh database: (drop, manifest, DSN)."""
    landing, manifest = run(tmp_path, source_dsn=pg_dsn, load_database=True)
    return landing, manifest, pg_dsn
