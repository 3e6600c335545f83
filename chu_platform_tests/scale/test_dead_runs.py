"""Under a real dagster-daemon: killed runs are marked failed and the queue moves on."""

import os
import shutil
import signal
import time
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.instance.ref import InstanceRef

from chu_platform.deploy.instance import instance_config
from chu_platform.deploy.services import stop_process_group
from chu_platform_tests.scale.conftest import platform_env, start_daemon, wait_for
from chu_platform_tests.scale.dead_run_defs import SLOTS

REPO = Path(__file__).resolve().parents[2]
# Monitoring polls every 10 s; start-up of the daemon and its code servers on a loaded
# two-core machine takes most of the rest.
DEAD_WITHIN = 60
# Launching a run process takes seconds on an idle machine, minutes when eight test suites share it.
STARTUP = 300


def test_killed_runs_are_failed_and_a_new_file_still_loads(tmp_path, dagster_home, generated_deaths, monkeypatch):
    # The project's own dagster.yaml (queue, run monitoring, launcher), on a fresh home.
    monkeypatch.setenv("DAGSTER_HOME", str(dagster_home))
    # (with its storage under this home: the repository's copy names data/dagster relative to the checkout)
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(instance_config(dagster_home, False)))
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [
        {"python_module": {"module_name": "chu_platform.definitions", "working_directory": str(REPO)}},
        {"python_module": {"module_name": "chu_platform_tests.scale.dead_run_defs", "working_directory": str(REPO)}},
    ]}))
    data = tmp_path / "data"
    (data / "landing").mkdir(parents=True)
    env = platform_env(data, dagster_home)
    log = tmp_path / "daemon.log"
    daemon = start_daemon(tmp_path / "workspace.yaml", REPO, env, log)
    try:
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
            def sleepers(status=None):
                runs = instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "start_sleepers"}))
                return [r for r in runs if status is None or r.status == status]

            def pids():
                found = {}
                for run in sleepers(dg.DagsterRunStatus.STARTED):
                    for entry in instance.all_logs(run.run_id, of_type=dg.DagsterEventType.ENGINE_EVENT):
                        if entry.dagster_event.message.startswith("Started process for run (pid: "):
                            found[run.run_id] = int(entry.dagster_event.message.split("pid: ")[1].split(")")[0])
                return found if len(found) == SLOTS else None

            # Every queue slot (max_concurrent_runs) held by a sleeping run, then their processes killed.
            assert SLOTS >= 2
            running = wait_for(f"{SLOTS} sleeping runs", pids, STARTUP, log, poll=1)
            for pid in running.values():
                os.kill(pid, signal.SIGKILL)
            killed_at = time.monotonic()
            wait_for("every killed run failed", lambda: len(sleepers(dg.DagsterRunStatus.FAILURE)) == SLOTS, DEAD_WITHIN, log,
                     poll=1)
            assert time.monotonic() - killed_at < DEAD_WITHIN

            # A file dropped now is loaded: the sensor's run is not stuck behind dead runs.
            shutil.copytree(generated_deaths, data / "landing" / "deces")
            loads = lambda: [r for r in instance.get_runs(dg.RunsFilter(tags={"dagster/sensor_name": "ftp_new_files"}))
                             if r.status in (dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE)]
            done = wait_for("the new file's run", loads, STARTUP, log, poll=1)
            assert len(done) == 1
            loaded = instance.get_latest_materialization_event(dg.AssetKey(["bronze", "deaths"]))
            assert loaded is not None and loaded.run_id == done[0].run_id
            # The run-failure sensor (a tick every 10 s) has written one line per killed run.
            failures_log = data / "logs" / "failures.log"

            def logged() -> set[str]:
                lines = failures_log.read_text().splitlines() if failures_log.exists() else []
                return {line.split("run=")[1].split()[0] for line in lines if "run=" in line}

            wait_for("one failures.log line per killed run", lambda: set(running) <= logged(), DEAD_WITHIN, log, poll=1)
    finally:
        stop_process_group(daemon.pid, timeout=30)
        daemon.wait()
