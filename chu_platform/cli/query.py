"""``chu query``: answer one of the eight analyses, or one of the activity indicators
(``marts/activity.py``), from gold, secrecy applied.

Without the right to lift secrecy a question is one whole calendar year, and a filter only
chooses rows (``analyses.question_refusal``): no two answers then give back a withheld count
by subtraction. The table format writes rates as percentages and scores with one decimal;
csv and json keep full precision; every format writes a withheld cell as "<10" or "s"
(``secrecy.display_cells`` / ``secrecy.records``), the table with the legend of what it shows.
"""

from __future__ import annotations

import json

import click
import polars as pl

from chu_platform.lib import delta_store
from chu_platform.layers.marts import activity, analyses
from chu_platform.layers.marts.periods import Period, latest_complete_year
from chu_platform.deploy.settings import lake_uri
from chu_platform.layers.marts.export import render_csv
from chu_platform.schemas.years import spans
from chu_platform.layers.marts.secrecy import (
    UNMASK_GROUP,
    UNMASK_USERS,
    audit_record,
    display_cells,
    kinds_shown,
    legend,
    process_user,
    publish,
    shown_columns,
    records,
    unmask_refusal,
)

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


def _percent(value: float) -> str:
    if 0 < abs(value) < 0.0005:
        return "<0.1%"
    return f"{value:.1%}"


def _one_decimal(value: float) -> str:
    return f"{value:,.1f}"


def table_formats(name: str) -> dict:
    """How the table writes shown values: shares as percentages, scores (satisfaction's mean
    score, and its rate, which is that mean) with one decimal."""
    if name == "satisfaction_by_region":
        return {"score": _one_decimal, "rate": _one_decimal, "numerator": _one_decimal}
    return {"rate": _percent}


def render_table(frame) -> str:
    """A frame of text cells (``display_cells``) as aligned columns; numbers right-aligned."""
    if frame.is_empty():
        return "(no rows)"
    columns = frame.columns
    cells = [list(row) for row in frame.iter_rows()]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(columns)]
    numeric = [all(_numberlike(row[i]) for row in cells) for i in range(len(columns))]

    def line(values: list[str]) -> str:
        return "  ".join(v.rjust(w) if n else v.ljust(w) for v, w, n in zip(values, widths, numeric)).rstrip()

    return "\n".join([line(list(columns)), line(["-" * w for w in widths]), *(line(row) for row in cells)])


def _numberlike(text: str) -> bool:
    return text in {"", "<10", "s", "<0.1%"} or text.replace(",", "").replace(".", "").rstrip("%").lstrip("-").isdigit()


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


def _refuse_outside_lattice(name: str, period, filters: dict) -> None:
    """Questions off the lattice only for the users who may lift secrecy anyway."""
    why = analyses.question_refusal(name, period, filters)
    if why is not None and unmask_refusal(process_user()) is not None:
        raise click.ClickException(
            f"{why}. Only the users named in {UNMASK_USERS} or members of the group {UNMASK_GROUP} may ask it."
        )


@click.command()
@click.argument("name", type=click.Choice([*analyses.ANALYSES, *activity.INDICATORS]))
@click.option("--year", type=int, help="One calendar year (default: the latest complete year in the data).")
@click.option("--from", "start", metavar="DATE",
              help="Period start, inclusive (YYYY-MM-DD); other than a whole year only for users who may lift secrecy.")
@click.option("--to", "end", metavar="DATE", help="Period end, inclusive (YYYY-MM-DD).")
@click.option("--establishment", metavar="FINESS", help="Only events at this establishment (FINESS number).")
@click.option("--diagnosis", metavar="CODE", help="Only events with this CIM-10 code or code prefix (J45, J4).")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json"]), default="table", show_default=True)
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show only the first N rows (secrecy is applied to all).")
@click.option("--no-secrecy", is_flag=True,
              help="Show counts below 10: only for the OS users of CHU_UNMASK_USERS or the group CHU_UNMASK_GROUP; "
              "recorded in ops/secrecy_audit.")
