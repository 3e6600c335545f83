"""Transient source faults, reproduced on real servers, are retried by Dagster's RetryPolicy."""

import shutil
import socket
import subprocess
import threading
import time
from contextlib import closing

import dagster as dg
import psycopg2
import pytest

from chu_platform.layers.bronze.drop import DropUnavailable, FtpDrop
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.care_assets import CARE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.bronze.sensors import ftp_new_files
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform_tests.bronze.test_care import ROWS, load_care_db
from chu_platform_tests.scale.conftest import BIN

SATISFACTION = next(a for a in FILE_ASSETS if a.key.path[-1] == "satisfaction")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    """A generated drop of 2019 (the e-Satis results file among others)."""
    landing = tmp_path_factory.mktemp("generated") / "landing"
    subprocess.run([str(BIN / "chu"), "generate", "--no-database", "--scale", "0.001", "--years", "2019",
                    "--landing", str(landing)], check=True, capture_output=True)
    return landing


def _faulty_ftp(root, faults: dict[str, int], password: str = "not-a-real-secret"):
    """A real FTP server on a free port whose listing answers ``421`` and whose downloads drop
    the connection, the first ``faults[...]`` times."""
    from pyftpdlib.authorizers import DummyAuthorizer
    from pyftpdlib.handlers import FTPHandler
    from pyftpdlib.servers import ThreadedFTPServer

    class Faulty(FTPHandler):
        def ftp_MLSD(self, path):
            if faults["listing"] > 0:
                faults["listing"] -= 1
                self.respond("421 Too many connections, try again later.")
                self.close_when_done()
                return None
            return super().ftp_MLSD(path)

        def ftp_RETR(self, file):
            if faults["transfer"] > 0:
                faults["transfer"] -= 1
                self.respond("150 File status okay. About to open data connection.")
                self.close()
                return None
            return super().ftp_RETR(file)

    authorizer = DummyAuthorizer()
    authorizer.add_user("chu", password, str(root), perm="elr")
    Faulty.authorizer = authorizer
    server = ThreadedFTPServer(("127.0.0.1", 0), Faulty)
    thread = threading.Thread(target=server.serve_forever, kwargs={"timeout": 0.05}, daemon=True)
    thread.start()
    return server, thread


@pytest.fixture
def faulty_drop(tmp_path, generated):
    root = tmp_path / "ftp_root"
    shutil.copytree(generated / "satisfaction", root)
    faults = {"listing": 0, "transfer": 0}
    server, thread = _faulty_ftp(root, faults)
    drop = DropResource(ftp_host="127.0.0.1", ftp_port=server.socket.getsockname()[1], ftp_user="chu",
                        ftp_password="not-a-real-secret", ftp_tls="false", ftp_passive="true", ftp_root="/")
    yield drop, faults
    server.close_all()
    thread.join(timeout=5)


def _cause(event: dg.DagsterEvent) -> str:
    """The error a retried step raised (Dagster wraps it in the retry request)."""
    error = event.event_specific_data.error
    return error.cause.message if error.cause else error.message


def _satisfaction_2019(data, drop) -> dg.ExecuteInProcessResult:
    settings = ChuSettings(data_dir=str(data), landing_dir=str(data / "unused"))
    return dg.materialize([SATISFACTION], partition_key="2019", raise_on_error=False,
                          resources={"settings": settings, "drop": drop, "io_manager": DeltaIOManager(data_dir=str(data))})


def test_ftp_421_and_dropped_transfers_are_retried_and_leave_no_partial_file(faulty_drop, generated, tmp_path):
    drop, faults = faulty_drop
    clean = tmp_path / "clean"
    assert _satisfaction_2019(clean, DropResource(landing_dir=str(generated / "satisfaction"))).success
    faults.update(listing=1, transfer=1)
    data = tmp_path / "data"
    result = _satisfaction_2019(data, drop)
    assert result.success
    assert faults == {"listing": 0, "transfer": 0}
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    failures = [_cause(e) for e in retries]
    assert len(failures) == 2
    assert "failed while listing /" in failures[0] and "421" in failures[0]
    assert all(f"127.0.0.1:{drop.ftp_port}" in f and "downloading /2019/" in f for f in failures[1:]), failures
    uri = ["bronze", "satisfaction"]
    expected = delta_store.read(delta_store.table_uri(delta_store.lake_root(str(clean)), uri))
    written = delta_store.read(delta_store.table_uri(delta_store.lake_root(str(data)), uri))
    assert expected.height > 0
    assert written.drop("_ingested_at", "_run_id").equals(expected.drop("_ingested_at", "_run_id"))
    assert [p for p in (data / "raw" / ".incoming").rglob("*") if p.is_file()] == []


