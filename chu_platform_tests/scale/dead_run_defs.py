"""A second code location for the dead-run test: two runs that sleep until they are killed."""

import time

import dagster as dg


@dg.asset(key=["test", "sleeper"], partitions_def=dg.StaticPartitionsDefinition(["a", "b"]))
def sleeper() -> None:
    time.sleep(600)


@dg.sensor(target=sleeper, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def start_sleepers() -> list[dg.RunRequest]:
    return [dg.RunRequest(run_key=f"sleeper-{p}", partition_key=p) for p in ("a", "b")]


# In process, as the platform runs: the recorded run process is the one sleeping.
defs = dg.Definitions(assets=[sleeper], sensors=[start_sleepers], executor=dg.in_process_executor)
