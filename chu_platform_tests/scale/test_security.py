"""Production security defaults: FTPS to remote hosts, and no secret in events, run config or UI."""

import shutil
from datetime import UTC, datetime

import dagster as dg
import pytest
from dagster._core.remote_representation.external_data import RepositorySnap
from dagster._serdes import serialize_value

from chu_platform.layers.bronze import care
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.bronze.resources import DropResource, tls_required
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform.defs.resources import ChuSettings
from chu_platform_tests.bronze.test_care import load_care_db
from chu_platform_tests.scale.test_retries import _faulty_ftp, generated  # noqa: F401 - fixture

FTP_PASSWORD = "ftp-pw-9f3c1e7a"
DB_PASSWORD = "db-pw-51d2b0c4"
PSEUDONYM_KEY = "pseudonym-key-77ae0912"


@pytest.mark.parametrize(("host", "setting", "tls"), [
    ("ftp.chu-example.fr", "", True), ("10.1.2.3", "", True), ("127.0.0.1", "", False),
    ("localhost", "", False), ("ftp.chu-example.fr", "false", False), ("127.0.0.1", "true", True),
])
def test_ftps_is_required_for_a_remote_host_unless_disabled(host, setting, tls):
    assert tls_required(host, setting) is tls
    assert DropResource(ftp_host=host, ftp_tls=setting).client().tls is tls


def test_no_credential_in_event_log_run_config_or_ui(tmp_path, monkeypatch, pg_dsn, generated):  # noqa: F811
    root = tmp_path / "ftp_root"
    shutil.copytree(generated / "satisfaction", root)
    server, thread = _faulty_ftp(root, {"listing": 0, "transfer": 0}, password=FTP_PASSWORD)
    load_care_db(pg_dsn)
    # The machine's server trusts local connections: the password is carried, not checked.
    user_dsn = pg_dsn.replace("postgresql://postgres@", f"postgresql://postgres:{DB_PASSWORD}@")
    assert DB_PASSWORD in user_dsn
    data = tmp_path / "data"
    for name, value in {
        "CHU_DATA_DIR": str(data), "CHU_LANDING_DIR": str(tmp_path / "unused"), "CHU_LAKE_URI": "",
        "CHU_SOURCE_DSN": user_dsn, "CHU_FTP_HOST": "127.0.0.1", "CHU_FTP_PORT": str(server.socket.getsockname()[1]),
        "CHU_FTP_USER": "chu", "CHU_FTP_PASSWORD": FTP_PASSWORD, "CHU_FTP_TLS": "", "CHU_FTP_PASSIVE": "true",
        "CHU_FTP_ROOT": "/", "CHU_FTP_CA_FILE": "", "CHU_PSEUDONYM_KEY": PSEUDONYM_KEY,
    }.items():
        monkeypatch.setenv(name, value)
    satisfaction = next(a for a in FILE_ASSETS if a.key.path[-1] == "satisfaction")
    patients = next(a for a in CARE_ASSETS if a.key.path[-1] == "care_patients")
    # The platform's resources as the definitions hold them: each reads its variables when used.
    resources = {"settings": ChuSettings(), "drop": DropResource(), "io_manager": DeltaIOManager()}
    secrets = (FTP_PASSWORD, DB_PASSWORD, PSEUDONYM_KEY)
    try:
        with dg.instance_for_test() as instance:
            runs = [dg.materialize([satisfaction], partition_key="2019", resources=resources, instance=instance),
                    dg.materialize([patients], resources=resources, instance=instance)]
            assert [r.success for r in runs] == [True, True]
            for run in runs:
                record = instance.get_run_by_id(run.run_id)
                text = serialize_value(record.run_config) + "".join(
                    serialize_value(entry) for entry in instance.all_logs(run.run_id))
                assert not [s for s in secrets if s in text], run.run_id
    finally:
        server.close_all()
        thread.join(timeout=5)

    # What a failed connection reports (and a failed run would log) does not carry the password.
    entity = care.CARE_ENTITIES["care_patients"]
    for dsn in (user_dsn.replace(":5432/", ":9/"), user_dsn.replace("127.0.0.1", "127.0.0.1x")):
        with pytest.raises(care.SourceUnavailable) as caught:
            care.source_count(dsn, entity)
        assert DB_PASSWORD not in str(caught.value)
        with pytest.raises(care.SourceUnavailable) as caught:
            care.extract(dsn, entity, None, "run", datetime.now(UTC))
        assert DB_PASSWORD not in str(caught.value)

    # What the UI shows: the platform's definitions, the same whatever the environment, name the
    # variables and hold none of their values.
    from chu_platform.definitions import build_definitions

    ui = serialize_value(RepositorySnap.from_def(build_definitions().get_repository_def()))
    assert "CHU_FTP_PASSWORD" in ui and "CHU_PSEUDONYM_KEY" in ui
    assert not [s for s in secrets if s in ui]
