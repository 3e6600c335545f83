"""Delimited files with a header line: establishments, professionals, activities,
hospitalisations, the CHU's deaths file and HAS e-Satis results."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from chu_platform.layers.bronze import delimited
from chu_platform.layers.bronze.lines import ROW, Lines
from chu_platform.layers.bronze.parsed import Parsed, SourceFormatError, combine, excerpt, undecodable_rejects
from chu_platform.schemas.sources import bronze_column


def parse_headed(
    lines: Lines,
    columns: Sequence[str],
    file: str,
    separator: str | None = ";",
    required: Sequence[str] | None = None,
) -> Parsed:
    """Rows of a file whose line 1 names its columns, matched by name (any order).

    ``columns`` are the contract's source columns; the bronze table gets
    ``bronze_column(c)`` for each. ``required`` (default: all) must be in the header,
    the others become null when absent. Header columns outside the contract are dropped
    and listed in ``notes``. ``separator=None`` picks ``;`` or ``,`` from the header.
    """
    frame = lines.frame
    first = frame.filter(pl.col(ROW) == 1).get_column("line")
    if separator is None:
        separator = delimited.detect_separator(first[0] if len(first) else "")
    header = delimited.header_names(frame, separator, file)
    found = {bronze_column(name): i for i, name in enumerate(header)}
    wanted = [bronze_column(c) for c in columns]
    needed = [bronze_column(c) for c in (columns if required is None else required)]
    missing = [c for c in needed if c not in found]
    if missing:
        raise SourceFormatError(
            f"{file}, line 1: "
            f"{'no expected column' if len(missing) == len(needed) else 'missing column(s) ' + ', '.join(missing)}; "
            "expected a header with "
            f"{', '.join(wanted)} separated by '{separator}', found {excerpt(', '.join(header))}. "
            "Ask the sender for the complete file and re-deliver it."
        )
    body = frame.filter(pl.col(ROW) > 1)
    split = delimited.split_fields(body, separator)
    good, bad = delimited.check_fields(split, len(header), separator)
    rows = delimited.to_columns(good, wanted, [found.get(c) for c in wanted])
    notes = {"encoding": lines.encoding, "separator": separator}
    if lines.repaired:
        notes["lines_read_as_cp1252"] = f"{len(lines.repaired)} (not UTF-8; first: line {lines.repaired[0]})"
    ignored = [h for h in header if bronze_column(h) not in wanted]
    if ignored:
        notes["ignored_columns"] = ", ".join(ignored)
    absent = [c for c in wanted if c not in found]
    if absent:
        notes["absent_columns"] = ", ".join(absent)
    undecodable = [(n, raw) for n, raw in lines.undecodable if n > 1]
    rejects = combine(bad, undecodable_rejects(undecodable, lines.encoding))
    return Parsed(rows, rejects, lines.total - 1, notes)
