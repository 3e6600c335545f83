"""The dashboard's document is built with Python's cyclic garbage collector paused, and the
collector is left as it was found, also when the build fails."""

from __future__ import annotations

import gc

import pytest

from chu_platform.dashboard import build


def test_the_collector_is_paused_during_the_build_and_restored(monkeypatch):
    seen = []
    monkeypatch.setattr(build, "_document", lambda *args: seen.append(gc.isenabled()) or {"built": True})
    assert gc.isenabled()
    assert build.document("lake", None, {}) == {"built": True}
    assert seen == [False]
    assert gc.isenabled()


def test_a_failed_build_restores_the_collector(monkeypatch):
    def fail(*args):
        raise build.DashboardError("no gold")

    monkeypatch.setattr(build, "_document", fail)
    with pytest.raises(build.DashboardError):
        build.document("lake", None, {})
    assert gc.isenabled()


def test_a_collector_already_off_stays_off(monkeypatch):
    monkeypatch.setattr(build, "_document", lambda *args: {})
    gc.disable()
    try:
        build.document("lake", None, {})
        assert not gc.isenabled()
    finally:
        gc.enable()
