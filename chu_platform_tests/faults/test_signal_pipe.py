"""A signal that reaches ``chu run`` while Dagster's handler is in force is never lost, even when
that handler's exception is dropped (Python ignores an exception raised in a garbage-collection
callback: a SIGTERM during one let a run go on to succeed)."""

import os
import signal

from chu_platform.orchestration.clients import interrupt_on_signals


def test_a_signal_whose_handler_exception_is_lost_is_still_received():
    with interrupt_on_signals() as received:
        # Another handler in force, whose exception goes nowhere (as one raised in a GC callback).
        ours = signal.signal(signal.SIGTERM, lambda *_: None)
        try:
            os.kill(os.getpid(), signal.SIGTERM)
        finally:
            signal.signal(signal.SIGTERM, ours)
        assert list(received) == []  # the handler of this module never ran
        assert received.drain() == [signal.SIGTERM]
        assert received.drain() == [signal.SIGTERM]  # read once, kept
    # The previous handlers and wake-up descriptor are back.
    assert signal.getsignal(signal.SIGTERM) is not ours
    assert signal.set_wakeup_fd(-1) == -1

