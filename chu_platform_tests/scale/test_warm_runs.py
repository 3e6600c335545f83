"""Warm runs (chu_platform/lib/run_launcher.py, lib/run_forker.py): under a real dagster-daemon,
a run of the warm code location is forked from the process that imported it, is cancelled
like any run, and a changed source file gets a new warm process; a module that starts a
Python thread is refused and its runs start Dagster's way."""

import os
import sys
import textwrap
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest
import yaml
from dagster._core.instance.ref import InstanceRef

from chu_platform.deploy.instance import instance_config
from chu_platform.deploy.services import stop_process_group
from chu_platform.lib import run_launcher
from chu_platform_tests.scale.conftest import platform_env, start_daemon, wait_for

# Starting the daemon and its code server takes seconds on an idle machine, minutes when the
# machine is shared.
STARTUP = 300

CODE = '''
import os, time
import dagster as dg
import psutil

TRIGGER = os.environ.get("WARM_TEST_TRIGGER", "/nonexistent")


class Nap(dg.Config):
    seconds: float = 0.0


@dg.asset(key=["test", "warm"])
def warm(config: Nap) -> dg.MaterializeResult:
    time.sleep(config.seconds)
    parent = psutil.Process(os.getppid())
    return dg.MaterializeResult(metadata={"pid": os.getpid(), "parent_pid": parent.pid,
                                          "parent": " ".join(parent.cmdline())})


@dg.sensor(target=warm, minimum_interval_seconds=1, default_status=dg.DefaultSensorStatus.RUNNING)
def trigger():
    lines = open(TRIGGER).read().split() if os.path.exists(TRIGGER) else []
    for item in lines:
        key, seconds = item.split(":")
        yield dg.RunRequest(run_key=key, tags={"test/key": key},
                            run_config={"ops": {"test__warm": {"config": {"seconds": float(seconds)}}}})


defs = dg.Definitions(assets=[warm], sensors=[trigger], executor=dg.in_process_executor)
'''


def test_runs_forked_from_the_warm_process_cancelled_and_refreshed(tmp_path, dagster_home):
    package = tmp_path / "code" / "warmpkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "defs.py").write_text(CODE)
    config = instance_config(dagster_home, False)
    config["run_launcher"]["config"]["warm_module"] = "warmpkg.defs"
    (dagster_home / "dagster.yaml").write_text(yaml.safe_dump(config))
    (tmp_path / "workspace.yaml").write_text(yaml.safe_dump({"load_from": [
        {"python_module": {"module_name": "warmpkg.defs", "working_directory": str(tmp_path / "code")}}]}))
    trigger = tmp_path / "trigger"
    env = platform_env(tmp_path / "data", dagster_home, WARM_TEST_TRIGGER=str(trigger))
    log = tmp_path / "daemon.log"
    daemon = start_daemon(tmp_path / "workspace.yaml", tmp_path, env, log, platform=True)
    try:
        with dg.DagsterInstance.from_ref(InstanceRef.from_dir(str(dagster_home))) as instance:
            def run(key, status=None):
                runs = instance.get_runs(dg.RunsFilter(tags={"test/key": key}))
                return runs[0] if runs and (status is None or runs[0].status in status) else None

            def materialised(run_id):
                records = instance.fetch_materializations(dg.AssetKey(["test", "warm"]), limit=50).records
                event = next(r.asset_materialization for r in records if r.run_id == run_id)
                return {k: v.value for k, v in event.metadata.items()}

            done = {dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED}
            # The daemon starts the warm process as it starts, not at the first run.
            forker = wait_for("the warm process", lambda: [p for p in psutil.Process(daemon.pid).children(recursive=True)
                                                          if "run_forker" in " ".join(p.cmdline())], STARTUP, log)
            requested = time.time()
            trigger.write_text("first:0\n")
            first = wait_for("the first run", lambda: run("first", done), STARTUP, log)
            assert first.status == dg.DagsterRunStatus.SUCCESS
            first_meta = materialised(first.run_id)
            # Its process is a fork of the warm process, which the daemon started.
            assert "chu_platform.lib.run_forker warmpkg.defs" in first_meta["parent"]
            assert first_meta["parent_pid"] == forker[0].pid and forker[0].create_time() < requested
            assert int(first.tags[run_launcher.FORKED_PID_TAG]) == first_meta["pid"]
            assert run_launcher.run_process(instance, first.run_id)[0] == first_meta["pid"]

            # A run is cancelled from another process (as the UI does) and ends CANCELED.
            trigger.write_text("first:0 sleeper:600\n")
            sleeper = wait_for("the sleeping run", lambda: run("sleeper", {dg.DagsterRunStatus.STARTED})
                            and run_launcher.run_process(instance, run("sleeper").run_id) and run("sleeper"), STARTUP, log)
            assert instance.run_launcher.terminate(sleeper.run_id)
            cancelled = wait_for("the cancelled run", lambda: run("sleeper", done), 60, log)
            assert cancelled.status == dg.DagsterRunStatus.CANCELED

            # A source file changed: the next run comes from a new warm process, with the new code.
            time.sleep(0.05)
            (package / "defs.py").write_text(CODE.replace('"parent": " "', '"changed": True, "parent": " "'))
            trigger.write_text("first:0 sleeper:600 third:0\n")
            third = wait_for("the third run", lambda: run("third", done), STARTUP, log)
            assert third.status == dg.DagsterRunStatus.SUCCESS
            third_meta = materialised(third.run_id)
            assert third_meta["parent_pid"] != first_meta["parent_pid"]
            assert third_meta.get("changed") is True
            assert "Runs start through the code server" not in log.read_text()
    finally:
        stop_process_group(daemon.pid, timeout=30)
        daemon.wait()