def query(name, year, start, end, establishment, diagnosis, fmt, limit, no_secrecy) -> None:
    """Answer analysis NAME from gold; counts of 1 to 9 and figures from them read "<10", cells
    withheld so that none can be recovered read "s"."""
    lake = lake_uri()
    if no_secrecy:
        _refuse_unauthorised(lake, name)
    filters = {"establishment": establishment, "diagnosis": diagnosis}
    if name in activity.INDICATORS:
        _indicator(lake, name, year, start, end, filters, fmt, limit, no_secrecy)
        return
    try:
        con = analyses.connect_gold(lake, tables=analyses.tables_read(name))
        period = _period(con, name, year, start, end)
        if not no_secrecy:
            _refuse_outside_lattice(name, period, filters)
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
    total = df.height
    if limit is not None:
        df = df.head(limit)
    missing = _no_data_line(con, name, period)
    analysis = analyses.get(name)
    shown = "".join(f", {k} {v}" for k, v in filters.items() if v)
    _print(df, fmt, total, limit, no_secrecy, header=[f"{analysis.title}, {period}{shown}",
           f"  numerator: {analysis.numerator}; denominator: {analysis.denominator}"],
           table=missing or render_table(display_cells(df, table_formats(name))))
    if missing and fmt != "table":
        click.echo(missing, err=True)


def _print(df, fmt: str, total: int, limit: int | None, no_secrecy: bool, header: list[str], table: str) -> None:
    """``df`` as json, csv, or the table under its header lines with the legend of what it shows."""
    if fmt == "json":
        click.echo(json.dumps(records(df), ensure_ascii=False, indent=2))
        return
    if fmt == "csv":
        rows = records(df)
        click.echo(render_csv(rows, list(rows[0]) if rows else shown_columns(df)), nl=False)
        return
    click.echo("\n".join([*header, table]))
    if limit is not None and total > limit:
        click.echo(f"(first {limit} of {total} rows; --limit)")
    lines = [] if no_secrecy else legend("en", kinds_shown(df))
    if lines:
        click.echo("")
        click.echo("\n".join(lines))


def _no_data_line(con, name: str, period) -> str | None:
    """One line saying which years hold data, when the year asked holds none."""
    years = analyses.years_present(con, name)
    if any(y in years for y in period.year_range):
        return None
    held = f"years with data: {spans(years)}" if years else "no year has data yet (run `chu run`)"
    return f"No data for {period} in {name}; {held}."


def indicator_rows(lake: str, name: str, year: int | None, establishment: str | None,
                   secrecy: bool = True) -> tuple[int, pl.DataFrame]:
    """The year (the latest complete one by default) and the published rows of an activity
    indicator; ``establishment`` keeps the group row and that establishment's rows."""
    indicator = activity.get(name)
    con = analyses.connect_gold(lake, tables=indicator.reads)
    try:
        whole = indicator.build(con)
    except Exception as exc:  # noqa: BLE001 - a missing gold table, said in the user's terms
        raise click.ClickException(f"{name} needs gold tables that are not built yet ({exc}); run `chu run` first")
    df = publish(whole, indicator.secrecy, apply=secrecy)
    years = sorted(df["year"].unique().to_list())
    chosen = year if year is not None else latest_complete_year(years)
    if chosen is None or chosen not in years:
        raise click.ClickException(f"{name}: no data for {year if year is not None else 'any complete year'} in gold "
                                   f"(years with data: {spans(years) if years else 'none'})")
    df = df.filter(pl.col("year") == chosen)
    if establishment:
        if "finess" not in df.columns or df.filter(pl.col("finess") == establishment).is_empty():
            raise click.ClickException(f"no establishment with FINESS '{establishment}' in {name} for {chosen}")
        df = df.filter((pl.col("finess") == establishment) | (pl.col("level") == activity.GROUP))
    return chosen, df


def _indicator(lake, name, year, start, end, filters, fmt, limit, no_secrecy) -> None:
    if start or end:
        raise click.UsageError(f"{name} is computed per calendar year: use --year instead of --from/--to")
    if filters.get("diagnosis"):
        raise click.UsageError(f"{name} does not take --diagnosis (it accepts --year and --establishment)")
    if no_secrecy:
        _refuse_unauthorised(lake, name)
    chosen, df = indicator_rows(lake, name, year, filters.get("establishment"), secrecy=not no_secrecy)
    if no_secrecy:
        _record_lifted_secrecy(lake, name, {"period": str(chosen), **{k: v for k, v in filters.items() if v}}, df.height)
    total = df.height
    if limit is not None:
        df = df.head(limit)
    indicator = activity.get(name)
    _print(df, fmt, total, limit, no_secrecy, header=[f"{indicator.title}, {chosen}",
           f"  {indicator.grain}; {indicator.definition}"], table=render_table(display_cells(df)))
