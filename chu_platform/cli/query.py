"""``chu query``: answer one of the eight analyses from gold, secrecy applied."""

from __future__ import annotations

import json
import os

import click

from chu_platform.lib import delta_store
from chu_platform.marts import analyses
from chu_platform.marts.export import render_csv
from chu_platform.marts.periods import Period
from chu_platform.marts.secrecy import MASK, audit_record, process_user, records, unmask_refusal

AUDIT_TABLE = ("ops", "secrecy_audit")


def _period(con, name: str, year: int | None, start: str | None, end: str | None) -> Period:
    if year is not None and (start or end):
        raise click.UsageError("give either --year or --from/--to, not both")
    if bool(start) != bool(end):
        raise click.UsageError("--from and --to go together (both dates inclusive, YYYY-MM-DD)")
    if year is not None:
        return Period.year(year)
    if start:
        try:
            return Period.parse(start, end)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--from/--to") from None
    return analyses.default_period(con, name)


def render_table(rows: list[dict]) -> str:
    if not rows:
        return "(no rows)"
    columns = list(rows[0])
    cells = [["" if v is None else str(v) for v in (r[c] for c in columns)] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]

    def line(values: list[str]) -> str:
        return "  ".join(v.ljust(w) for v, w in zip(values, widths)).rstrip()

    return "\n".join([line(columns), line(["-" * w for w in widths]), *(line(row) for row in cells)])


def _refuse_unauthorised(lake: str, name: str) -> None:
    """Only the users the configuration names may lift secrecy; a refused attempt is recorded."""
    why = unmask_refusal(process_user())
    if why is None:
        return
    try:
        delta_store.append(audit_record(name, {"refused": True}, 0, granted=False), delta_store.table_uri(lake, AUDIT_TABLE))
    except Exception:  # noqa: BLE001 - the refusal stands even where it cannot be recorded
        pass
    raise click.ClickException(why)


def _record_lifted_secrecy(lake: str, name: str, parameters: dict, rows: int) -> None:
    """Lifting secrecy is logged before anything is shown; if it cannot be logged, nothing is."""
    record = audit_record(name, parameters, rows)
    delta_store.append(record, delta_store.table_uri(lake, AUDIT_TABLE))
    click.echo(
        f"WARNING: statistical secrecy lifted by {record['user'].item()} for {name} "
        f"({parameters['period']}); recorded in {'/'.join(AUDIT_TABLE)}",
        err=True,
    )


@click.command()
@click.argument("name", type=click.Choice(list(analyses.ANALYSES)))
@click.option("--year", type=int, help="One calendar year (default: the latest complete year in the data).")
@click.option("--from", "start", metavar="DATE", help="Period start, inclusive (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Period end, inclusive (YYYY-MM-DD).")
@click.option("--establishment", metavar="FINESS", help="Only events at this establishment (FINESS number).")
@click.option("--diagnosis", metavar="CODE", help="Only events with this CIM-10 code or code prefix (J45, J4).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--no-secrecy", is_flag=True,
              help="Show counts below 10: only for the OS users of CHU_UNMASK_USERS or the group CHU_UNMASK_GROUP; "
              "recorded in ops/secrecy_audit.")
def query(name, year, start, end, establishment, diagnosis, fmt, no_secrecy) -> None:
    """Answer analysis NAME from gold; counts of 1 to 9 and rates from them show as "<10"."""
    lake = delta_store.lake_root(os.environ["CHU_DATA_DIR"], os.environ.get("CHU_LAKE_URI", ""))
    if no_secrecy:
        _refuse_unauthorised(lake, name)
    filters = {"establishment": establishment, "diagnosis": diagnosis}
    try:
        con = analyses.connect_gold(lake)
        period = _period(con, name, year, start, end)
        df = analyses.published(con, name, period, filters, secrecy=not no_secrecy)
    except analyses.AnalysisError as exc:
        raise click.ClickException(str(exc)) from None
    except Exception as exc:
        damaged = delta_store.damage_in(exc, lake)
        if damaged is None:
            raise
        raise click.ClickException(str(damaged)) from None
    if no_secrecy:
        parameters = {"period": str(period), **{k: v for k, v in filters.items() if v}}
        _record_lifted_secrecy(lake, name, parameters, df.height)
    rows = records(df, analyses.get(name).secrecy)
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif fmt == "csv":
        click.echo(render_csv(rows, df.columns), nl=False)
    else:
        analysis = analyses.get(name)
        shown = "".join(f", {k} {v}" for k, v in filters.items() if v)
        click.echo(f"{analysis.title}, {period}{shown}")
        click.echo(f"  numerator: {analysis.numerator}; denominator: {analysis.denominator}")
        click.echo(render_table(rows))
        if any(r["masked"] for r in rows) and not no_secrecy:
            click.echo(f'\n"{MASK}": statistical secrecy (a count of 1 to 9, a figure computed from one, '
                       'or a cell withheld so that none can be recovered from a total)')
