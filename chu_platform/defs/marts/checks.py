"""Blocking checks that each mart, as stored, shows no count from 1 to 9."""

import dagster as dg

from chu_platform.defs.table_checks import Check, CheckData, Outcome, table_checks, unique_key
from chu_platform.layers.marts import analyses
from chu_platform.layers.marts.secrecy import Secrecy, leaks
from chu_platform.layers.marts.secrecy import preview_table


def secrecy_applied(secrecy: Secrecy) -> Check:
    def evaluate(data: CheckData) -> Outcome:
        bad = leaks(data.table, secrecy)
        return bad.is_empty(), {
            "leaking_rows": dg.MetadataValue.int(bad.height),
            # The leaking rows' keys, their counts masked: the sample must not spread the leak.
            "sample": dg.MetadataValue.md(preview_table(bad, 5) if bad.height else "none"),
        }

    return Check("secrecy_applied", "No published count of people or events between 1 and 9 (statistical secrecy).",
                 evaluate, blocking=True)


MART_CHECKS = [
    table_checks("marts", name, [secrecy_applied(analyses.get(name).secrecy), unique_key("year", *analyses.get(name).key)])
    for name in analyses.ANALYSES
]
