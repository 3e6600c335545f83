"""Statistical secrecy: counts of people or events from 1 to 9 are published as "<10".

The SNDS rule (DESIGN.md): a count of patients, consultations, stays, deaths or survey
answers between 1 and 9 is masked, and so is every value computed from such a count (a
rate, a mean weighted by answers). Counts of establishments and HAS scores are public.

Where a surface shows a total and its parts (``Margin``), cells that subtraction from the
total would give back are masked too (complementary suppression, ``marts/suppression.py``);
they read "<10" like the others, since telling them apart would give the small ones away.

A published frame keeps its numeric columns: a masked cell is null and the row's
``masked`` flag is true, so BI tools still sum and sort the visible cells. Rendering
(``records``) turns the masked cells into the string "<10".
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl

from chu_platform.lib.markdown import markdown_table
from chu_platform.marts import suppression

MASK = "<10"
THRESHOLD = 10
MASKED = "masked"
UNMASK_USERS = "CHU_UNMASK_USERS"
UNMASK_GROUP = "CHU_UNMASK_GROUP"


# The columns that say which period a row is about: each period's cells have their own totals.
PERIOD_KEYS = ("year", "period_from", "period_to")


@dataclass(frozen=True)
class Margin:
    """Rows (``parts``, all when ``None``) whose ``count`` adds up, within equal ``by`` values
    and period, to a total that is shown: in column ``total`` of the same rows, on the row
    ``total_row`` of the same ``by`` values, or on another surface (neither)."""

    count: str
    by: tuple[str, ...] = ()
    parts: pl.Expr | None = None
    total: str | None = None
    total_row: pl.Expr | None = None


@dataclass(frozen=True)
class Secrecy:
    """Which columns of an analysis are counts about people, what is computed from them, and
    which of them add up to a total the analysis also shows."""

    counts: tuple[str, ...]
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    margins: tuple[Margin, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.counts + tuple(self.derived)


def _small(column: str) -> pl.Expr:
    return pl.col(column).is_between(1, THRESHOLD - 1).fill_null(False)


def _flag(column: str) -> str:
    return f"__masked_{column}"


def _complete(df: pl.DataFrame, secrecy: Secrecy) -> pl.DataFrame:
    """Add the complementary cells of every margin to the flags, until no margin adds any
    (a cell masked for one total may leave another total's masked cells recoverable)."""
    period = [c for c in PERIOD_KEYS if c in df.columns]
    rows = "__cell_row"
    df = df.with_row_index(rows)
    changed = True
    while changed:
        changed = False
        for margin in secrecy.margins:
            parts = df if margin.parts is None else df.filter(margin.parts)
            by = [*period, *margin.by]
            done = suppression.complementary(parts, margin.count, by, masked=_flag(margin.count))
            flag = _flag(margin.count)
            more = done.filter(pl.col(suppression.SUPPRESSED) & ~pl.col(flag))[rows]
            if more.len():
                changed = True
                df = df.with_columns((pl.col(flag) | pl.col(rows).is_in(more.implode())).alias(flag))
            exposed = done.filter(pl.col(suppression.TOTAL))
            if exposed.is_empty():
                continue
            if margin.total is not None:
                target, hit = _flag(margin.total), pl.col(rows).is_in(exposed[rows].implode())
            elif margin.total_row is not None:
                target = _flag(margin.count)
                keys = exposed.select(by).unique()
                hit = margin.total_row & pl.struct(by).is_in(keys.select(pl.struct(by)).to_series().implode())
            else:
                continue
            before = df[target]
            df = df.with_columns((pl.col(target) | hit.fill_null(False)).alias(target))
            changed = changed or not df[target].equals(before)
    return df.drop(rows)


def publish(df: pl.DataFrame, secrecy: Secrecy, apply: bool = True) -> pl.DataFrame:
    """The frame as it may be published: masked cells nulled, plus the ``masked`` flag.

    With ``apply=False`` (the logged ``--no-secrecy``) nothing is masked, but the flag still
    says which rows would have been.
    """
    flagged = df.with_columns(_small(c).alias(_flag(c)) for c in secrecy.counts)
    if secrecy.margins and flagged.height:
        flagged = _complete(flagged, secrecy)
    flags = {c: pl.col(_flag(c)) for c in secrecy.counts}
    derived = {
        c: pl.any_horizontal([flags[d] for d in deps]) for c, deps in secrecy.derived.items()
    }
    cells = {**flags, **derived}
    flagged = flagged.with_columns(pl.any_horizontal(list(flags.values())).alias(MASKED))
    if apply:
        flagged = flagged.with_columns(
            pl.when(rule).then(None).otherwise(pl.col(c)).alias(c) for c, rule in cells.items()
        )
    return flagged.drop(_flag(c) for c in secrecy.counts)


def leaks(df: pl.DataFrame, secrecy: Secrecy) -> pl.DataFrame:
    """Rows of a published frame that still show a count from 1 to 9 (none, if secrecy held)."""
    return df.filter(pl.any_horizontal([_small(c) for c in secrecy.counts]))


def records(df: pl.DataFrame, secrecy: Secrecy) -> list[dict]:
    """JSON-ready rows: "<10" in each masked cell, ISO dates, rates rounded to 6 decimals."""
    out = []
    for row in df.iter_rows(named=True):
        masked = bool(row.get(MASKED))
        shaped = {}
        for name, value in row.items():
            if masked and value is None and name in secrecy.columns:
                value = MASK
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, float):
                value = round(value, 6)
            shaped[name] = value
        out.append(shaped)
    return out


