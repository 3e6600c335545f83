"""Blocking checks that each mart, as stored, shows no count from 1 to 9."""

import dagster as dg

from chu_platform.defs.table_checks import Check, CheckData, Outcome, table_checks
from chu_platform.marts import analyses
from chu_platform.marts.secrecy import Secrecy, leaks


def secrecy_applied(secrecy: Secrecy) -> Check:
    def evaluate(data: CheckData) -> Outcome:
        bad = leaks(data.table, secrecy)
        return bad.is_empty(), {
            "leaking_rows": dg.MetadataValue.int(bad.height),
            "sample": dg.MetadataValue.md(str(bad.head(5)) if bad.height else "none"),
        }

    return Check("secrecy_applied", "No published count of people or events between 1 and 9 (statistical secrecy).",
                 evaluate, blocking=True)


MART_CHECKS = [table_checks("marts", name, [secrecy_applied(analyses.get(name).secrecy)]) for name in analyses.ANALYSES]
