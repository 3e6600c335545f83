"""The stage planner makes as few Dagster runs as dependencies allow."""

import dagster as dg

from chu_platform.partitions import yearly_partitions
from chu_platform.runner import materializable_keys, plan_stages


def _names(stages):
    return [(s.partitioned, [k.to_user_string() for k in s.keys]) for s in stages]


def test_unpartitioned_chain_shares_one_stage_and_facts_follow():
    @dg.asset(key=["silver", "things"], group_name="silver", partitions_def=yearly_partitions)
    def things() -> None: ...

    @dg.asset(key=["gold", "dim_a"], group_name="gold")
    def dim_a() -> None: ...

    @dg.asset(key=["gold", "dim_b"], group_name="gold", deps=[dim_a])
    def dim_b() -> None: ...

    @dg.asset(key=["gold", "fact"], group_name="gold", partitions_def=yearly_partitions, deps=[things, dim_b])
    def fact() -> None: ...

    @dg.asset(key=["marts", "m"], group_name="marts", deps=[fact])
    def m() -> None: ...

    defs = dg.Definitions(assets=[things, dim_a, dim_b, fact, m])
    assert _names(plan_stages(defs, materializable_keys(defs))) == [
        (False, ["gold/dim_a", "gold/dim_b"]),
        (True, ["silver/things", "gold/fact"]),
        (False, ["marts/m"]),
    ]


def test_every_asset_comes_after_its_parents():
    @dg.asset(key=["bronze", "a"], group_name="bronze")
    def a() -> None: ...

    @dg.asset(key=["silver", "b"], group_name="silver", partitions_def=yearly_partitions, deps=[a])
    def b() -> None: ...

    @dg.asset(key=["gold", "c"], group_name="gold", deps=[b])
    def c() -> None: ...

    @dg.asset(key=["gold", "d"], group_name="gold", partitions_def=yearly_partitions, deps=[c])
    def d() -> None: ...

    defs = dg.Definitions(assets=[a, b, c, d])
    stages = plan_stages(defs, materializable_keys(defs))
    order = [k for s in stages for k in s.keys]
    graph = defs.resolve_asset_graph()
    for key in order:
        for parent in graph.get(key).parent_keys:
            assert order.index(parent) < order.index(key)
    assert len(stages) == 4
