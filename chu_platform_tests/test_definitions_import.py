"""Importing the definitions changes nothing in the process, and they are the same whatever the
environment: the resources read their variables when they are used."""

import json
import os
import subprocess
import sys

from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from chu_platform.deploy.settings import DEFAULTS

LIBRARIES = """
import json, sys
import chu_platform.definitions
print(json.dumps(sorted({n.split(".")[0] for n in sys.modules if not n.startswith("chu_platform")})))
"""

# The libraries the definitions use are imported first: some add warning filters of their own
# (numpy's "size changed" ones); what importing the platform's definitions adds is then nothing.
PROBE = """
import importlib, json, os, sys, warnings
for name in json.loads(sys.argv[1]):
    try:
        importlib.import_module(name)
    except Exception:
        pass
def state():
    umask = os.umask(0o022); os.umask(umask)
    return {"umask": umask, "filters": [repr(f) for f in warnings.filters], "environ": dict(os.environ)}
before = state()
import chu_platform.definitions
assert len(chu_platform.definitions.defs.resolve_all_asset_specs()) > 20
print(json.dumps({"before": before, "after": state()}))
"""


def _clean_environment() -> dict[str, str]:
    """The variables of a shell with nothing of the platform set."""
    return {k: v for k, v in os.environ.items()
            if not k.startswith(("CHU_", "DAGSTER_", "_RJEM_")) and k != "PYTHONWARNINGS"}


def _last_line(code: str, *args: str):
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, env=_clean_environment())
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_importing_the_definitions_leaves_umask_warnings_and_environment_unchanged():
    libraries = _last_line(LIBRARIES)
    assert {"dagster", "polars", "numpy"} <= set(libraries)
    result = _last_line(PROBE, json.dumps(libraries))
    before, after = result["before"], result["after"]
    assert after["umask"] == before["umask"]
    assert after["filters"] == before["filters"]
    assert after["environ"] == before["environ"]
    # Polars writes its own allocator default at import; the platform's (deploy.settings.ALLOCATOR)
    # is set by the entry points only.
    assert "30000" not in after["environ"].get("_RJEM_MALLOC_CONF", "")


def _snapshot() -> str:
    from chu_platform.definitions import build_definitions

    return serialize_value(RepositorySnap.from_def(build_definitions().get_repository_def()))


def test_the_definitions_are_the_same_whatever_the_environment(monkeypatch, tmp_path):
    for name in [*DEFAULTS, "CHU_PSEUDONYM_KEY"]:
        monkeypatch.delenv(name, raising=False)
    unset = _snapshot()
    values = {name: f"value-of-{name.lower()}" for name in DEFAULTS}
    values.update({"CHU_DATA_DIR": str(tmp_path / "data"), "CHU_LANDING_DIR": str(tmp_path / "landing"),
                   "CHU_FTP_PORT": "2121", "CHU_PSEUDONYM_KEY": "key-not-secret"})
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    assert _snapshot() == unset
    assert not [v for v in values.values() if v in unset]


def test_the_resources_read_their_variables_when_used(monkeypatch, tmp_path):
    from chu_platform.definitions import defs

    monkeypatch.setenv("CHU_DATA_DIR", str(tmp_path / "first"))
    monkeypatch.setenv("CHU_LAKE_URI", "s3://bucket/lake")
    monkeypatch.setenv("CHU_VOLUME_WARN", "0.3")
    monkeypatch.setenv("CHU_FTP_HOST", "ftp.chu-example.fr")
    monkeypatch.setenv("CHU_FTP_PORT", "2121")
    monkeypatch.setenv("CHU_ALERT_WEBHOOK_URL", "https://hooks.example.org/x")
    settings = defs.resources["settings"].process_config_and_initialize()
    assert settings.data_path == (tmp_path / "first").resolve()
    assert settings.lake == "s3://bucket/lake" and settings.warn_share == "0.3"
    client = defs.resources["drop"].process_config_and_initialize().client()
    assert (client.host, client.port, client.tls) == ("ftp.chu-example.fr", 2121, True)
    assert defs.resources["alerts"].process_config_and_initialize().url == "https://hooks.example.org/x"
    # The same definitions, later, another environment.
    monkeypatch.setenv("CHU_DATA_DIR", str(tmp_path / "second"))
    monkeypatch.delenv("CHU_LAKE_URI")
    monkeypatch.delenv("CHU_FTP_HOST")
    settings = defs.resources["settings"].process_config_and_initialize()
    assert settings.lake == str((tmp_path / "second" / "lake").resolve())
    assert type(defs.resources["drop"].process_config_and_initialize().client()).__name__ == "LocalDrop"
    # A value given in run config (the launchpad, a test) wins over the variable.
    given = type(defs.resources["settings"])(volume_warn="0.1")
    assert given.warn_share == "0.1"


def test_a_run_of_the_platform_s_resources_writes_owner_only(tmp_path):
    """No import restricts the umask any more: the resources do, when a run (or a sensor)
    sets them up, in a run worker or a code server started by hand."""
    probe = f"""
import os, dagster as dg
from chu_platform.defs.resources import ChuSettings
os.umask(0o022)
@dg.asset
def written(settings: ChuSettings) -> None:
    (settings.data_path / "file").write_text("x")
assert dg.materialize([written], resources={{"settings": ChuSettings(data_dir={str(tmp_path)!r})}}).success
import json; print(json.dumps(oct(os.stat({str(tmp_path / 'file')!r}).st_mode & 0o777)))
"""
    assert _last_line(probe) == "0o600"
