"""A tiny synthetic gold, shared by the benchmark tests (written once per session)."""

from pathlib import Path

import pytest

from benchmarks import synthetic_gold

YEARS = (2022, 2023)
SCALE = 0.0005


@pytest.fixture(scope="session")
def tiny_lake(tmp_path_factory) -> str:
    """A lake holding only gold tables, two years, a few hundred rows per fact."""
    lake = tmp_path_factory.mktemp("ops") / "lake"
    synthetic_gold.write_gold(str(lake), SCALE, seed=11, years=YEARS)
    return str(lake)


@pytest.fixture
def gold_uris(tiny_lake) -> dict[str, str]:
    return {name: str(Path(tiny_lake) / "gold" / name) for name in (*synthetic_gold.DIMENSIONS, *synthetic_gold.FACTS)}
