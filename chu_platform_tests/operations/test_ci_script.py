"""`.ci/run` installs Chromium on a machine that lacks it, as root, without sudo (a fresh CI machine)."""

import os
import stat
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _fake(bin_dir: Path, name: str, log: Path) -> None:
    script = bin_dir / name
    script.write_text(f'#!/usr/bin/env bash\necho "{name} DEBIAN_FRONTEND=${{DEBIAN_FRONTEND:-}} $*" >> {log}\n')
    script.chmod(script.stat().st_mode | stat.S_IEXEC)


def test_missing_chromium_is_installed_with_apt_get(tmp_path):
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    _fake(bin_dir, "apt-get", log)
    _fake(bin_dir, "sudo", log)  # must not be called as root
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CHU_CHROMIUM": str(tmp_path / "no-chromium")}
    done = subprocess.run(["bash", str(ROOT / ".ci/install-chromium")], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    calls = log.read_text().splitlines()
    if os.geteuid() == 0:
        assert calls == ["apt-get DEBIAN_FRONTEND=noninteractive update -q",
                         "apt-get DEBIAN_FRONTEND=noninteractive install -y -q chromium"]
    else:
        assert [c.split()[0] for c in calls] == ["sudo", "sudo"]


def test_present_chromium_installs_nothing(tmp_path):
    bin_dir, log = tmp_path / "bin", tmp_path / "calls.log"
    bin_dir.mkdir()
    _fake(bin_dir, "apt-get", log)
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    env = {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}", "CHU_CHROMIUM": str(chromium)}
    done = subprocess.run(["bash", str(ROOT / ".ci/install-chromium")], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and not log.exists()


def test_ci_run_calls_the_installer_and_the_readme_test_command():
    text = (ROOT / ".ci/run").read_text()
    assert "bash .ci/install-chromium" in text and text.rstrip().endswith("make test")
