"""The warm run process: the code imported once, each run a fork of it.

Started by the run launcher (``lib/run_launcher.py``) as ``python -m chu_platform.lib.run_forker
MODULE``: it imports the code location's module (the definitions, built once), resolves its
repository and jobs, then waits on its standard input. Each line is a run to start (Dagster's
serialised ``ExecuteRunArgs``, the same argument ``dagster api execute_run`` takes); it forks,
the child executes the run exactly as ``dagster api execute_run`` would
(``lib/dagster_private.execute_run_body``), and the forker answers the child's pid on its
standard output. It exits when its standard input closes (the launcher stopped it, or the
process that started it is gone); the runs it forked go on.

This is what Dagster's own multiprocess executor does for steps with ``start_method: forkserver``
and ``preload_modules`` (the job's module preloaded by default): native libraries' idle threads
(jemalloc's background threads, Polars' spill cleaner, Arrow's) are there after the import,
and their allocators handle a fork. A Python thread would not be: the forker checks it runs
none after the import, and says ``refused: ...`` instead of ``ready`` otherwise (the launcher
then starts runs Dagster's way).
"""

from __future__ import annotations

import importlib
import os
import signal
import sys
import threading

READY = "ready"
# What a run of the platform imports on its first contract check or instance and the definitions'
# load does not (so that the code server and the CLI do not pay for them): Pandera's Polars API,
# the pandas its check registry loads at the first validation, and universal_pathlib (Dagster's
# instance). Imported once here, each fork finds them loaded: about 0.5 CPU-s less per run that
# validates a contract (docs/benchmarks.md, "Session 16"). None of them starts a thread or
# Polars' thread pool (a fork would then hang in its first parallel query: the platform's schema
# modules do, at import, and are left out); chu_platform_tests/scale/test_warm_runs.py forks after
# them.
RUN_MODULES = ("chu_platform.schemas.validation", "pandera.api.pandas.types", "upath.core")


def warm(module_name: str) -> None:
    """Import the module and resolve what a run resolves again: its repositories and their jobs."""
    import dagster as dg

    module = importlib.import_module(module_name)
    for value in list(vars(module).values()):
        if isinstance(value, dg.Definitions):
            repository = value.get_repository_def()
            for job in repository.get_all_jobs():
                job.get_job_snapshot()
    # What every run imports next (the run worker's own modules, then the platform's first check).
    from chu_platform.lib.dagster_private import RUN_WORKER_MODULES

    for name in (*RUN_WORKER_MODULES, *RUN_MODULES):
        importlib.import_module(name)


def _run_child(serialized_args: str) -> int:
    from chu_platform.lib.dagster_private import execute_run_body

    # A child of a fork: the signals as a fresh ``dagster api execute_run`` has them.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    return execute_run_body(serialized_args)


def serve(module_name: str) -> None:
    # The answers go on a copy of the standard output; anything else printed (by the import,
    # by a run) goes to the standard error.
    answers = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    warm(module_name)
    threads = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
    if threads:
        answers.write(f"refused: Python threads running after the import: {', '.join(threads)}\n")
        return
    # Where the code location's package lies, for the launcher to see its files change.
    package = sys.modules[module_name.split(".")[0]]
    folder = os.path.dirname(os.path.abspath(package.__file__)) if getattr(package, "__file__", None) else ""
    answers.write(f"{READY} {folder}\n")
    # Children are reaped as they end (their exit status is the run's, recorded by Dagster).
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a ^C to the group is for the runs, not for this
    for line in sys.stdin:
        serialized = line.strip()
        if not serialized:
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                answers.close()
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.close(devnull)
                code = _run_child(serialized)
            finally:
                sys.stdout.flush()
                sys.stderr.flush()
                os._exit(code)
        answers.write(f"{pid}\n")


if __name__ == "__main__":
    serve(sys.argv[1])
