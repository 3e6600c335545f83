"""`chu ui` as a new user meets it: no community pop-up, no supersession notice, and Ctrl-C
ends it with status 0 (so `make ui` does not end on "Error 1")."""

from __future__ import annotations

import os
import signal
import sys
import threading
from pathlib import Path

import dagster as dg
import yaml

from chu_platform.cli import ui
from chu_platform.deploy.instance import instance_config
from chu_platform.deploy.settings import project_root


def test_the_shipped_instances_turn_the_community_pop_up_off(tmp_path):
    for postgres in (False, True):
        assert instance_config(tmp_path, postgres)["nux"] == {"enabled": False}
    assert yaml.safe_load((project_root() / "dagster.yaml").read_text())["nux"] == {"enabled": False}
    with dg.instance_for_test(overrides={"nux": {"enabled": False}}) as instance:
        assert instance.nux_enabled is False


def test_ctrl_c_reaches_dagster_dev_once_and_ends_with_status_0(tmp_path: Path):
    got = tmp_path / "signals"
    child = (
        "import signal, sys, time\n"
        f"def stop(n, f):\n    open({str(got)!r}, 'a').write(str(n) + '\\n'); sys.exit(1)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        f"open({str(tmp_path / 'ready')!r}, 'w').close()\n"
        "time.sleep(60)\n"
    )
    def interrupt():
        while not (tmp_path / "ready").exists():
            threading.Event().wait(0.05)
        os.kill(os.getpid(), signal.SIGINT)

    # Python's own handler, as `chu ui` starts with: an earlier test of the same worker may have
    # left another one (the full run of 2026-12-05 under --dist loadgroup found SIG_IGN here).
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        threading.Thread(target=interrupt, daemon=True).start()
        assert ui.run_until_interrupted([sys.executable, "-c", child], str(tmp_path)) == 0
        assert got.read_text().split() == [str(int(signal.SIGINT))]
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)

