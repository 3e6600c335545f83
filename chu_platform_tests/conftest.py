"""Shared fixtures: a real PostgreSQL server and isolated platform settings; the markers of
the fast lane (docs/getting-started.md#the-fast-lane-make-test-fast)."""

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


# --- Markers (registered in pyproject.toml) -----------------------------------------------------
# `make test-fast` leaves out slow, daemon, browser and celery. A test gets a marker from a fixture
# it uses (directly or through other fixtures), or from its file or its own id below. A test file
# may also set `pytestmark` itself; both add up.
MARK_BY_FIXTURE = {
    "pg_server_dsn": "postgres",  # and so pg_dsn, module_pg_dsn and every build on a care database
    "s3_endpoint": "s3",
    "browser": "browser",  # dashboard/test_browser.py's Chromium
}
# Path under chu_platform_tests/, optionally `::test_name`: the markers of the file or the test.
MARK_BY_ID = {
    "scale/test_celery.py": ("celery", "slow"),
    "scale/test_dead_runs.py": ("daemon", "slow"),
    "scale/test_warm_runs.py::test_runs_forked_from_the_warm_process_cancelled_and_refreshed": ("daemon", "slow"),
    "faults/test_killed_clients.py": ("daemon", "slow"),  # `chu backfill` starts a daemon
    "operations/test_services.py": ("daemon", "slow"),
    "operations/test_backfill_postgres.py": ("daemon", "slow"),
    "operations/test_concurrent_backfills.py": ("daemon", "slow"),
    "operations/test_run_and_backfill_agree.py": ("daemon", "slow"),
    "operations/test_standard_project.py::test_dagster_dev_serves_the_ui_on_the_embedded_instance": ("daemon", "slow"),
    "test_ui.py::test_ctrl_c_reaches_dagster_dev_once_and_ends_with_status_0": ("daemon", "slow"),
    "test_docs.py::test_data_model_diagrams_render_offline_in_a_browser": ("browser", "slow"),
}
# Measured: 5 s or more (setup + call + teardown) in the full run `pytest -n 2 --dist loadgroup
# --durations=0 --junitxml=...` of 2026-12-05 11:44-12:21 UTC at a load average of 15-22 (that run
# took 2170 s; the suite took 536 s on the idle machine, docs/benchmarks.md#test-suite, so about a
# second or more alone). A file's path marks all its tests; `file::test` marks every parameter of one.
SLOW_IDS = {
    "bi/test_export.py::test_every_analysis_has_its_sheet_with_exactly_the_published_cells",
    "bi/test_export.py::test_no_count_from_1_to_9_in_any_sheet",
    "bi/test_older_clients.py::test_an_older_duckdb_reads_every_table_of_both_warehouses",
    "bronze/test_care.py::test_extraction_matches_source_row_counts",
    "bronze/test_end_to_end.py",
    "bronze/test_raw_and_partitions.py::test_partition_rerun_is_idempotent_and_replaces_only_its_year",
    "bronze/test_raw_and_partitions.py::test_two_years_ingested_concurrently_both_survive",
    "bronze/test_sensor.py::test_a_year_file_carries_its_year_through_silver_and_gold_once_the_platform_is_built",
    "dashboard/test_entry_points.py::test_chu_dashboard_writes_the_file_in_the_language_asked",
    "data_quality/test_concurrent_runs.py",
    "data_quality/test_redelivery.py::test_good_bad_good_ends_on_the_good_data",
    "data_quality/test_unknown_death_dates.py",
    "data_quality/test_volume_anomalies.py::test_a_redelivered_year_warns_then_fails_against_its_previous_delivery",
    "data_quality/test_volume_anomalies.py::test_deaths_moved_out_of_a_year_by_a_redelivery_stop_the_run",
    "faults/test_damaged_tables.py",
    "faults/test_discovery.py::test_deaths_run_while_hospitalisations_file_is_gzip",
    "faults/test_environment_failures.py::test_a_full_disk_under_the_lake_ends_with_the_cause_and_the_table",
    "faults/test_environment_failures.py::test_a_full_disk_under_the_run_history_ends_in_one_line_and_closes_its_runs",
    "faults/test_partial_sources.py",
    "faults/test_withdrawn_and_growing.py::test_a_file_changed_while_copied_is_not_landed",
    "faults/test_withdrawn_and_growing.py::test_a_file_still_being_written_is_not_loaded",
    "faults/test_withdrawn_and_growing.py::test_a_withdrawn_delivery_leaves_every_table_as_a_clean_run_does",
    "generate/test_determinism.py::test_same_seed_same_database",
    "latency/test_bench_cli.py::test_bench_on_a_synthetic_gold",
    "latency/test_benchmark_asset.py::test_a_partly_built_gold_is_benchmarked_as_far_as_it_goes",
    "latency/test_benchmark_asset.py::test_every_analysis_on_every_layout_is_recorded",
    "latency/test_benchmark_asset.py::test_history_survives_a_second_run",
    "latency/test_timing_and_layouts.py::test_a_layout_whose_answer_differs_from_gold_fails_the_run",
    "marts/test_aggregates.py::test_a_range_run_builds_each_year_as_one_run_per_year_would",
    "marts/test_aggregates.py::test_one_run_builds_every_aggregate_of_its_year_as_the_facts_answer",
    "marts/test_chu_run.py",
    "marts/test_mart_assets.py::test_each_mart_is_the_published_analysis_of_every_year",
    "marts/test_mart_assets.py::test_warehouse_opens_read_only_and_is_rebuilt_while_open",
    "operations/test_kill_during_write.py",
    "operations/test_standard_project.py",
    "scale/test_retries.py::test_ftp_421_and_dropped_transfers_are_retried_and_leave_no_partial_file",
    "scale/test_security.py::test_no_credential_in_event_log_run_config_or_ui",
    "secrecy/test_attack.py::test_no_withheld_count_is_recoverable_from_the_answers_one_user_gets",
    "secrecy/test_attack.py::test_the_attack_recovers_counts_when_any_question_is_allowed",
    "secrecy/test_labels_on_every_surface.py::test_no_surface_reads_lt10_on_a_count_of_10_or_more",
    "secrecy/test_suppression.py::test_group_safe_is_exactly_what_a_reader_who_knows_the_kinds_cannot_pin_down",
    "silver/test_late_declarations.py::test_a_new_file_declaring_an_earlier_death_requests_that_year",
    "test_object_store_lake.py",
}

