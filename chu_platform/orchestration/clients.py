"""Which process a build's runs belong to, and what happens to them when it is killed.

``chu run`` executes its runs in its own process (``dg.execute_job``): killed, it takes its
steps with it, but a ``SIGKILL`` leaves no chance to tell the instance, and the run it was
executing stays ``STARTED`` for ever, refusing every later build. Each run it launches
carries the client's identity (``chu/client``: PID, start time, host); under the data
directory's lock, a run whose client is gone is reported failed through Dagster
(``report_run_failed``), saying so, before the next build looks for one in flight.

A catchable signal (``SIGINT``, ``SIGTERM``, ``SIGHUP``) becomes ``KeyboardInterrupt`` in the
client (``interrupt_on_signals``); during a run Dagster's own handler (``SIGINT`` and
``SIGTERM``) fails the run, its steps stopped, and returns: ``interrupted`` reads that from the
run's failure, and the client launches no further run. Dagster's handler raises where the
signal lands, and Python drops an exception raised in a garbage-collection callback (seen: a
SIGTERM during a SQLAlchemy weakref callback, and the run went on to succeed); so every signal
is also written by the interpreter to a wake-up pipe (``signal.set_wakeup_fd``), which the
client reads after each run (``Received.drain``): a signal is never lost.
"""

from __future__ import annotations

import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import dagster as dg

from chu_platform.lib.client_process import CLIENT_TAG, client_alive, client_tag  # noqa: F401

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def close_orphaned_runs(instance: dg.DagsterInstance, statuses) -> list[str]:
    """Report failed each run in ``statuses`` whose client is gone; one line for each."""
    closed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=list(statuses))):
        run = record.dagster_run
        tag = run.tags.get(CLIENT_TAG)
        if tag is None or client_alive(tag) is not False:
            continue
        pid = tag.split(":", 1)[0]
        message = (f"its client ({run.tags.get('chu/runner', 'chu')}, pid {pid}) ended without finishing it "
                   "(killed): nothing runs it any more")
        instance.report_run_failed(run, message=message)
        closed.append(f"run {run.run_id[:8]} of {run.job_name} was {run.status.value.lower()}: {message}; "
                      "marked failed")
    return closed


def close_own_runs(instance: dg.DagsterInstance, tag: str, statuses) -> list[str]:
    """Report canceled each run in ``statuses`` of this client (``tag``) as it stops on a signal.

    A signal landing after Dagster created a run and before its handler took over (the run
    still ``NOT_STARTED``) raises ``Interrupted`` out of ``dg.execute_job``: nothing would start
    or end that run, and it would hold off every build until the next one closed it (seen under
    load in the killed-client test). Returns the ids closed."""
    closed = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=list(statuses), tags={CLIENT_TAG: tag})):
        instance.report_run_canceled(record.dagster_run, message="canceled: its chu client was stopped by a "
                                     "signal before the run ended (run the same command again to resume)")
        closed.append(record.dagster_run.run_id)
    return closed


def interrupted(result) -> bool:
    """Whether a run of ``dg.execute_job`` ended on a signal: Dagster's handler, in force while
    it executes, fails the run (reason ``UNEXPECTED_TERMINATION``) and returns."""
    from chu_platform.lib.dagster_private import RunFailureReason

    if result.success:
        return False
    event = result.get_run_failure_event()
    return getattr(event.event_specific_data, "failure_reason", None) == RunFailureReason.UNEXPECTED_TERMINATION


class Interrupted(KeyboardInterrupt):
    """A signal asked the client to stop (``KeyboardInterrupt``, so every cleanup runs)."""


class Received(list):
    """The signals received during the block: those this module's handler saw, and, once
    ``drain`` is called, any the interpreter wrote to the wake-up pipe while another handler
    was in force (Dagster's, during a run), even if that handler's exception was lost."""

    def __init__(self, pipe: int | None = None) -> None:
        super().__init__()
        self._pipe = pipe

    def drain(self) -> Received:
        while self._pipe is not None:
            try:
                data = os.read(self._pipe, 512)
            except BlockingIOError:
                break
            if not data:
                break
            self.extend(signal.Signals(b) for b in data if b in SIGNALS)
        return self


@contextmanager
def interrupt_on_signals() -> Iterator[Received]:
    """``SIGINT``, ``SIGTERM`` and ``SIGHUP`` raise ``Interrupted`` in the main thread for the
    ``with`` block (between runs; during one, Dagster's handler ends the run: ``interrupted``);
    the list yielded holds the signals received here (``drain`` it after a run)."""
    if threading.current_thread() is not threading.main_thread():
        yield Received()
        return
    read, write = os.pipe()
    for end in (read, write):
        os.set_blocking(end, False)
    received = Received(read)

    def handler(signum, _frame):
        received.append(signum)
        raise Interrupted(signal.Signals(signum).name)

    previous = {s: signal.signal(s, handler) for s in SIGNALS}
    previous_pipe = signal.set_wakeup_fd(write, warn_on_full_buffer=False)
    try:
        yield received
    finally:
        signal.set_wakeup_fd(previous_pipe)
        for s, old in previous.items():
            signal.signal(s, old)
        os.close(read)
        os.close(write)
