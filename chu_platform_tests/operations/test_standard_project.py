"""A fresh checkout is a standard Dagster project: Dagster's own commands work from the root
with no environment variable set, on the embedded instance under data/dagster."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from chu_platform.deploy.settings import ALLOCATOR
from chu_platform_tests.operations.conftest import bare_env, free_port, group_members, stop_group, wait_http

NOISE = ("will not be used", "XDG_RUNTIME_DIR", "BetaWarning", "Traceback")


def test_definitions_validate_with_no_variable(fresh_clone):
    result = subprocess.run([sys.executable, "-m", "dagster", "definitions", "validate", "-w", "workspace.yaml"],
                            cwd=fresh_clone, env=bare_env(), capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "All code locations passed validation" in output
    assert not [n for n in NOISE if n in output], output


def test_dg_check_defs_with_no_variable(fresh_clone):
    result = subprocess.run([str(sys.executable).replace("/python", "/dg"), "check", "defs"],
                            cwd=fresh_clone, env=bare_env(), capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert not [n for n in NOISE if n in output], output


def _terminal_signals() -> None:
    """``dagster dev`` as a terminal starts it: ``SIGINT`` not ignored. A test run started in the
    background (``make test &``, ``nohup``) ignores it, every child inherits that, and ``dagster
    dev`` maps ``SIGTERM`` to ``SIGINT``'s handler: it would ignore the signal that stops it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_dagster_dev_serves_the_ui_on_the_embedded_instance(fresh_clone):
    port = free_port()
    log = fresh_clone / "dev.log"
    process = subprocess.Popen(
        [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
        cwd=fresh_clone, env=bare_env(), stdout=open(log, "w"), stderr=subprocess.STDOUT, start_new_session=True,
        preexec_fn=_terminal_signals,
    )
    try:
        assert wait_http(f"http://127.0.0.1:{port}/server_info", 240, process), log.read_text()[-3000:]
        # The instance's run storage is the project's, not a temporary one.
        assert (fresh_clone / "data" / "dagster" / "history" / "runs.db").exists()
        # Polars' allocator setting reaches the daemon and the code server from the root's .env.
        started = {" ".join(p.cmdline()): p.environ().get("_RJEM_MALLOC_CONF") for p in group_members(process.pid)}
        servers = {c: v for c, v in started.items() if "code-server" in c or "_daemon" in c}
        assert servers and set(servers.values()) == {ALLOCATOR["_RJEM_MALLOC_CONF"]}, started
    finally:
        stopping = time.monotonic()
        stop_group(process)
        stopped_in = time.monotonic() - stopping
    assert not group_members(process.pid)
    output = log.read_text()
    assert not [n for n in NOISE if n in output], output[-3000:]
    # `dagster dev` itself got the first signal and stopped its services in order: its daemon,
    # signalled alone, would have waited for dagster dev's word until the 30 s timeout (and a
    # signal landing in dagster dev's own shutdown printed a traceback).
    assert stopped_in < 25, f"stopped in {stopped_in:.1f} s"
