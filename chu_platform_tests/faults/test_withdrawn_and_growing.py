"""A delivery can be withdrawn and the platform returns to the state it would have had without
it; a year's INSEE file and its monthly files are never loaded together; a file still being
written, or changed while it is copied, is not loaded."""

import os
import pwd
import threading
import time

import dagster as dg
import pytest

from chu_platform.layers.bronze import ingest, raw
from chu_platform.layers.bronze.drop import LocalDrop
from chu_platform.defs.bronze.assets import FILE_ASSETS
from chu_platform.defs.bronze.resources import DropResource
from chu_platform.defs.resources import ChuSettings
from chu_platform.lib import delta_store
from chu_platform.defs.io_manager import DeltaIOManager
from chu_platform_tests.conftest import set_platform_env
from chu_platform_tests.faults.conftest import YEAR, assert_same_lake, chu, deliver, lake_rows

DEATHS = next(a for a in FILE_ASSETS if a.key.path[-1] == "deaths")
FIXED = ((0, 80), (80, 81), (81, 89), (89, 94), (94, 124), (124, 154), (154, 162), (162, 167), (167, 176))
HOUR_AGO = time.time() - 3600


def _at(path, when: float):
    os.utime(path, (when, when))
    return path


def _monthly(register, target):
    """A monthly file: a subset of the year's file (its last lines), as INSEE publishes them."""
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    target.write_text("".join(lines[-40:]), encoding="utf-8")
    return target


def _insee_csv(register, target):
    """Another delivery of the year: every other line, as INSEE CSV."""
    lines = register.read_text(encoding="utf-8").splitlines()[::2]
    target.write_text("".join(";".join(f'"{line[a:b].strip()}"' for a, b in FIXED) + "\n" for line in lines),
                      encoding="utf-8")
    return target


def _materialize(data, landing, settle="0"):
    settings = ChuSettings(data_dir=str(data), landing_dir=str(landing), settle_seconds=settle)
    resources = {"settings": settings, "drop": DropResource(landing_dir=str(landing)),
                 "io_manager": DeltaIOManager(data_dir=str(data))}
    return settings, dg.materialize([DEATHS], resources=resources, partition_key=str(YEAR), raise_on_error=False)


def _failure(result) -> str:
    (event,) = [e for e in result.all_events if e.is_step_failure]
    error, messages = event.step_failure_data.error, []
    while error is not None:
        messages.append(error.message)
        error = error.cause
    return " | ".join(messages)


