"""chu run's parallel path: the years of a partitioned stage in worker processes, same result."""

import dagster as dg
import polars as pl

from chu_platform.instance import prepare_home
from chu_platform.lib import delta_store
from chu_platform.runner import Stage, materialize_stages
from chu_platform.sources import DEATHS_FIXED_WIDTH


def _register(year: int, lines: int) -> str:
    fields = {"nomprenom": "NOM*PRENOM/", "sexe": "2", "datenaiss": "19400101", "lieunaiss": "75056",
              "commnaiss": "PARIS", "paysnaiss": "", "datedeces": f"{year}0301", "lieudeces": "75056", "actedeces": "1"}
    return ("".join(fields[n].ljust(e - s + 1) for n, s, e in DEATHS_FIXED_WIDTH) + "\n") * lines


def test_years_built_by_two_worker_processes_land_like_in_process(chu_env):
    import chu_platform.definitions as platform

    landing = chu_env / "landing"
    landing.mkdir(parents=True)
    years = {2018: 3, 2019: 4, 2020: 5}
    for year, lines in years.items():
        (landing / f"deces-{year}.txt").write_text(_register(year, lines))
    prepare_home(chu_env)
    deaths = dg.AssetKey(["bronze", "deaths"])
    with dg.DagsterInstance.get() as instance:
        seen = []
        results = materialize_stages(
            platform.defs, [Stage(True, [deaths])], {deaths: sorted(years)}, instance, seen.append,
            workers=2, definitions_module=platform.__name__,
        )
        assert [r.partition for r in results] == ["2018", "2019", "2020"] and all(r.success for r in results)
        assert sorted(r.partition for r in seen) == ["2018", "2019", "2020"]
        # The runs were recorded in the instance by the workers.
        assert len(instance.get_runs()) == 3
    table = delta_store.read(delta_store.table_uri(str(chu_env / "lake"), ["bronze", "deaths"]))
    assert table.group_by("year").len().sort("year").rows() == [(y, n) for y, n in years.items()]
    assert pl.Series(table["_run_id"]).n_unique() == 3


def test_the_register_years_are_independent_runs():
    """silver/deaths reads every year of the declarations, which a previous stage wrote: its
    years, and what the stage builds from them, run like any other year (no whole-register
    chain holding one worker)."""
    import chu_platform.definitions as platform
    from chu_platform.runner import count_runs, materializable_keys, plan_stages

    defs = platform.defs
    keys = {k for k in materializable_keys(defs) if k.path[0] != "ops"}
    stages = plan_stages(defs, keys)
    where = {k.to_user_string(): i for i, s in enumerate(stages) for k in s.keys}
    assert where["silver/death_declarations"] == where["bronze/deaths"]
    assert where["silver/deaths"] > where["silver/death_declarations"]
    assert where["gold/fact_deces"] == where["silver/deaths"] == where["gold/agg_deaths_by_region"]
    years = {k: [2019, 2020] for s in stages for k in s.keys}
    partitioned = sum(s.partitioned for s in stages)
    assert count_runs(stages, years) == 2 * partitioned + (len(stages) - partitioned)


def test_a_worker_killed_mid_run_gives_an_error_saying_what_to_do(chu_env):
    import pytest

    from chu_platform_tests import worker_crash_defs

    prepare_home(chu_env)
    crash = dg.AssetKey(["bronze", "crash"])
    with dg.DagsterInstance.get() as instance, pytest.raises(RuntimeError, match=r"bronze/crash died .*--workers 1"):
        materialize_stages(worker_crash_defs.defs, [Stage(True, [crash])], {crash: [2019]}, instance,
                           workers=2, definitions_module=worker_crash_defs.__name__)


def test_workers_fit_the_largest_input_in_memory():
    from chu_platform.runner import workers_for_memory

    gib = 1 << 30
    # Scale 1 (a 110 MB register file) on 22 GiB: two workers.
    assert workers_for_memory(2, 110_000_000, 22 * gib) == (2, False)
    # Scale 10 (1.2 GB files) on 22 GiB: ~12 GB each, one at a time, a fresh process each run.
    assert workers_for_memory(2, 1_200_000_000, 22 * gib) == (1, True)
    # Never fewer than one, never more than asked; small inputs count as 1 GiB each.
    assert workers_for_memory(2, 5_000_000_000, 4 * gib) == (1, True)
    assert workers_for_memory(4, 0, 3 * gib) == (2, True)
    assert workers_for_memory(4, 0, 8 * gib) == (4, False)


def test_chu_run_workers_option(chu_env):
    import click
    import pytest

    from chu_platform.cli.run import choose_workers
    import chu_platform.definitions as platform

    landing = chu_env / "landing"
    landing.mkdir(parents=True, exist_ok=True)
    (landing / "deces-2019.txt").write_text(_register(2019, 3))
    assert choose_workers("1", platform.defs) == (1, False, "as asked")
    count, recycle, why = choose_workers("auto", platform.defs)
    assert count in (1, 2) and not recycle and "deces-2019.txt" in why
    with pytest.raises(click.BadParameter):
        choose_workers("many", platform.defs)
    with pytest.raises(click.BadParameter):
        choose_workers("0", platform.defs)


def test_recycled_workers_give_each_year_its_own_process(chu_env):
    import os
    import re

    import chu_platform.definitions as platform

    landing = chu_env / "landing"
    landing.mkdir(parents=True)
    for year in (2018, 2019, 2020):
        (landing / f"deces-{year}.txt").write_text(_register(year, 2))
    prepare_home(chu_env)
    deaths = dg.AssetKey(["bronze", "deaths"])
    with dg.DagsterInstance.get() as instance:
        results = materialize_stages(
            platform.defs, [Stage(True, [deaths])], {deaths: [2018, 2019, 2020]}, instance,
            workers=1, definitions_module=platform.__name__, recycle=True,
        )
        assert all(r.success for r in results)
        pids = set()
        for run in instance.get_runs():
            for entry in instance.all_logs(run.run_id):
                found = re.search(r"process \(pid: (\d+)\)", entry.message or "")
                if found:
                    pids.add(int(found.group(1)))
    assert len(pids) == 3 and os.getpid() not in pids
