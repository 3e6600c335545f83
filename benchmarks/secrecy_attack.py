"""The attack of ``chu_platform_tests/secrecy/test_attack.py`` on a built lake (docs/secrecy.md).

    python -m benchmarks.secrecy_attack data/lake

Asks every analysis the random questions a user without the right to lift secrecy may ask
(whole years, rows chosen from the whole table), adds the BI warehouse's marts and published
aggregates and the dashboard's yearly cells, and prints what pairs and triples of them give
back: counts withheld on one surface and shown on another, differences of nested counts from 1
to 9, parts of a whole recovered by subtraction.
"""

from __future__ import annotations

import sys
import time
from collections import Counter

from chu_platform.layers.marts import analyses
from chu_platform_tests.secrecy.test_attack import (
    Universe,
    _asked_as_a_user_without_the_right_to_lift_secrecy,
    answers,
    dashboard_cells,
    recoveries,
)


def main(lake: str) -> int:
    started = time.perf_counter()
    con = analyses.connect_gold(lake)
    universe = Universe(con)
    asked = answers(con, universe, _asked_as_a_user_without_the_right_to_lift_secrecy)
    page = dashboard_cells(con, lake, universe)
    shared = {c.quantity for c in asked}
    print(f"chu query and BI warehouse: {len({c.where for c in asked})} answers, {len(asked)} counts, "
          f"{sum(c.shown is None and c.label is not None for c in asked)} withheld "
          f"({sum(c.shown is None and c.label == 's' for c in asked)} of them s)")
    print(f"dashboard: {len(page)} yearly cells, {sum(c.shown is None for c in page)} withheld, "
          f"{sum(c.quantity in shared for c in page)} counts the other surfaces show too")
    found = recoveries(asked + page)
    print(f"recovered: {len(found)} ({dict(Counter(f.split(':')[0] for f in found))}) "
          f"in {time.perf_counter() - started:.0f} s")
    for line in found[:20]:
        print(" ", line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
