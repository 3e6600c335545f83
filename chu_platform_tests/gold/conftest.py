"""One platform environment per test module: the silver/gold runs are costly, the tests only read."""

import uuid

import pytest

from chu_platform.lib import postgres
from chu_platform_tests.conftest import set_platform_env


@pytest.fixture(scope="module")
def module_env(tmp_path_factory):
    data = tmp_path_factory.mktemp("chu") / "data"
    with pytest.MonkeyPatch.context() as patch:
        set_platform_env(patch, data)
        yield data


@pytest.fixture(scope="module")
def module_pg_dsn(pg_server_dsn):
    name = "chu_test_" + uuid.uuid4().hex[:12]
    dsn = postgres.create_database(pg_server_dsn, name)
    yield dsn
    postgres.drop_database(pg_server_dsn, name)
