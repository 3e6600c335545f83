"""`chu demo` says which defects it injected on purpose, in plain words, before `chu run` reports them."""

import json

from chu_platform.cli.demo import DEFECTS, defects_announcement
from chu_platform.generate import Rates


def test_every_injected_defect_is_announced_in_plain_words(tmp_path):
    kinds = ["duplicate", "late_declaration", "impossible_date", "wrong_field_count", "unknown_diagnosis"]
    files = [{"path": f"f{i}.csv", "defects": {kind: {"count": 10 * (i + 1), "lines": []}}} for i, kind in enumerate(kinds)]
    manifest = tmp_path / "generation-manifest.json"
    manifest.write_text(json.dumps({"files": files}))
    text = defects_announcement(manifest)
    assert "on purpose" in text
    for kind in kinds:
        assert DEFECTS[kind] in text
        assert f" {kind}\n" not in text + "\n"
    assert "hospitalisations_every_stay_placed" in text and "     30  " in text


def test_every_defect_rate_of_the_generator_has_plain_words():
    named = set(DEFECTS) | {"death_duplicate", "death_late"}
    assert set(Rates.__dataclass_fields__) <= named


def test_the_demo_records_its_benchmark_as_a_named_job(chu_env):
    """The benchmark run `chu demo` records is the `benchmark_queries` job (the UI's run list
    names it), of the query benchmark alone; on an empty lake it records its skip and succeeds."""
    import dagster as dg

    from chu_platform.cli.demo import record_benchmark
    from chu_platform.cli.run import load_definitions
    from chu_platform.defs import jobs

    job = load_definitions().resolve_job_def(jobs.BENCHMARK)
    assert set(job.asset_layer.executable_asset_keys) == {jobs.BENCHMARK_KEY}
    assert record_benchmark(repetitions=1)
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
    assert [r.job_name for r in runs] == [jobs.BENCHMARK]
