"""Shared fixtures: a real PostgreSQL server and isolated platform settings."""

import os
import uuid
from pathlib import Path

import pytest

from chu_platform.lib import postgres
from chu_platform.deploy.settings import DEFAULTS

LOCAL_SERVICE = "postgresql://postgres@127.0.0.1:5432/postgres"


def missing(message: str) -> None:
    """A service or tool the test needs is absent: a failure under CI=true (.ci/run provides
    every one), a skip on a developer's machine."""
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{message} (CI=true: .ci/run provides it)")
    pytest.skip(message)


@pytest.fixture(scope="session", autouse=True)
def checkout_data_untouched():
    """No test writes into the checkout's own data/ (what `make demo` and `dagster dev` use):
    a test whose settings were resolved before its variables were set would land there."""
    from chu_platform.deploy.settings import project_root

    data = (project_root() or Path.cwd()) / "data"
    before = set(os.listdir(data)) if data.exists() else set()
    yield
    after = set(os.listdir(data)) if data.exists() else set()
    assert after <= before, f"tests wrote into the checkout's {data}: {sorted(after - before)}"


@pytest.fixture(scope="session", autouse=True)
def files_settle_at_once():
    """Tests write their drop's files just before loading them: the settle rule
    (CHU_SETTLE_SECONDS) would make every landing wait. The tests of the rule set it."""
    before = os.environ.get("CHU_SETTLE_SECONDS")
    os.environ["CHU_SETTLE_SECONDS"] = "0"
    yield
    if before is None:
        os.environ.pop("CHU_SETTLE_SECONDS", None)
    else:
        os.environ["CHU_SETTLE_SECONDS"] = before


@pytest.fixture(scope="session")
def pg_server_dsn(tmp_path_factory) -> str:
    """CHU_TEST_PG_DSN, else the machine's service, else an embedded server.

    Under CI=true a missing server fails the tests that need it instead of skipping them.
    """
    explicit = os.environ.get("CHU_TEST_PG_DSN")
    if explicit:
        if not postgres.can_connect(explicit):
            pytest.fail(f"CHU_TEST_PG_DSN is set but cannot be reached: {explicit}")
        return explicit
    if postgres.can_connect(LOCAL_SERVICE):
        return LOCAL_SERVICE
    try:
        return postgres.embedded_dsn(tmp_path_factory.mktemp("pg") / "pgdata")
    except Exception as exc:
        pytest.fail(f"No PostgreSQL server: no CHU_TEST_PG_DSN, no service on 127.0.0.1:5432, "
                    f"and the embedded server failed to start ({exc})")


@pytest.fixture
def pg_dsn(pg_server_dsn):
    """A fresh, empty database for one test, dropped afterwards."""
    name = "chu_test_" + uuid.uuid4().hex[:12]
    dsn = postgres.create_database(pg_server_dsn, name)
    yield dsn
    postgres.drop_database(pg_server_dsn, name)


def set_platform_env(patch: pytest.MonkeyPatch, data: Path) -> Path:
    """Point every platform environment variable at ``data`` (embedded defaults otherwise)."""
    patch.setenv("CHU_DATA_DIR", str(data))
    patch.setenv("CHU_LANDING_DIR", str(data / "landing"))
    patch.setenv("CHU_LAKE_URI", "")
    patch.setenv("CHU_SOURCE_DSN", "")
    patch.delenv("DAGSTER_HOME", raising=False)
    patch.delenv("DAGSTER_PG_URL", raising=False)
    patch.setenv("CHU_PSEUDONYM_KEY", "test-key-not-secret")
    for name, value in DEFAULTS.items():
        if name.startswith(("CHU_FTP_", "CHU_VOLUME_")):
            patch.setenv(name, value)
    return data


@pytest.fixture
def chu_env(tmp_path: Path, monkeypatch) -> Path:
    """Platform environment variables pointing at a temporary data directory."""
    return set_platform_env(monkeypatch, tmp_path / "data")


_MOTO = """
import sys
from moto.server import ThreadedMotoServer
server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
server.start()
print(server.get_host_and_port()[1], flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="session")
def s3_endpoint():
    """A local S3 server (moto in server mode) on a free port, for the session.

    In a child process: deltalake holds the GIL during some calls, so a server thread in the
    test process would never answer them.
    """
    import subprocess
    import sys

    server = subprocess.Popen([sys.executable, "-c", _MOTO], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        yield f"http://127.0.0.1:{int(server.stdout.readline())}"
    finally:
        server.stdin.close()
        server.wait(timeout=30)


@pytest.fixture
def s3_lake(s3_endpoint, monkeypatch) -> str:
    """A fresh bucket on the local S3 server, the ``AWS_*`` variables pointing at it; its URI."""
    import boto3

    values = {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
              "AWS_REGION": "us-east-1", "AWS_ALLOW_HTTP": "true"}
    for name, value in values.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    bucket = "lake-" + uuid.uuid4().hex[:12]
    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", aws_access_key_id="test",
                 aws_secret_access_key="test").create_bucket(Bucket=bucket)
    return f"s3://{bucket}/lake"


@pytest.fixture(params=["local", "s3"])
def lake(request, tmp_path) -> str:
    """The lake's base URI: a local folder, then a bucket on the local S3 server."""
    if request.param == "local":
        return str(tmp_path / "lake")
    return request.getfixturevalue("s3_lake")
