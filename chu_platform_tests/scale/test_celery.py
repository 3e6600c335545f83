"""Scale-out: year partitions executed by two Dagster Celery workers on the machine's RabbitMQ."""

import contextlib
import json
import subprocess
import time
import uuid
from pathlib import Path

import dagster as dg
import kombu
import polars as pl
import yaml
from dagster._core.instance.ref import InstanceRef

from chu_platform.lib import delta_store
from chu_platform.lib.executor import worker_config
from chu_platform.deploy.services import stop_process_group
from chu_platform_tests.scale.conftest import BIN, need_service, platform_env

BROKER = "pyamqp://guest:guest@127.0.0.1:5672//"
YEARS = ("2020", "2021")
ASSETS = ("deaths", "satisfaction")


def _start_worker(name: str, config: Path, queue: str, env: dict, log: Path) -> subprocess.Popen:
    # Own process group: the worker, the celery process it execs and its pool stop together, by id.
    return subprocess.Popen(
        [str(BIN / "dagster-celery"), "worker", "start", "-A", "dagster_celery.app", "-y", str(config),
         "-q", queue, "-n", name, "-l", "INFO", "--", "--concurrency=1", "--without-gossip", "--without-mingle"],
        env=env, stdout=log.open("w"), stderr=subprocess.STDOUT, start_new_session=True,
    )


