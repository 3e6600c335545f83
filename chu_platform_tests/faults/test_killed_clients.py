"""No process outlives its client (issue 24): `chu run` and `chu backfill`, started as a user
starts them on a small generated drop, killed in the middle of a run (SIGTERM, SIGINT, SIGKILL),
leave no process of their tree alive, no run STARTED or QUEUED, no backfill in flight, and the
next command is not refused."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import psutil
import pytest

from chu_platform.deploy.instance import prepare_home
from chu_platform.lib.dagster_private import backfills_in_flight
from chu_platform.orchestration.build_target import ACTIVE
from chu_platform_tests.faults.conftest import deliver

CHU = str(Path(sys.executable).with_name("chu"))


def _start(*args: str, log: Path) -> subprocess.Popen:
    # A session of its own, as a terminal's job: the test's own processes are never in it.
    return subprocess.Popen([CHU, *args], stdout=open(log, "w"), stderr=subprocess.STDOUT,
                            start_new_session=True, env=dict(os.environ))


def _kill_once_a_run_started(process: subprocess.Popen, instance, signum: int,
                             timeout: float = 600) -> tuple[set[psutil.Process], float]:
    """Wait for a run STARTED (collecting the client's process tree meanwhile), send ``signum``;
    returns every process the tree held, and when the signal was sent."""
    tree: set[psutil.Process] = set()
    deadline = time.monotonic() + timeout
    while True:
        try:
            tree |= set(psutil.Process(process.pid).children(recursive=True))
        except psutil.NoSuchProcess:
            pass
        if instance.get_run_records(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED])):
            break
        assert process.poll() is None, f"the client ended before any run started ({process.returncode})"
        assert time.monotonic() < deadline, "no run started"
        time.sleep(0.2)
    time.sleep(1.0)
    try:
        tree |= set(psutil.Process(process.pid).children(recursive=True))
    except psutil.NoSuchProcess:
        pass
    sent = time.time()
    os.kill(process.pid, signum)
    return tree, sent


def _survivors(tree: set[psutil.Process], session: int, timeout: float) -> list[str]:
    """What of ``tree`` (and of the client's session) is still alive after ``timeout`` seconds."""
    _, alive = psutil.wait_procs(list(tree), timeout=timeout)
    in_session = [p for p in psutil.process_iter() if _sid(p.pid) == session]
    return [f"{p.pid} {' '.join(_cmdline(p)[:4])}" for p in {*alive, *in_session} if _alive(p)]


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _sid(pid: int) -> int | None:
    try:
        return os.getsid(pid)
    except OSError:
        return None


def _cmdline(process: psutil.Process) -> list[str]:
    try:
        return process.cmdline()
    except psutil.Error:
        return []


def _active(instance) -> list[str]:
    return [f"{r.dagster_run.run_id[:8]} {r.dagster_run.job_name} {r.dagster_run.status.value}"
            for r in instance.get_run_records(dg.RunsFilter(statuses=ACTIVE))]


def test_a_killed_chu_run_leaves_no_process_and_no_run_going(chu_env, generated_drop, tmp_path):
    deliver(generated_drop, chu_env, "deces")
    prepare_home(chu_env)
    with dg.DagsterInstance.get() as instance:
        for signum in (signal.SIGTERM, signal.SIGINT):
            client = _start("run", "--sources", "deaths", log=tmp_path / f"run-{signum}.log")
            tree, sent = _kill_once_a_run_started(client, instance, signum)
            assert client.wait(120) == 1
            output = (tmp_path / f"run-{signum}.log").read_text()
            assert "interrupted (" in output and "no further run started" in output, output[-3000:]
            # The message is true of the run it names: ended by the signal (failed), or the signal
            # came as it ended, or between runs (a build of one source is quick).
            said = re.search(r"interrupted \((?:run (\w{8}) stopped by a signal: it ended failed|"
                             r"SIG\w+ as run (\w{8}) ended, (done|failed)|(SIG\w+))\)", output)
            assert said, output[-3000:]
            runs = {r.dagster_run.run_id[:8]: r.dagster_run for r in instance.get_run_records()}
            if said.group(1):
                assert runs[said.group(1)].status == dg.DagsterRunStatus.FAILURE
            if said.group(2):
                assert runs[said.group(2)].is_success == (said.group(3) == "done")
            assert _survivors(tree, client.pid, timeout=30) == []
            assert _active(instance) == []
            # Before: the interrupted run failed and the next ones started anyway.
            assert not [r for r in instance.get_run_records() if r.create_timestamp.timestamp() > sent + 0.5]

        client = _start("run", "--sources", "deaths", log=tmp_path / "run-kill.log")
        tree, _ = _kill_once_a_run_started(client, instance, signal.SIGKILL)
        assert client.wait(60) == -signal.SIGKILL
        assert _survivors(tree, client.pid, timeout=30) == []
        killed = _active(instance)
        assert len(killed) == 1 and killed[0].endswith("STARTED")  # no process can tell the instance

        # Before: refused for ever ("another build is under way: run ... is started").
        result = subprocess.run([CHU, "run", "--sources", "deaths"], capture_output=True, text=True, timeout=900)
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        note = next(line for line in result.stdout.splitlines() if line.startswith(f"note  run {killed[0][:8]} of "))
        # Killed while its run executed, or just after creating the next one (a build of one source is quick).
        assert re.search(rf"was (started|not_started): its client \(chu run, pid {client.pid}\) ended without "
                         r"finishing it \(killed\)", note), note
        assert _active(instance) == []


@pytest.mark.parametrize("signum", [signal.SIGKILL, signal.SIGTERM])
def test_a_killed_chu_backfill_leaves_no_process_and_no_backfill_going(chu_env, generated_drop, tmp_path, signum):
    deliver(generated_drop, chu_env, "deces")
    home = prepare_home(chu_env)
    with dg.DagsterInstance.get() as instance:
        log = tmp_path / "backfill.log"
        client = _start("backfill", "--from", "2020", "--to", "2020", "--sources", "deaths", log=log)
        tree, _ = _kill_once_a_run_started(client, instance, signum)
        daemons = [p for p in tree if "chu_platform.lib.daemon" in " ".join(_cmdline(p))]
        client.wait(300)
        # The daemon the backfill started is of its tree: cancelled, then stopped (by the client
        # on SIGTERM; by itself once its client is gone on SIGKILL).
        assert daemons, "the backfill started no daemon of its own"
        assert _survivors(tree, client.pid, timeout=240) == [], log.read_text()[-3000:]
        assert not (home / "pids" / "daemon.pid").exists() or not psutil.pid_exists(
            int((home / "pids" / "daemon.pid").read_text()))
        assert _active(instance) == []
        # Before: REQUESTED with no daemon, or run on by a daemon nobody stops; every build refused.
        assert backfills_in_flight(instance) == []
        nxt = subprocess.run([CHU, "run", "--sources", "deaths", "--years", "2031"], capture_output=True,
                             text=True, timeout=600)
        assert "another build is under way" not in nxt.stdout + nxt.stderr
        assert "nothing to build: 2031 outside" in nxt.stdout + nxt.stderr