def process_user() -> str:
    """The OS user this process runs as (its effective uid), never $USER or $LOGNAME, which
    anyone can set."""
    uid = os.geteuid()
    try:
        return pwd.getpwuid(uid).pw_name
    except KeyError:
        return f"uid {uid}"


def login_user() -> str | None:
    """The user logged in on the controlling terminal (the analyst behind ``sudo -u``), from
    the system's login records; ``None`` without a terminal."""
    try:
        return os.getlogin()
    except OSError:
        return None


def unmask_refusal(user: str, environ: Mapping[str, str] | None = None) -> str | None:
    """Why ``user`` may not lift secrecy, or ``None`` when allowed: named in ``CHU_UNMASK_USERS``
    (comma-separated) or a member of the OS group ``CHU_UNMASK_GROUP``."""
    env = os.environ if environ is None else environ
    users = {u.strip() for u in env.get(UNMASK_USERS, "").split(",") if u.strip()}
    group = env.get(UNMASK_GROUP, "").strip()
    if user in users:
        return None
    if group:
        try:
            entry = grp.getgrnam(group)
        except KeyError:
            entry = None
        if entry is not None and (user in entry.gr_mem or entry.gr_gid in {os.getegid(), *os.getgroups()}):
            return None
    allowed = " or ".join(filter(None, [
        f"{UNMASK_USERS} ({', '.join(sorted(users))})" if users else "",
        f"the OS group {UNMASK_GROUP}={group}" if group else "",
    ])) or f"nobody ({UNMASK_USERS} and {UNMASK_GROUP} are unset)"
    return (f"user '{user}' is not authorised to lift statistical secrecy (--no-secrecy); "
            f"allowed: {allowed}. Ask the data-protection officer to be added, or query without --no-secrecy.")


def audit_record(analysis: str, parameters: Mapping[str, object], rows: int, granted: bool = True) -> pl.DataFrame:
    """One row for ``ops/secrecy_audit``: who lifted secrecy (the OS user of the process, and
    the terminal's login user), when, for which question, how many rows were shown; a refused
    attempt is recorded too (``granted`` false, no rows)."""
    return pl.DataFrame(
        {
            "at": [datetime.now(UTC).replace(tzinfo=None)],
            "user": [process_user()],
            "login": [login_user()],
            "host": [socket.gethostname()],
            "analysis": [analysis],
            "parameters": [json.dumps(dict(parameters), default=str, sort_keys=True)],
            "rows": [rows],
            "granted": [granted],
        },
        schema={
            "at": pl.Datetime("us"),
            "user": pl.String,
            "login": pl.String,
            "host": pl.String,
            "analysis": pl.String,
            "parameters": pl.String,
            "rows": pl.Int64,
            "granted": pl.Boolean,
        },
    )


# Columns that name a person or an event about one (source ids, pseudonyms, names, contact
# details): never in a published table, a preview or a check sample.
PERSONAL_COLUMNS = frozenset({
    "patient_key", "patient_pseudo", "consultation_id", "hospitalisation_id", "deces_id",
    "id_patient", "num_secu", "nom", "prenom", "nom_usage", "prenoms", "email", "e_mail", "tel", "telephone",
    "adresse", "date_naissance", "numero_acte_deces", "num_consultation", "num_hospitalisation", "nom_prenoms",
})
# Counts of people or events about people, under whatever table they appear, and the figures
# computed from them (DESIGN.md, "Statistical secrecy").
BOUND_COUNTS = ("numerator", "denominator", "deaths", "nb_reponses")
BOUND_DERIVED = ("rate", "score")


def preview_frame(df: pl.DataFrame) -> pl.DataFrame:
    """What a preview (materialisation metadata, a check's sample) may show of any frame: no
    column about a person, and every count of people from 1 to 9 masked with what is computed
    from it on its row."""
    shown = df.drop([c for c in df.columns if c.lower() in PERSONAL_COLUMNS or "pseudo" in c.lower()])
    counts = [c for c in BOUND_COUNTS if c in shown.columns and shown.schema[c].is_numeric()]
    if not counts:
        return shown
    small = pl.any_horizontal([_small(c) for c in counts])
    derived = [c for c in BOUND_DERIVED if c in shown.columns]
    return shown.with_columns(
        *(pl.when(_small(c)).then(None).otherwise(pl.col(c)).alias(c) for c in counts),
        *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in derived),
    )


def masked_rows(df: pl.DataFrame) -> int:
    return int(df.get_column(MASKED).sum()) if MASKED in df.columns else 0



def preview_table(df: pl.DataFrame, rows: int = 5) -> str:
    """A frame's first rows as a Markdown preview for metadata a UI user can read: rendered by
    the one Markdown renderer, after ``preview_frame`` (no person column, counts 1-9 masked)."""
    return markdown_table(preview_frame(df.head(rows)), rows=None)
