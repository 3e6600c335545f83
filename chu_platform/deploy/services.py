"""Dagster's long-running services for a data directory: the daemon (sensors, schedules,
backfills, run queue) and the webserver, started in the background on 127.0.0.1 with their
logs under ``<data_dir>/logs`` and their PIDs under ``<data_dir>/dagster/pids``, stopped by PID.

``make up`` / ``make down`` call ``python -m chu_platform.deploy.services up|down``; ``chu backfill``
starts a daemon for its own duration when none is running.
"""

from __future__ import annotations

import fcntl
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
import psutil

from chu_platform.deploy.instance import prepare_home
from chu_platform.deploy.settings import apply_defaults, data_dir, describe_data_dir, project_root

SERVICES = ("daemon", "webserver")
DEFAULT_PORT = 3000
STOP_SECONDS = 30.0


def _bin(name: str) -> str:
    return str(Path(sys.executable).with_name(name))


def _pid_file(home: Path, name: str) -> Path:
    return home / "pids" / f"{name}.pid"


def running_pid(home: Path, name: str) -> int | None:
    """The PID of a service started for this home and still alive (a stale file is removed)."""
    path = _pid_file(home, name)
    if not path.exists():
        return None
    pid = int(path.read_text().strip() or 0)
    if pid and _alive(pid):
        return pid
    path.unlink(missing_ok=True)
    return None


def command(name: str, home: Path, port: int = DEFAULT_PORT) -> list[str]:
    workspace = str(project_root() / "workspace.yaml")
    if name == "daemon":
        # Dagster's daemon with a 2 s backfill loop instead of 30 s (chu_platform/lib/daemon.py).
        return [sys.executable, "-m", "chu_platform.lib.daemon", "run", "-w", workspace]
    return [_bin("dagster-webserver"), "-w", workspace, "-h", "127.0.0.1", "-p", str(port)]


def start(name: str, home: Path, env: dict[str, str], port: int = DEFAULT_PORT) -> int:
    """Start one service in its own process group (so stopping it stops its code servers and
    run workers too); returns its PID. Its cwd is the instance home: the root's dagster.yaml
    is only the template of the home's."""
    log_dir = Path(env["CHU_DATA_DIR"]) / "logs"
    log_dir.mkdir(parents=True, exist_ok=True)
    log = open(log_dir / f"{name}.log", "ab")
    process = subprocess.Popen(command(name, home, port), cwd=home, env=env, stdout=log, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, start_new_session=True)
    _pid_file(home, name).parent.mkdir(parents=True, exist_ok=True)
    _pid_file(home, name).write_text(str(process.pid))
    return process.pid


def stop(home: Path, name: str, timeout: float = STOP_SECONDS) -> bool:
    """SIGTERM to the service's process group, SIGKILL to what is left after ``timeout``;
    returns whether it was running."""
    pid = running_pid(home, name)
    if pid is None:
        return False
    try:
        group = os.getpgid(pid)
    except ProcessLookupError:
        group = None
    if group is None:
        _signal_and_wait([psutil.Process(pid)], timeout)
    else:
        stop_process_group(group, timeout)
    _pid_file(home, name).unlink(missing_ok=True)
    return True


def group_members(pgid: int) -> list[psutil.Process]:
    """The live (not zombie) processes of process group ``pgid``."""
    members = []
    for process in psutil.process_iter(["pid"]):
        try:
            if _pgid(process.pid) == pgid and process.status() != psutil.STATUS_ZOMBIE:
                members.append(process)
        except psutil.NoSuchProcess:
            pass
    return members