def test_a_module_starting_a_thread_is_refused(tmp_path):
    (tmp_path / "threaded.py").write_text(textwrap.dedent("""
        import threading, time
        threading.Thread(target=time.sleep, args=(60,), daemon=True, name="poller").start()
    """))
    with pytest.raises(RuntimeError, match="poller"):
        run_launcher.Forker(sys.executable, "threaded", str(tmp_path))


def test_source_stamp_follows_the_newest_file(tmp_path):
    (tmp_path / "a.py").write_text("")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.py").write_text("")
    before = run_launcher.source_stamp(tmp_path)
    later = time.time() + 5
    os.utime(tmp_path / "sub" / "b.py", (later, later))
    assert run_launcher.source_stamp(tmp_path) > before


def test_the_files_watched_are_those_of_the_package_imported(tmp_path, monkeypatch):
    """The workspace's ``working_directory: .`` is relative to the daemon's directory (the instance
    home), where no package lies: the warm process says where the package it imported lies, and
    a change there makes it stale."""
    code, elsewhere = tmp_path / "code", tmp_path / "home"
    (code / "pkgwatched").mkdir(parents=True)
    (code / "pkgwatched" / "__init__.py").write_text("VALUE = 1\n")
    elsewhere.mkdir()
    monkeypatch.setenv("PYTHONPATH", str(code))
    forker = run_launcher.Forker(sys.executable, "pkgwatched", str(elsewhere))
    try:
        assert forker.package_dir == code / "pkgwatched"
        assert not forker.stale()
        time.sleep(0.05)
        (code / "pkgwatched" / "__init__.py").write_text("VALUE = 2\n")
        assert forker.stale()
    finally:
        forker.stop()


FORK_AFTER_WARM = '''
import json, os, sys
from chu_platform.lib import run_forker
run_forker.warm("chu_platform.definitions")
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    try:
        before = set(sys.modules)
        import polars as pl
        from chu_platform.defs.silver.checks import pandera_model
        from chu_platform.schemas.validation import validate
        frame = pl.DataFrame({"a": list(range(50_000)), "b": list(range(50_000))})
        grouped = frame.group_by("a").agg(pl.col("b").sum()).height
        outcome = validate(pandera_model("silver", "patients"), frame)
        new = sorted({m.split(".")[0] for m in set(sys.modules) - before})
        os.write(write, json.dumps({"grouped": grouped, "passed": outcome.passed, "new": new}).encode())
    finally:
        os._exit(0)
os.close(write)
print(os.read(read, 100_000).decode())
os.waitpid(pid, 0)
'''


def test_a_run_forked_from_the_warm_process_finds_its_check_libraries_loaded():
    """The warm process imports what a run's first contract check needs (``RUN_MODULES``): the
    forked run imports neither pandas nor Pandera again, and the fork still runs Polars' parallel
    queries (a module that started Polars' thread pool at import would hang it)."""
    import json
    import subprocess

    done = subprocess.run([sys.executable, "-c", FORK_AFTER_WARM], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    answer = done.stdout.strip()
    assert answer, f"the forked run answered nothing: {done.stderr[-3000:]}"
    child = json.loads(answer.splitlines()[-1])
    assert child["grouped"] == 50_000 and child["passed"] is False  # a frame without the model's columns
    assert not {"pandas", "pandera", "upath", "fsspec"} & set(child["new"]), child["new"]
