"""A signal that reaches ``chu run`` after Dagster created a run and before Dagster's own handler
took over leaves no run ``NOT_STARTED``: the client reports it canceled as it stops (seen under
load in ``test_killed_clients.py``: the run waited for the next build to close it)."""

from contextlib import contextmanager

import dagster as dg
import pytest

from chu_platform.orchestration import build_target
from chu_platform.orchestration.clients import CLIENT_TAG, Interrupted


@dg.op
def _nothing() -> None:
    pass


@dg.job
def _tiny():
    _nothing()


def job(name: str) -> dg.JobDefinition:
    return _tiny


def test_a_run_the_signal_caught_before_it_started_is_canceled(tmp_path, monkeypatch):
    created = []

    @contextmanager
    def execute_job(recon, instance, tags=None, **kwargs):
        # Dagster has created the run; the signal lands before its handler is in force.
        created.append(instance.create_run_for_job(job_def=_tiny, tags=tags))
        raise Interrupted("SIGTERM")
        yield  # pragma: no cover

    monkeypatch.setattr(dg, "execute_job", execute_job)
    planned = [build_target.PlannedRun("_tiny", (dg.AssetKey("x"),), None)]
    with dg.DagsterInstance.local_temp(str(tmp_path)) as instance:
        # Another client's run, not started either: not this client's to close.
        other = instance.create_run_for_job(job_def=_tiny, tags={CLIENT_TAG: "1:0:elsewhere"})
        with pytest.raises(KeyboardInterrupt):
            build_target.execute(planned, instance, graph=None, job_source=(__name__, "job"))
        [run] = created
        assert run.status == dg.DagsterRunStatus.NOT_STARTED and CLIENT_TAG in run.tags
        assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.CANCELED
        assert instance.get_run_by_id(other.run_id).status == dg.DagsterRunStatus.NOT_STARTED