# --- Costly shared builds -----------------------------------------------------------------------
# A module-, package- or session-scoped fixture (module.name of its definition) that builds much,
# and whether it is slow (every test using it then is). `make test` sends each file whole to one
# worker (`--dist loadfile`), so a module-scoped build is made once; under plain `pytest -n 2`
# each worker that runs one of its tests builds it. (`--dist loadgroup` with an `xdist_group`
# marker does not group on pytest 9.2, pytest-dev/pytest-xdist#1386.)
SHARED_BUILDS = {
    "chu_platform_tests.marts.test_end_to_end.platform": True,  # generate + `chu run`, 2 years
    "chu_platform_tests.secrecy.test_published_surfaces.platform": True,  # generate + `chu run` + query
    "chu_platform_tests.gold.test_end_to_end.generated": True,  # generate + the build jobs to gold
    "chu_platform_tests.gold.test_activity_end_to_end.built": True,  # generate (scale 0.02) + marts
    "chu_platform_tests.gold.test_pipeline.lake": True,  # bronze -> gold, 2 years
    "chu_platform_tests.faults.test_blast_radius.broken_run": True,  # generate + `chu run`
    "chu_platform_tests.test_docs.site": True,  # mkdocs build --strict
    "chu_platform_tests.dashboard.conftest.built": False,  # synthetic gold + the dashboard
    "chu_platform_tests.bi.conftest.published": False,  # synthetic gold + marts + warehouses + export
}


def _shared_builds(item: pytest.Item) -> list[tuple[str, bool]]:
    """The costly shared fixtures ``item`` uses, directly or through other fixtures."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return []
    found = []
    for name in item.fixturenames:
        for definition in info.name2fixturedefs.get(name, ()):
            key = f"{getattr(definition.func, '__module__', '')}.{name}"
            if key in SHARED_BUILDS:
                found.append((key, SHARED_BUILDS[key]))
    return found


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    root = Path(__file__).resolve().parent
    for item in items:
        names = set(item.fixturenames)
        marks = {mark for fixture, mark in MARK_BY_FIXTURE.items() if fixture in names}
        builds = _shared_builds(item)
        if any(slow for _, slow in builds):
            marks.add("slow")
        try:
            relative = Path(str(item.path)).resolve().relative_to(root).as_posix()
        except ValueError:
            relative = None
        if relative is not None:
            test_id = f"{relative}::{item.name.split('[')[0]}"
            marks.update(MARK_BY_ID.get(relative, ()))
            marks.update(MARK_BY_ID.get(test_id, ()))
            if test_id in SLOW_IDS or relative in SLOW_IDS:
                marks.add("slow")
        for mark in sorted(marks):
            item.add_marker(mark)
    _heaviest_files_first(items)


def _heaviest_files_first(items: list[pytest.Item]) -> None:
    """Files with a daemon or Celery test (the longest: 20-130 s each), then files with a slow
    test, then the rest; each file's tests stay together and in order. ``make test`` hands whole
    files to its two workers in this order (``--dist loadfile --no-loadscope-reorder``: xdist's
    default reorder puts the files with the most tests first, which left the one-test daemon
    files to the end), so the long ones start first, on both workers, the short ones fill the end,
    and a file's module fixtures are built once."""
    def file_of(item: pytest.Item) -> str:
        return item.nodeid.split("::")[0]

    rank: dict[str, int] = {}
    for item in items:
        marks = {m.name for m in item.iter_markers()}
        own = 0 if marks & {"daemon", "celery"} else 1 if "slow" in marks else 2
        rank[file_of(item)] = min(own, rank.get(file_of(item), 2))
    items.sort(key=lambda item: rank[file_of(item)])
