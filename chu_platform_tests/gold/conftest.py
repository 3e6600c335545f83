"""One platform environment per test module: the silver/gold runs are costly, the tests only read."""

import uuid

import pytest

from chu_platform.lib import postgres
from chu_platform.settings import DEFAULTS


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("chu") / "data"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHU_DATA_DIR", str(data))
        patch.setenv("CHU_LANDING_DIR", str(data / "landing"))
        patch.setenv("CHU_LAKE_URI", "")
        patch.setenv("CHU_SOURCE_DSN", "")
        patch.delenv("DAGSTER_HOME", raising=False)
        patch.delenv("DAGSTER_PG_URL", raising=False)
        patch.setenv("CHU_PSEUDONYM_KEY", "test-key-not-secret")
        for name, value in DEFAULTS.items():
            if name.startswith("CHU_FTP_"):
                patch.setenv(name, value)
        yield data


@pytest.fixture(scope="module")
def module_pg_dsn(pg_server_dsn):
    name = "chu_test_" + uuid.uuid4().hex[:12]
    dsn = postgres.create_database(pg_server_dsn, name)
    yield dsn
    postgres.drop_database(pg_server_dsn, name)