def _signal_and_wait(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    """SIGTERM, then what is still alive after ``timeout``."""
    for process in processes:
        try:
            process.terminate()
        except psutil.NoSuchProcess:
            pass
    return psutil.wait_procs(processes, timeout=timeout)[1]


def _is_daemon(process: psutil.Process) -> bool:
    try:
        command = " ".join(process.cmdline())
    except psutil.Error:
        return False
    return any(name in command for name in ("dagster-daemon", "dagster._daemon", "chu_platform.lib.daemon"))


def _is_dagster_dev(process: psutil.Process) -> bool:
    try:
        args = process.cmdline()
    except psutil.Error:
        return False
    return "dev" in args[1:4] and any(Path(a).name == "dagster" for a in args[:3])


def stop_process_group(pgid: int, timeout: float = 30) -> None:
    """SIGTERM to the group's daemon first (a sensor tick it is evaluating would otherwise fail
    on a code server already gone, and print a traceback) — or, in a ``dagster dev`` group, to
    ``dagster dev`` itself, which stops its webserver and daemon in order (its daemon waits for
    ``dagster dev``'s word on a pipe and does not exit on a signal of its own) —, then to every
    other process of the group, then SIGKILL to what remains, and to what a member started
    meanwhile, until the group is empty (or ``timeout`` more seconds have passed)."""
    members = group_members(pgid)
    first = [p for p in members if _is_dagster_dev(p)] or [p for p in members if _is_daemon(p)]
    _signal_and_wait(first, timeout)
    alive = _signal_and_wait(group_members(pgid), timeout)
    deadline = time.monotonic() + timeout
    while alive and time.monotonic() < deadline:
        for process in alive:
            try:
                process.kill()
            except psutil.NoSuchProcess:
                pass
        psutil.wait_procs(alive, timeout=5)
        alive = group_members(pgid)


def _pgid(pid: int) -> int | None:
    try:
        return os.getpgid(pid)
    except (ProcessLookupError, PermissionError):
        return None


# A live daemon beats every 30 s; Dagster's own tolerance (30 min) would take a daemon
# killed minutes ago for a running one.
HEARTBEAT_TOLERANCE_SECONDS = 75.0


def daemon_alive(instance, since: float = 0.0) -> bool:
    """Whether some daemon (ours or another) heartbeats on this instance, with a heartbeat
    later than ``since`` (a daemon stopped then still has a recent one)."""
    from chu_platform.lib.dagster_private import get_daemon_statuses

    statuses = get_daemon_statuses(instance, ["BACKFILL"], ignore_errors=True,
                                   heartbeat_tolerance_seconds=HEARTBEAT_TOLERANCE_SECONDS)
    return bool(statuses) and all(
        s.healthy and s.last_heartbeat is not None and s.last_heartbeat.timestamp > since for s in statuses.values())


@contextmanager
def _lease_lock(home: Path) -> Iterator[None]:
    path = home / "pids" / "daemon.lease.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _live_users(users: Path) -> list[Path]:
    alive = []
    for entry in users.glob("*"):
        if entry.name.isdigit() and psutil.pid_exists(int(entry.name)):
            alive.append(entry)
        else:
            entry.unlink(missing_ok=True)
    return alive


@contextmanager
def daemon_lease(instance, home: Path, env: dict[str, str]) -> Iterator[int | None]:
    """A daemon on ``home`` for the ``with`` block: the one running (``make up``'s, another
    ``chu backfill``'s) or one started now; yields the PID started, else None.

    A daemon started here is shared: two ``chu backfill`` started together would otherwise each
    start one (two daemons running the same backfills), and the first to end would stop the
    daemon the other still waits on. Under an ``flock``, each user leaves its PID under
    ``pids/daemon.users``; the last one to leave stops a daemon that a backfill started, never
    one that ``make up`` started. A user killed before it could (``SIGKILL``) leaves the daemon
    to stop itself: it cancels the backfills of its users gone and stops (``lib/daemon.py``).
    """
    users = home / "pids" / "daemon.users"
    leased = home / "pids" / "daemon.leased"
    stopped = home / "pids" / "daemon.stopped"
    with _lease_lock(home):
        started = None
        # The heartbeat of a daemon a backfill stopped moments ago is still fresh: not a live one.
        since = stopped.stat().st_mtime if stopped.exists() else 0.0
        users.mkdir(parents=True, exist_ok=True)
        (users / str(os.getpid())).touch()
        if running_pid(home, "daemon") is None and not daemon_alive(instance, since):
            # It stops itself once no user of it runs, even one killed by SIGKILL (lib/daemon.py).
            started = start("daemon", home, {**env, "CHU_DAEMON_CLIENTS": str(users)})
            leased.touch()
    try:
        yield started
    finally:
        with _lease_lock(home):
            (users / str(os.getpid())).unlink(missing_ok=True)
            if leased.exists() and not _live_users(users):
                # Nothing left for a daemon that will not come: what its sensors started too.
                from chu_platform.lib.daemon import cancel_backfills_in_flight, cancel_queued_runs

                if running_pid(home, "daemon") is not None:
                    cancel_backfills_in_flight(instance, timeout=60.0)
                stop(home, "daemon")
                cancel_queued_runs(instance)
                leased.unlink(missing_ok=True)
                stopped.touch()


def wait_for_port(port: int, timeout: float = 180.0, pid: int | None = None) -> bool:
    """Whether something listens on ``port`` within ``timeout``; ``False`` as soon as process
    ``pid`` (the server expected there) has exited."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        if pid is not None and not _alive(pid):
            return False
        time.sleep(0.5)
    return False


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie does not)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def log_tail(path: Path, lines: int = 15) -> str:
    """The last ``lines`` lines of a service's log (what a failed start said)."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def environment() -> tuple[Path, dict[str, str]]:
    """The services' environment: every platform variable resolved, DAGSTER_HOME prepared (a
    user's own DAGSTER_HOME is honoured, as by every ``chu`` command and Dagster's tools)."""
    env = dict(os.environ)
    apply_defaults(env)
    home = prepare_home(env["CHU_DATA_DIR"], env)
    env["PYTHONWARNINGS"] = env.get("PYTHONWARNINGS", "ignore::DeprecationWarning")
    return home, env


def create_storage(home: Path, env: dict[str, str]) -> None:
    """Open the instance once, so that its storages create their tables before the daemon and
    the webserver start: on a new instance both would create them at once, and the one that
    lost (``table asset_daemon_asset_evaluations already exists``) exited."""
    import dagster as dg

    saved = {name: os.environ.get(name) for name in ("DAGSTER_PG_URL",)}
    os.environ.update({k: env[k] for k in saved if env.get(k)})
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            instance.get_runs(limit=1)
            instance.all_instigator_state()
            instance.event_log_storage.get_event_records(dg.EventRecordsFilter(dg.DagsterEventType.RUN_SUCCESS), limit=1)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@click.group()
def main() -> None:
    """Dagster's daemon and webserver in the background (make up / make down)."""


@main.command()
@click.option("--port", default=DEFAULT_PORT, show_default=True, envvar="CHU_UI_PORT")
def up(port: int) -> None:
    """Start the daemon and the webserver on 127.0.0.1 (nothing if already running)."""
    home, env = environment()
    click.echo(describe_data_dir(env))
    click.echo(f"instance: {home} ({'PostgreSQL' if env.get('DAGSTER_PG_URL') else 'SQLite'})")
    create_storage(home, env)
    for name in SERVICES:
        pid = running_pid(home, name)
        if pid:
            # A daemon a `chu backfill` started is `make up`'s from now on: no backfill stops it.
            _pid_file(home, "daemon").with_name("daemon.leased").unlink(missing_ok=True)
            click.echo(f"{name}: already running (pid {pid})")
            continue
        pid = start(name, home, env, port)
        click.echo(f"{name}: started (pid {pid}), log {Path(env['CHU_DATA_DIR']) / 'logs' / (name + '.log')}")
    webserver = running_pid(home, "webserver")
    if webserver is None or not wait_for_port(port, pid=webserver):
        log = Path(env["CHU_DATA_DIR"]) / "logs" / "webserver.log"
        state = "does not answer" if running_pid(home, "webserver") else "has exited without answering"
        raise click.ClickException(f"the webserver {state} on 127.0.0.1:{port} (`make down` stops the daemon); "
                                   f"the end of {log}:\n{log_tail(log)}")
    click.echo(f"UI: http://127.0.0.1:{port}   stop: make down")


@main.command()
def down() -> None:
    """Stop the daemon and the webserver started by `up` (their whole process groups)."""
    home = data_dir() / "dagster"
    for name in SERVICES:
        click.echo(f"{name}: {'stopped' if stop(home, name) else 'not running'}")


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)
    main()
