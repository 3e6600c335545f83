"""A second code location for the dead-run test: as many runs as the queue has slots, each
sleeping until it is killed."""

import string
import time
from pathlib import Path

import dagster as dg
import yaml

# The run queue's slots (``max_concurrent_runs`` of the repository's dagster.yaml): all held.
SLOTS = yaml.safe_load((Path(__file__).resolve().parents[2] / "dagster.yaml").read_text())[
    "run_coordinator"]["config"]["max_concurrent_runs"]
PARTITIONS = list(string.ascii_lowercase[:SLOTS])


@dg.asset(key=["test", "sleeper"], partitions_def=dg.StaticPartitionsDefinition(PARTITIONS))
def sleeper() -> None:
    time.sleep(600)


@dg.sensor(target=sleeper, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def start_sleepers() -> list[dg.RunRequest]:
    return [dg.RunRequest(run_key=f"sleeper-{p}", partition_key=p) for p in PARTITIONS]


# In process, as the platform runs: the recorded run process is the one sleeping.
defs = dg.Definitions(assets=[sleeper], sensors=[start_sleepers], executor=dg.in_process_executor)
