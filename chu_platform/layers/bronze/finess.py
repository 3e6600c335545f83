"""The FINESS etalab extract: one file, several record kinds told apart by field 1.

Line 1 (``finess;etalab;<n>;<date>``) describes the extract when present: it is recognised
by its first field, not assumed, so an extract delivered without it keeps its first
establishment. ``structureet`` lines feed
bronze/finess_establishments, ``geolocalisation`` lines bronze/finess_geolocations. Each
entity answers for the lines of its own kind; lines of no known kind are rejected by
finess_establishments, so every line of the file is accounted for once.
"""

from __future__ import annotations

import polars as pl

from chu_platform.layers.bronze import delimited
from chu_platform.layers.bronze.lines import LINE, ROW, Lines
from chu_platform.layers.bronze.parsed import Parsed, combine, rejects_from_lines, undecodable_rejects
from chu_platform.schemas.sources import FINESS_GEOLOCALISATION_FIELDS, FINESS_STRUCTUREET_FIELDS

SECTIONS = {
    "finess_establishments": ("structureet", FINESS_STRUCTUREET_FIELDS),
    "finess_geolocations": ("geolocalisation", FINESS_GEOLOCALISATION_FIELDS),
}
SEPARATOR = ";"
METADATA = "finess"


def _section(line: pl.Expr) -> pl.Expr:
    return line.str.split_exact(SEPARATOR, 1).struct.field("field_0").str.strip_chars('" ')


def parse_finess(lines: Lines, entity: str, file: str) -> Parsed:
    """Rows of one FINESS record kind (``entity`` is a key of ``SECTIONS``)."""
    kind, fields = SECTIONS[entity]
    section = _section(pl.col(LINE))
    first = lines.frame.filter(pl.col(ROW) == 1).select(section.alias("kind")).get_column("kind")
    described = len(first) == 1 and first[0] == METADATA
    body = lines.frame.filter(pl.col(ROW) > 1) if described else lines.frame
    mine = body.filter(section == kind)
    split = delimited.split_fields(mine, SEPARATOR)
    good, bad = delimited.check_fields(split, len(fields), SEPARATOR)
    names = list(fields[1:])
    rows = delimited.to_columns(good, names, list(range(1, len(fields))))
    parts = [bad]
    lines_read = mine.height
    if entity == "finess_establishments":
        known = [k for k, _ in SECTIONS.values()]
        other = body.filter(~section.is_in(known))
        parts.append(
            rejects_from_lines(
                other,
                pl.format("unknown FINESS record kind '{}': expected one of " + ", ".join(known), section),
            )
        )
        undecodable = [u for u in lines.undecodable if u[0] > 1 or not described]
        parts.append(undecodable_rejects(undecodable, lines.encoding))
        lines_read += other.height + len(undecodable)
    notes = {"encoding": lines.encoding, "metadata_line": "line 1" if described else "absent"}
    if lines.repaired:
        notes["lines_read_as_cp1252"] = f"{len(lines.repaired)} (not UTF-8; first: line {lines.repaired[0]})"
    return Parsed(rows, combine(*parts), lines_read, notes)