def test_sensor_skips_a_tick_on_421_and_keeps_its_cursor(faulty_drop, tmp_path):
    drop, faults = faulty_drop
    settings = ChuSettings(data_dir=str(tmp_path / "data"), landing_dir=str(tmp_path / "unused"))
    resources = {"settings": settings, "drop": drop}
    cursor = ftp_new_files(dg.build_sensor_context(resources=resources)).cursor
    faults["listing"] = 1
    skipped = ftp_new_files(dg.build_sensor_context(cursor=cursor, resources=resources))
    assert skipped.run_requests == [] and skipped.cursor == cursor
    assert "421" in skipped.skip_reason.skip_message
    requests = ftp_new_files(dg.build_sensor_context(cursor=cursor, resources=resources)).run_requests
    assert [r.partition_key for r in requests] == ["2019"]


def test_unreachable_ftp_host_names_host_and_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # Nothing listens on ``port`` any more: the connection is refused.
    with pytest.raises(DropUnavailable, match=rf"FTP server 127\.0\.0\.1:{port} unreachable .*CHU_FTP_HOST"):
        FtpDrop("127.0.0.1", port, timeout=5).list_files()


def _terminate_blocked(dsn: str, tables: list[str], victims: int, done: list[int]) -> None:
    """Hold an exclusive lock on ``tables``; each query that queues behind it has its backend
    terminated (pg_terminate_backend, from this other connection), ``victims`` times, then the
    lock goes."""
    with closing(psycopg2.connect(dsn)) as locker, closing(psycopg2.connect(dsn)) as killer:
        killer.autocommit = True
        with locker.cursor() as cur:
            cur.execute(f"LOCK TABLE {', '.join(f'public.{t!r}'.replace(chr(39), chr(34)) for t in tables)} "
                        "IN ACCESS EXCLUSIVE MODE")
            deadline = time.monotonic() + 60
            with killer.cursor() as kill:
                while len(done) < victims and time.monotonic() < deadline:
                    kill.execute("SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> %s",
                                 (locker.get_backend_pid(),))
                    done.extend(pid for ok, pid in kill.fetchall() if ok)
                    time.sleep(0.05)
        locker.rollback()


def test_terminated_database_connections_are_retried(pg_dsn, tmp_path):
    load_care_db(pg_dsn)
    assets = [a for a in CARE_ASSETS if a.key.path[-1] in ("care_patients", "care_diagnostics")]
    terminated: list[int] = []
    killer = threading.Thread(target=_terminate_blocked, args=(pg_dsn, ["Patient", "Diagnostic"], 2, terminated))
    killer.start()
    data = str(tmp_path / "data")
    settings = ChuSettings(data_dir=data, landing_dir=str(tmp_path / "landing"), source_dsn=pg_dsn)
    try:
        result = dg.materialize(assets, raise_on_error=False,
                                resources={"settings": settings, "io_manager": DeltaIOManager(data_dir=data)})
    finally:
        killer.join()
    assert len(terminated) == 2
    assert result.success
    retries = [e for e in result.all_events if e.event_type == dg.DagsterEventType.STEP_UP_FOR_RETRY]
    assert sorted(e.step_key for e in retries) == ["bronze__care_diagnostics", "bronze__care_patients"]
    assert all("care database unreachable or connection lost" in _cause(e) and "terminat" in _cause(e)
               for e in retries), [_cause(e) for e in retries]
    assert delta_store.read(settings.table_uri("bronze", "care_patients")).height == ROWS["Patient"]
    assert delta_store.read(settings.table_uri("bronze", "care_diagnostics")).height == ROWS["Diagnostic"]


def test_the_source_retries_wait_1_3_7_15_and_31_s_each_within_a_second():
    """The schedule docs/reliability.md and retries.py state: Dagster's exponential backoff."""
    from chu_platform.defs.bronze.retries import SOURCE_RETRY

    assert SOURCE_RETRY.max_retries == 5
    for attempt, wait in enumerate((1, 3, 7, 15, 31), start=1):
        delays = [SOURCE_RETRY.calculate_delay(attempt) for _ in range(200)]
        assert wait - 1 <= min(delays) < wait - 0.5 and wait + 0.5 < max(delays) <= wait + 1, (attempt, wait)