def _wait_ready(workers: list[subprocess.Popen], logs: list[Path], timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker, log in zip(workers, logs):
            assert worker.poll() is None, f"worker exited:\n{log.read_text()[-3000:]}"
        if all(" ready." in log.read_text() for log in logs):
            return
        time.sleep(0.5)
    raise AssertionError("workers not ready:\n" + "\n".join(log.read_text()[-2000:] for log in logs))


def _stop(process: subprocess.Popen) -> None:
    """The process and whatever it started (its group), as `make down` stops a service."""
    stop_process_group(process.pid, timeout=20)
    process.wait()


@contextlib.contextmanager
def _two_workers(tmp_path: Path, env: dict, queue: str):
    """Two dagster-celery workers on ``queue`` for the ``with`` block (their names yielded);
    stopped by process group, the queue deleted."""
    config = tmp_path / "celery.yaml"
    config.write_text(yaml.safe_dump(worker_config(env)))
    names = [f"chu-w{i}-{queue}@%h" for i in (1, 2)]
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [_start_worker(n, config, queue, env, log) for n, log in zip(names, logs)]
    try:
        _wait_ready(workers, logs)
        yield names, logs
    finally:
        for process in workers:
            _stop(process)
        with kombu.Connection(BROKER) as connection:
            connection.default_channel.queue_delete(queue)


def test_year_partitions_run_on_two_celery_workers(tmp_path, dagster_home):
    need_service("RabbitMQ", "127.0.0.1", 5672)
    queue = f"chu-test-{uuid.uuid4().hex[:10]}"
    data = tmp_path / "data"
    env = platform_env(data, dagster_home, CHU_EXECUTOR="celery", CHU_CELERY_BROKER=BROKER,
                       CHU_CELERY_QUEUE=queue)
    subprocess.run([str(BIN / "chu"), "generate", "--no-database", "--scale", "0.001", "--years",
                    f"{YEARS[0]}-{YEARS[-1]}", "--manifest", str(tmp_path / "generated.json")],
                   env=env, check=True, capture_output=True)
    config = tmp_path / "celery.yaml"
    config.write_text(yaml.safe_dump(worker_config(env)))
    names = [f"chu-w{i}-{queue}@%h" for i in (1, 2)]
    logs = [tmp_path / f"worker{i}.log" for i in (1, 2)]
    workers = [_start_worker(n, config, queue, env, log) for n, log in zip(names, logs)]
    runs: list[subprocess.Popen] = []
    try:
        _wait_ready(workers, logs)
        # One run per source and year (each source has its own partitions definition, and a
        # run has one), submitted at once as a backfill's runs are; each run's steps (the
        # asset and its checks) are Celery tasks on the queue both workers listen to.
        submitted = [(asset, year) for asset in ASSETS for year in YEARS]
        runs += [subprocess.Popen(
            [str(BIN / "dagster"), "asset", "materialize", "-m", "chu_platform.definitions",
             "--select", f"bronze/{asset}", "--partition", year],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
        ) for asset, year in submitted]
        outputs = [r.communicate(timeout=240)[0] for r in runs]
        for (asset, year), run, output in zip(submitted, runs, outputs):
            assert run.returncode == 0, f"{asset} {year}:\n{output[-3000:]}\n{logs[0].read_text()[-2000:]}"
    finally:
        # Runs first (a run left waiting for its Celery results would outlive the test), then workers.
        for process in [*runs, *workers]:
            _stop(process)
        with kombu.Connection(BROKER) as connection:
            connection.default_channel.queue_delete(queue)

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        records = instance.get_run_records()
        assert sorted(r.dagster_run.tags["dagster/partition"] for r in records) == sorted(YEARS * len(ASSETS))
        assert {r.dagster_run.status for r in records} == {dg.DagsterRunStatus.SUCCESS}
        executed_by = {}
        for record in records:
            events = instance.all_logs(record.dagster_run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT)
            for event in events:
                metadata = event.dagster_event.event_specific_data.metadata
                if "Celery worker" in metadata:
                    step = (record.dagster_run.tags["dagster/partition"], event.step_key)
                    executed_by[step] = metadata["Celery worker"].value.split("@")[0]
        # Every step of every run (the assets and their checks) ran in one of the two workers.
        assert {(y, f"bronze__{a}") for y in YEARS for a in ASSETS} <= set(executed_by)
        assert set(executed_by.values()) <= {n.split("@")[0] for n in names}, executed_by

    # Every generated line of each year's files is a bronze row or a reject, once.
    generated = {f["path"]: f["data_lines"] for f in json.loads((tmp_path / "generated.json").read_text())["files"]}
    lake = delta_store.lake_root(str(data))
    loads = delta_store.read(delta_store.table_uri(lake, ["bronze", "_loads"]))
    assert sorted(loads.get_column("file").to_list()) == sorted(p for p in generated if p.startswith(("deces/", "satisfaction/")))
    assert loads.height > 0
    for file, lines_read, rows, rejects in loads.select("file", "lines_read", "rows", "rejects").iter_rows():
        assert (lines_read, rows + rejects) == (generated[file], generated[file]), file
    for asset in ASSETS:
        table = delta_store.read(delta_store.table_uri(lake, ["bronze", asset]))
        per_year = dict(table.group_by("year").len().iter_rows())
        expected = loads.filter(pl.col("entity") == asset).group_by("year").agg(pl.col("rows").sum())
        assert per_year == dict(expected.iter_rows()), asset


def test_chu_run_follows_chu_executor_celery(tmp_path, dagster_home):
    """``chu run`` launches its range runs through their job's executor: with CHU_EXECUTOR=celery
    every step of every run is a Celery task, run by one of two workers."""
    need_service("RabbitMQ", "127.0.0.1", 5672)
    queue = f"chu-test-{uuid.uuid4().hex[:10]}"
    data = tmp_path / "data"
    env = platform_env(data, dagster_home, CHU_EXECUTOR="celery", CHU_CELERY_BROKER=BROKER, CHU_CELERY_QUEUE=queue)
    subprocess.run([str(BIN / "chu"), "generate", "--no-database", "--scale", "0.001", "--years",
                    f"{YEARS[0]}-{YEARS[-1]}", "--manifest", str(tmp_path / "generated.json")],
                   env=env, check=True, capture_output=True)
    with _two_workers(tmp_path, env, queue) as (names, logs):
        done = subprocess.run([str(BIN / "chu"), "run", "--sources", "deaths"], env=env, capture_output=True,
                              text=True, timeout=900)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:] + logs[0].read_text()[-2000:]

    with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
        records = instance.get_run_records()
        assert sorted(r.dagster_run.job_name for r in records) == ["build_deaths", "load_sources", "publish"]
        assert {r.dagster_run.tags.get("chu/runner") for r in records} == {"chu run"}
        deaths = next(r for r in records if r.dagster_run.job_name == "build_deaths").dagster_run
        assert (deaths.tags["dagster/asset_partition_range_start"], deaths.tags["dagster/asset_partition_range_end"]) \
            == YEARS
        executed_by, steps = {}, set()
        for record in records:
            run_id = record.dagster_run.run_id
            steps |= {(run_id, e.step_key) for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)}
            for event in instance.all_logs(run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
                metadata = event.dagster_event.event_specific_data.metadata
                if "Celery worker" in metadata:
                    executed_by[(run_id, event.step_key)] = metadata["Celery worker"].value.split("@")[0]
        # Every step that ran, in each of the three runs, ran in one of the two workers.
        assert steps and steps <= set(executed_by), steps - set(executed_by)
        assert set(executed_by.values()) <= {n.split("@")[0] for n in names}
    fact = delta_store.read(delta_store.table_uri(delta_store.lake_root(str(data)), ["gold", "fact_deces"]))
    assert sorted(fact["year"].unique().to_list()) == [int(y) for y in YEARS]
