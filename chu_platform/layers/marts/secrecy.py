"""Statistical secrecy: what a published frame withholds, and how every surface names it.

The contract every surface reads (marts, the BI warehouse, ``chu query``, previews, the
dashboard, the Excel/CSV export):

* **Which cells are withheld.** The SNDS rule (DESIGN.md): a count of patients,
  consultations, stays, deaths or survey answers between 1 and 9 is withheld, and so is every
  value computed from such a count (a rate, a mean weighted by answers). Where a surface shows
  a total and its parts (``Margin``), the cells that subtraction from the total would give back
  are withheld too (complementary suppression, ``marts/suppression.py``). Counts of
  establishments and HAS scores are public.
* **Two kinds, named truthfully.** A withheld count of 1 to 9, or a figure computed from one,
  reads ``"<10"`` (``PRIMARY``). A cell withheld only so that another cannot be recovered
  (complementary suppression; its value may be 10 or more, or a total masked with its parts)
  reads ``"s"`` (``COMPLEMENTARY``, INSEE's "secret"), never "<10". The suppression rule
  assumes the reader knows the kinds (``suppression._pinned``), so naming them gives nothing
  away.
* **The published frame** (``publish``) keeps its numeric columns: a withheld cell is null.
  Each secrecy-bound column ``c`` present gets a text column ``secret_c`` (``secret_column``):
  null where the cell is shown, ``"<10"`` or ``"s"`` where it is withheld. The boolean
  ``masked`` says whether any cell of the row is withheld. BI tools sum and sort the visible
  cells and show ``coalesce(CAST(c AS VARCHAR), secret_c)``.
* **One rendering function**, ``display_cells(frame, formats)``: a published frame as text
  cells, the label in every withheld cell, the ``secret_*`` columns dropped. ``label(value,
  kind)`` does the same for one cell, ``records`` for JSON rows. ``LEGEND[lang]`` ("fr", "en")
  holds the legend lines for both kinds; ``legend(lang, kinds)`` the lines a table needs.
* **Periods and filters** a user may ask (``question_refusal``): see docs/secrecy.md.
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import polars as pl

from chu_platform.lib.markdown import markdown_table
from chu_platform.layers.marts import suppression

PRIMARY = "<10"
COMPLEMENTARY = "s"
MASK = PRIMARY
SECRET_PREFIX = "secret_"
THRESHOLD = 10
MASKED = "masked"
LEGEND = {
    "fr": {
        PRIMARY: "« <10 » : effectif de 1 à 9, ou valeur calculée à partir d'un tel effectif "
                 "(secret statistique)",
        COMPLEMENTARY: "« s » : valeur masquée pour qu'aucun effectif de 1 à 9 ne puisse être retrouvé "
                       "par soustraction (secret secondaire) ; elle peut valoir 10 ou plus",
    },
    "en": {
        PRIMARY: '"<10": a count of 1 to 9, or a figure computed from one (statistical secrecy)',
        COMPLEMENTARY: '"s": withheld so that no count of 1 to 9 can be recovered by subtraction '
                       "(secondary secrecy); it may be 10 or more",
    },
}
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
class Split:
    """On every row, ``part`` and the unpublished ``total - part`` add up to ``total``: the
    patients hospitalised and those seen but not hospitalised make the patients seen. Both
    ``part`` and ``total`` shown publish the difference, a count of people of its own."""

    part: str
    total: str


@dataclass(frozen=True)
class Secrecy:
    """Which columns of an analysis are counts about people, what is computed from them, and
    which of them add up to a total the analysis also shows."""

    counts: tuple[str, ...]
    derived: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    margins: tuple[Margin, ...] = ()
    splits: tuple[Split, ...] = ()

    @property
    def columns(self) -> tuple[str, ...]:
        return self.counts + tuple(self.derived)


def _small(column: str) -> pl.Expr:
    return pl.col(column).is_between(1, THRESHOLD - 1).fill_null(False)


def _flag(column: str) -> str:
    return f"__masked_{column}"


def secret_column(column: str) -> str:
    """The text column saying why ``column`` is withheld on a row: null, "<10" or "s"."""
    return f"{SECRET_PREFIX}{column}"


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
        for split in secrecy.splits:
            part, total = _flag(split.part), _flag(split.total)
            done = suppression.split(df, split.part, split.total, part, total)
            if not (done[part].equals(df[part]) and done[total].equals(df[total])):
                changed = True
                df = done
    return df.drop(rows)


def _kind(flag: pl.Expr, primary: pl.Expr) -> pl.Expr:
    return pl.when(~flag).then(None).when(primary).then(pl.lit(PRIMARY)).otherwise(pl.lit(COMPLEMENTARY))


def publish(df: pl.DataFrame, secrecy: Secrecy, apply: bool = True, order: tuple[str, ...] = ()) -> pl.DataFrame:
    """The frame as it may be published: withheld cells nulled, the ``masked`` flag, and the
    ``secret_<column>`` label of each secrecy-bound column (see the module's contract).

    ``order``: the columns that name a row (``Analysis.key``); complementary suppression breaks
    ties between equal cells in that order, so every surface publishing the same cells (the
    mart, ``chu query``, the aggregate in the BI warehouse) withholds the same ones whatever
    order its rows come in. With ``apply=False`` (the logged ``--no-secrecy``) nothing is
    nulled, but the flag and the labels still say which cells would have been.
    """
    position = "__published_row"
    work = df.with_row_index(position)
    ties = [c for c in (*PERIOD_KEYS, *order) if c in df.columns]
    if ties:
        work = work.sort(ties, nulls_last=True, maintain_order=True)
    flagged = work.with_columns(_small(c).alias(_flag(c)) for c in secrecy.counts)
    if (secrecy.margins or secrecy.splits) and flagged.height:
        flagged = _complete(flagged, secrecy)
    flags = {c: pl.col(_flag(c)) for c in secrecy.counts}
    smalls = {c: _small(c) for c in secrecy.counts}
    derived = {c: pl.any_horizontal([flags[d] for d in deps]) for c, deps in secrecy.derived.items()}
    derived_small = {
        c: pl.any_horizontal([flags[d] & smalls[d] for d in deps]) for c, deps in secrecy.derived.items()
    }
    cells = {**flags, **derived}
    kinds = {c: _kind(flags[c], smalls[c]) for c in secrecy.counts}
    kinds |= {c: _kind(derived[c], derived_small[c]) for c in secrecy.derived}
    present = [c for c in secrecy.columns if c in df.columns]
    flagged = flagged.with_columns(
        pl.any_horizontal(list(flags.values())).alias(MASKED),
        *(kinds[c].cast(pl.String).alias(secret_column(c)) for c in present),
    )
    if apply:
        flagged = flagged.with_columns(
            pl.when(cells[c]).then(None).otherwise(pl.col(c)).alias(c) for c in present
        )
    return flagged.sort(position).drop(position, *(_flag(c) for c in secrecy.counts))


def leaks(df: pl.DataFrame, secrecy: Secrecy) -> pl.DataFrame:
    """Rows of a published frame that still show a count from 1 to 9 (none, if secrecy held)."""
    return df.filter(pl.any_horizontal([_small(c) for c in secrecy.counts]))


def secret_columns(df: pl.DataFrame) -> dict[str, str]:
    """``{column: its secret_ column}`` for the labelled columns of a published frame."""
    return {c: secret_column(c) for c in df.columns if secret_column(c) in df.columns}


def shown_columns(df: pl.DataFrame) -> list[str]:
    """The columns a person reads: all but the ``secret_*`` labels (folded into their cells)."""
    hidden = set(secret_columns(df).values())
    return [c for c in df.columns if c not in hidden]


def label(value: object, kind: str | None, fmt: Callable[[object], str] | None = None) -> str:
    """One cell as displayed: its kind's label when withheld (null value and a kind), else the
    value formatted ("" for a null that is not withheld)."""
    if value is None:
        return kind or ""
    return (fmt or _text)(value)


def display_cells(df: pl.DataFrame, formats: Mapping[str, Callable[[object], str]] | None = None) -> pl.DataFrame:
    """The one rendering of a published frame for people: every column as text, "<10" or "s" in
    each withheld cell, the ``secret_*`` columns dropped; ``formats`` maps a column to how a
    shown value is written (default ``str``; dates in ISO). The dashboard, ``chu query``'s
    table, previews and the export call it, so a withheld cell reads the same everywhere."""
    formats = dict(formats or {})
    labelled = secret_columns(df)
    hidden = set(labelled.values())
    out = {}
    for name in df.columns:
        if name in hidden:
            continue
        fmt = formats.get(name, _text)
        kinds = df[labelled[name]].to_list() if name in labelled else [None] * df.height
        out[name] = [label(v, k, fmt) for v, k in zip(df[name].to_list(), kinds)]
    return pl.DataFrame(out, schema={name: pl.String for name in out})


def _text(value: object) -> str:
    return value.isoformat() if isinstance(value, date) else str(value)


def kinds_shown(df: pl.DataFrame) -> set[str]:
    """The labels a published frame displays (to print only the legend lines it needs)."""
    shown = set()
    for column, secret in secret_columns(df).items():
        shown |= set(df.filter(pl.col(column).is_null())[secret].drop_nulls().to_list())
    return shown


def legend(lang: str = "en", kinds: set[str] | None = None) -> list[str]:
    """The legend lines for ``kinds`` (both when ``None``) in ``lang`` ("fr" or "en")."""
    return [text for kind, text in LEGEND[lang].items() if kinds is None or kind in kinds]


def records(df: pl.DataFrame) -> list[dict]:
    """JSON-ready rows: the label ("<10" or "s") in each withheld cell, ISO dates, rates rounded
    to 6 decimals; the ``secret_*`` columns folded into the cells they label. Built a column at
    a time (a mart of the dashboard has 10⁵ rows: a dictionary per row and per cell took
    seconds), the same values as a row-by-row fold (chu_platform_tests/secrecy/test_records.py)."""
    labelled = secret_columns(df)
    names = shown_columns(df)
    if not names:
        return [{} for _ in range(df.height)]
    columns = []
    for name in names:
        series = df.get_column(name)
        if series.dtype == pl.Date:
            values = series.cast(pl.String).to_list()  # YYYY-MM-DD, as date.isoformat()
        else:
            values = series.to_list()
            if series.dtype.is_float():
                values = [value if value is None else round(value, 6) for value in values]
            elif series.dtype.is_temporal():
                values = [value if not isinstance(value, date) else value.isoformat() for value in values]
        if name in labelled:
            labels = df.get_column(labelled[name]).to_list()
            values = [label if value is None else value for value, label in zip(values, labels)]
        columns.append(values)
    return [dict(zip(names, row)) for row in zip(*columns)]


def withheld_cells(df: pl.DataFrame) -> list[tuple[int, str, str]]:
    """Each withheld cell of a published frame as ``(row, column, label)``, by row then column:
    exactly the cells where ``records`` puts a label (a null value whose ``secret_`` column holds
    one), found a column at a time in Polars rather than by reading every row (the export's
    workbook and CSV files overlay these on the typed columns; 1.4 million cells at scale 1)."""
    labelled = secret_columns(df)
    if not labelled or df.is_empty():
        return []
    found = pl.concat([
        df.select(pl.int_range(pl.len(), dtype=pl.Int64).alias("row"), pl.lit(j).alias("j"),
                  pl.lit(name).alias("column"), pl.col(secret).cast(pl.String).alias("label"),
                  pl.col(name).is_null().alias("null"))
        .filter(pl.col("null") & pl.col("label").is_not_null())
        for j, (name, secret) in enumerate(labelled.items())
    ])
    return list(found.sort("row", "j").select("row", "column", "label").iter_rows())


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
# computed from them (DESIGN.md, "Statistical secrecy"). The activity marts (``activity.py``,
# ``forecast.py``) add stays, readmissions, patients present at midnight, prescriptions,
# consultations and the forecast of stays and consultations; their figures computed from a
# single count (length of stay from ``stays``, intervals from ``forecast``) are derived here,
# those computed from some of a row's counts only (census, medication use) are left to each
# mart's own ``Secrecy`` (a generic scan would expect them withheld whenever any count is).
BOUND_COUNTS = ("numerator", "denominator", "deaths", "nb_reponses", "stays", "readmitted", "peak_census",
                "p95_census", "prescriptions", "all_prescriptions", "consultations", "forecast")
BOUND_DERIVED = ("rate", "score", "mean_days", "median_days", "p90_days", "mean_change", "lo80", "hi80", "lo95",
                 "hi95")


def preview_frame(df: pl.DataFrame) -> pl.DataFrame:
    """What a preview (materialisation metadata, a check's sample) may show of any frame: no
    column about a person, and every count of people from 1 to 9 withheld with what is computed
    from it on its row, labelled "<10" (``secret_<column>``). A frame already published (it
    has ``secret_*`` columns) keeps its own labels, "s" included."""
    shown = df.drop([c for c in df.columns if c.lower() in PERSONAL_COLUMNS or "pseudo" in c.lower()])
    counts = [c for c in BOUND_COUNTS if c in shown.columns and shown.schema[c].is_numeric()]
    if not counts:
        return shown
    small = pl.any_horizontal([_small(c) for c in counts])
    derived = [c for c in BOUND_DERIVED if c in shown.columns]
    already = {c: secret_column(c) in shown.columns for c in (*counts, *derived)}

    def kind(c: str, rule: pl.Expr) -> pl.Expr:
        mine = pl.when(rule).then(pl.lit(PRIMARY)).otherwise(None)
        return pl.coalesce(pl.col(secret_column(c)), mine) if already[c] else mine

    return shown.with_columns(
        *(kind(c, _small(c)).alias(secret_column(c)) for c in counts),
        *(kind(c, small).alias(secret_column(c)) for c in derived),
    ).with_columns(
        *(pl.when(_small(c)).then(None).otherwise(pl.col(c)).alias(c) for c in counts),
        *(pl.when(small).then(None).otherwise(pl.col(c)).alias(c) for c in derived),
    )


def masked_rows(df: pl.DataFrame) -> int:
    return int(df.get_column(MASKED).sum()) if MASKED in df.columns else 0



def preview_table(df: pl.DataFrame, rows: int = 5) -> str:
    """A frame's first rows as a Markdown preview for metadata a UI user can read: rendered by
    the one Markdown renderer, after ``preview_frame`` (no person column, counts 1-9 masked)."""
    return markdown_table(display_cells(preview_frame(df.head(rows))), rows=None)
