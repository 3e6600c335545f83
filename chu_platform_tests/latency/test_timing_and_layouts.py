"""Timing harness arithmetic, layout answers checked against gold, the synthesiser's contract."""

from pathlib import Path

import polars as pl
import pytest

from benchmarks import synthetic_gold
from chu_platform.lib import delta_store
from chu_platform.latency import timing
from chu_platform.latency.benchmark import run_benchmark
from chu_platform.latency.compare import AnswerMismatch


def test_percentiles_are_observed_values():
    values = [float(v) for v in range(1, 21)]
    assert timing.percentile(values, 50) == 10.0
    assert timing.percentile(values, 95) == 19.0
    assert timing.percentile([7.0], 95) == 7.0


def test_measure_runs_once_cold_then_the_warm_repetitions():
    calls = []
    latency = timing.measure(lambda: calls.append(1), repetitions=4)
    assert len(calls) == 5
    assert latency.repetitions == 4
    assert latency.min_ms <= latency.p50_ms <= latency.p95_ms
    with pytest.raises(ValueError):
        timing.measure(lambda: None, repetitions=0)


def test_geometric_mean():
    assert timing.geometric_mean([2.0, 8.0]) == pytest.approx(4.0)


def test_synthetic_gold_is_deterministic_and_follows_the_contract(tmp_path):
    first = synthetic_gold.write_gold(str(tmp_path / "a"), 0.0003, seed=3, years=(2021,))
    second = synthetic_gold.write_gold(str(tmp_path / "b"), 0.0003, seed=3, years=(2021,))
    assert first == second
    a = delta_store.read(str(tmp_path / "a" / "gold" / "fact_consultation"))
    b = delta_store.read(str(tmp_path / "b" / "gold" / "fact_consultation"))
    assert a.equals(b)
    assert a.columns == [
        "consultation_id", "date_key", "patient_key", "professionnel_key", "diagnostic_key",
        "etablissement_key", "duree_minutes", "year",
    ]
    assert a.schema["year"] == pl.Int32
    assert (a["date_key"] // 10000 == 2021).all()
    patients = delta_store.read(str(tmp_path / "a" / "gold" / "dim_patient"))
    assert patients["patient_key"].is_unique().all()
    assert set(a["patient_key"]) <= set(patients["patient_key"])


def test_a_layout_whose_answer_differs_from_gold_fails_the_run(tiny_lake, tmp_path):
    scratch = tmp_path / "layouts"
    run_benchmark(tiny_lake, scratch, ["delta_unpartitioned"], repetitions=1)
    copy = str(scratch / "delta_unpartitioned" / "fact_deces")
    extra = delta_store.read(copy).head(1).with_columns(pl.col("deces_id") + 10**9)
    delta_store.append(extra, copy)
    with pytest.raises(AnswerMismatch, match="deaths_by_region: delta_unpartitioned disagrees"):
        run_benchmark(tiny_lake, scratch, ["delta_unpartitioned"], repetitions=1)
    assert Path(scratch / "delta_unpartitioned" / "_built_from.json").exists()
