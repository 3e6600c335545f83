"""A register file's deaths of earlier years reach those years' silver/deaths."""

import dagster as dg

from chu_platform.defs.silver.late_declarations import late_death_declarations, years_to_refresh
from chu_platform.orchestration.build_target import range_tags
from chu_platform.defs.tags import RUNNER_TAG
from chu_platform.deploy.instance import prepare_home
from chu_platform.lib import delta_store
from chu_platform.schemas.sources import DEATHS_FIXED_WIDTH

DEATHS_CHAIN = [dg.AssetKey(["bronze", "deaths"]), dg.AssetKey(["silver", "death_declarations"])]


def _line(name: str, died: str) -> str:
    fields = {"nomprenom": f"{name}*JEANNE/", "sexe": "2", "datenaiss": "19400101", "lieunaiss": "75056",
              "commnaiss": "PARIS", "paysnaiss": "", "datedeces": died, "lieudeces": "75056", "actedeces": "1"}
    return "".join(fields[n].ljust(e - s + 1) for n, s, e in DEATHS_FIXED_WIDTH) + "\n"


def test_years_to_refresh_are_the_other_built_years():
    assert years_to_refresh([2018, 2019, 2020], 2020, {"2019", "2020"}) == ["2019"]
    assert years_to_refresh([2020], 2020, {"2019", "2020"}) == []
    assert years_to_refresh([], 2020, set()) == []


def test_a_new_file_declaring_an_earlier_death_requests_that_year(chu_env):
    import chu_platform.definitions as platform

    defs = platform.defs
    assets = [*defs.assets, *(defs.asset_checks or [])]
    drop = chu_env / "landing"
    drop.mkdir(parents=True)
    (drop / "deces-2019.txt").write_text(_line("MARTIN", "20190301") + _line("DURAND", "20190405"))
    (drop / "deces-2020.txt").write_text(_line("PETIT", "20200102"))
    prepare_home(chu_env)
    with dg.DagsterInstance.get() as instance:
        # The platform as chu run builds it: one range run of the deaths chain over both years.
        assert dg.materialize(assets, selection=[*DEATHS_CHAIN, dg.AssetKey(["silver", "deaths"])], instance=instance,
                              resources=defs.resources, tags=range_tags([2019, 2020])).success
        first = late_death_declarations(dg.build_sensor_context(instance=instance, definitions=defs))
        assert not first.run_requests and first.cursor  # history is not replayed
        # A corrected 2020 file now also declares a death of 2019 (a daemon run: no chu run tag).
        (drop / "deces-2020.txt").write_text(_line("PETIT", "20200102") + _line("LEROY", "20191230"))
        loaded = dg.materialize(assets, selection=DEATHS_CHAIN, partition_key="2020", instance=instance,
                                resources=defs.resources)
        assert loaded.success
        tick = late_death_declarations(dg.build_sensor_context(instance=instance, cursor=first.cursor, definitions=defs))
        assert [(r.partition_key, r.tags["chu/late_declarations_from"]) for r in tick.run_requests] == [("2019", "2020")]
        # What the request runs puts the late death in its year.
        assert dg.materialize(assets, selection=[dg.AssetKey(["silver", "deaths"])], partition_key="2019", instance=instance,
                              resources=defs.resources).success
        deaths_2019 = delta_store.read(delta_store.table_uri(str(chu_env / "lake"), ["silver", "deaths"]), years=[2019])
        assert deaths_2019.height == 3 and sorted(deaths_2019["annee_fichier"].to_list()) == [2019, 2019, 2020]
        # Nothing new: nothing asked again.
        again = late_death_declarations(dg.build_sensor_context(instance=instance, cursor=tick.cursor, definitions=defs))
        assert not again.run_requests
        # A chu run rebuilds every year itself: not followed.
        assert dg.materialize(assets, selection=DEATHS_CHAIN, partition_key="2020", instance=instance,
                              resources=defs.resources, tags={RUNNER_TAG: "chu run"}).success
        after_chu_run = late_death_declarations(dg.build_sensor_context(instance=instance, cursor=tick.cursor, definitions=defs))
        assert not after_chu_run.run_requests