def test_a_monthly_file_beside_its_year_file_is_not_loaded_twice(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    register = landing / "deces" / f"deces-{YEAR}.txt"
    lines = register.read_bytes().count(b"\n")
    _at(register, HOUR_AGO)
    _at(_monthly(register, landing / "deces" / f"deces-{YEAR}-m12.txt"), HOUR_AGO + 60)
    settings, result = _materialize(chu_env, landing)
    assert result.success
    bronze = delta_store.read(settings.table_uri("bronze", "deaths"))
    assert bronze.height == lines  # before: the monthly file's lines a second time
    assert bronze["_source_file"].unique().to_list() == [f"deces/deces-{YEAR}.txt"]
    notices = result.get_asset_materialization_events()[0].materialization.metadata["superseded_not_loaded"].value
    assert any(n.startswith(f"deces/deces-{YEAR}-m12.txt not loaded: deces/deces-{YEAR}.txt is the year's file")
               for n in notices)


def test_monthly_files_alone_are_each_loaded(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    register = landing / "deces" / f"deces-{YEAR}.txt"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    (landing / "deces" / f"deces-{YEAR}-m01.txt").write_text("".join(lines[:30]), encoding="utf-8")
    (landing / "deces" / f"deces-{YEAR}-m02.txt").write_text("".join(lines[30:50]), encoding="utf-8")
    register.unlink()
    settings, result = _materialize(chu_env, landing)
    assert result.success
    assert delta_store.read(settings.table_uri("bronze", "deaths")).height == 50


def test_a_withdrawn_delivery_leaves_every_table_as_a_clean_run_does(tmp_path, monkeypatch, generated_drop):
    # The clean run: only the year's register.
    clean = set_platform_env(monkeypatch, tmp_path / "clean")
    _at(deliver(generated_drop, clean, "deces") / "deces" / f"deces-{YEAR}.txt", HOUR_AGO)
    assert chu("run").exit_code == 0
    expected = lake_rows(clean)

    data = set_platform_env(monkeypatch, tmp_path / "data")
    landing = deliver(generated_drop, data, "deces")
    register = _at(landing / "deces" / f"deces-{YEAR}.txt", HOUR_AGO)
    monthly = _at(_monthly(register, landing / "deces" / f"deces-{YEAR}-m12.txt"), HOUR_AGO + 60)
    assert chu("run").exit_code == 0
    # The monthly file goes away and a CSV of the year comes later: it is loaded instead.
    monthly.unlink()
    copy = _at(_insee_csv(register, landing / "deces" / f"deces-{YEAR}.csv"), HOUR_AGO + 120)
    chu("run")
    assert delta_store.read(str(data / "lake" / "bronze" / "deaths"))["_source_file"].unique().to_list() == [
        f"deces/deces-{YEAR}.csv"]
    # Removing it from the drop does not withdraw it (the raw zone keeps it): the command does.
    copy.unlink()
    result = chu("withdraw", f"deces/deces-{YEAR}.csv", "--reason", "sent by mistake")
    assert result.exit_code == 0, result.output
    user = pwd.getpwuid(os.geteuid()).pw_name
    assert f"deces/deces-{YEAR}.csv version 1" in result.output and f"withdrawn by {user}" in result.output
    assert_same_lake(lake_rows(data), expected)
    history = delta_store.read(str(data / "lake" / "raw" / "withdrawals"))
    assert history.select("drop_path", "action", "user", "reason").rows() == [
        (f"deces/deces-{YEAR}.csv", "withdrawn", user, "sent by mistake")]
    assert (raw.raw_root(data) / "deaths" / str(YEAR) / "deces" / f"deces-{YEAR}.csv").exists()  # kept

    # Taken back, it is loaded again.
    result = chu("withdraw", "--restore", f"deces-{YEAR}.csv", "--no-rebuild")
    assert result.exit_code == 0 and "restored" in result.output
    assert "chu run --sources deaths --years 2020" in result.output


def test_withdrawing_an_unknown_file_names_what_was_delivered(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    _materialize(chu_env, landing)
    result = chu("withdraw", "deces-1999.txt", "--no-rebuild")
    assert result.exit_code == 1
    assert f"no delivery of that name in the raw zone (delivered files: deces/deces-{YEAR}.txt)" in result.output


def test_a_file_still_being_written_is_not_loaded(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    register = landing / "deces" / f"deces-{YEAR}.txt"
    full = register.read_bytes()
    lines = full.count(b"\n")
    register.write_bytes(full[:len(full) // 4])

    def upload():
        # The rest of the file arrives in pieces, one every 0.2 s, for longer than the settle time.
        rest = full[len(full) // 4:]
        step = len(rest) // 15 + 1
        for start in range(0, len(rest), step):
            time.sleep(0.2)
            with open(register, "ab") as handle:
                handle.write(rest[start:start + step])

    writer = threading.Thread(target=upload)
    writer.start()
    try:
        settings, result = _materialize(chu_env, landing, settle="1")
    finally:
        writer.join()
    # Before: a quarter of the register loaded, the run green. Now the landing waits for the
    # file to settle, fails while it grows, and the step's retries load it once complete.
    assert result.success
    assert delta_store.read(settings.table_uri("bronze", "deaths")).height == lines
    retried = [e.event_specific_data.error.cause.message for e in result.all_events
               if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert retried and all(f"deces/deces-{YEAR}.txt is still being written" in m for m in retried), retried
    assert "CHU_SETTLE_SECONDS" in retried[0]


def test_a_file_never_settling_without_a_previous_version_fails_naming_it():
    from chu_platform.layers.bronze.ingest import _writing_notices

    with pytest.raises(raw.StillWriting, match="deces/deces-2031.txt is still being written.*Run again"):
        _writing_notices([("deces/deces-2031.txt", "deces/deces-2031.txt is still being written (1 bytes, then "
                                                   "2 bytes 5 s later)")], [])


def test_a_file_changed_while_copied_is_not_landed(chu_env, generated_drop, monkeypatch):
    landing = deliver(generated_drop, chu_env, "deces")
    register = _at(landing / "deces" / f"deces-{YEAR}.txt", HOUR_AGO)
    original, copies, landed_then = LocalDrop.fetch, [], []

    def fetch_while_appending(self, path, dest):
        original(self, path, dest)
        if len(copies) < 2:  # the transfer goes on during the first two copies, then ends
            with open(register, "ab") as handle:
                handle.write(f"more {len(copies)}\n".encode())
        copies.append(path)
        landed_then.append(raw.read_manifest(manifest).height)

    monkeypatch.setattr(LocalDrop, "fetch", fetch_while_appending)
    manifest = ChuSettings(data_dir=str(chu_env)).table_uri("raw", "manifest")
    settings, result = _materialize(chu_env, landing)
    # Each copy that changed under the reader failed its attempt, landed nothing and left no
    # partial file; the step's retry copied the finished file, which alone is in the raw zone.
    retried = [e.event_specific_data.error.cause.message for e in result.all_events
               if e.event_type_value == "STEP_UP_FOR_RETRY"]
    assert len(retried) == 2 and all(f"deces/deces-{YEAR}.txt changed while it was copied" in m for m in retried)
    assert result.success and landed_then == [0, 0, 0]
    (landed,) = raw.read_manifest(manifest).iter_rows(named=True)
    assert landed["size"] == register.stat().st_size, landed
    assert not list((raw.raw_root(chu_env) / ".incoming").rglob("*.txt"))


def test_a_growing_file_falls_back_on_its_previous_version(chu_env, generated_drop, monkeypatch):
    landing = deliver(generated_drop, chu_env, "deces")
    register = _at(landing / "deces" / f"deces-{YEAR}.txt", HOUR_AGO)
    lines = register.read_bytes().count(b"\n")
    settings, result = _materialize(chu_env, landing)
    assert result.success
    head = register.read_bytes()[:500]

    def growing(seconds):
        # A new delivery is being written over the old one while the landing waits for it.
        with open(register, "ab") as handle:
            handle.write(head)

    monkeypatch.setattr(ingest, "_wait", growing)
    growing(0)
    settings, result = _materialize(chu_env, landing, settle="1")
    assert result.success
    assert delta_store.read(settings.table_uri("bronze", "deaths")).height == lines
    notices = result.get_asset_materialization_events()[0].materialization.metadata["superseded_not_loaded"].value
    assert any("is still being written" in n and "previous version" in n for n in notices), notices


def test_a_file_gone_from_the_drop_is_said_to_be_loaded_from_raw(chu_env, generated_drop):
    landing = deliver(generated_drop, chu_env, "deces")
    assert _materialize(chu_env, landing)[1].success
    (landing / "deces" / f"deces-{YEAR}.txt").unlink()
    settings, result = _materialize(chu_env, landing)
    assert result.success  # the raw zone keeps it: removing a file does not withdraw it
    notices = result.get_asset_materialization_events()[0].materialization.metadata["superseded_not_loaded"].value
    (notice,) = notices
    assert notice.startswith(f"deces/deces-{YEAR}.txt is no longer in the drop: loaded from the raw zone "
                             f"(deaths/{YEAR}/deces/deces-{YEAR}.txt, received ")
    assert notice.endswith(f"`chu withdraw deces/deces-{YEAR}.txt` if it was delivered by mistake")
