"""Dagster's daemon (``dagster-daemon run``), with the backfill loop's interval set by
``CHU_BACKFILL_TICK_SECONDS`` (default 2 s).

Dagster's backfill daemon looks at each backfill once every 30 s, a constant with no setting
(``dagster._daemon.controller.DEFAULT_DAEMON_INTERVAL_SECONDS``). A backfill advances one wave
of the asset graph per look: a run cannot hold an asset and a parent of another partitioning,
so a build from sources to marts takes four waves, two minutes of waiting on an idle machine.
Each look costs a few milliseconds here (one backfill, a few dozen assets). Everything else
is Dagster's daemon unchanged: the same command line, sensors, schedules, run queue, run
monitoring. ``make up`` and ``chu backfill`` start the daemon through this module.

    python -m chu_platform.lib.daemon run -w workspace.yaml
"""

import os
import sys

from chu_platform.lib import dagster_private

DEFAULT_TICK_SECONDS = 2.0


def main() -> None:
    dagster_private.set_backfill_interval(float(os.environ.get("CHU_BACKFILL_TICK_SECONDS") or DEFAULT_TICK_SECONDS))
    sys.argv[0] = "dagster-daemon"
    dagster_private.daemon_cli()


if __name__ == "__main__":
    main()
