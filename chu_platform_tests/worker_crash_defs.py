"""Definitions whose one asset kills the process building it: a worker dying (out of memory)."""

import os

import dagster as dg

from chu_platform.partitions import yearly_partitions


@dg.asset(key=["bronze", "crash"], group_name="bronze", partitions_def=yearly_partitions)
def crash() -> None:
    os._exit(9)


defs = dg.Definitions(assets=[crash])
