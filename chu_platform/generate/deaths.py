"""The INSEE death register as delivered: one file per year (fixed width, or INSEE CSV), or
the CHU's single ``deces.csv``, with late declarations, cross-file duplicates and damaged
lines placed and located for the manifest (each line carries at most one defect)."""

from __future__ import annotations

import numpy as np
import polars as pl

from chu_platform.schemas import sources
from chu_platform.generate import death_people, delimited
from chu_platform.generate.death_people import birthplace_index, date_cells, pools
from chu_platform.generate.manifest import FileEntry, Rates, write_file
from chu_platform.generate.streams import pick_lines, stream, without

FORMATS = ("insee_fixed", "insee_csv", "chu_csv")
_SPANS = {name: (start - 1, end) for name, start, end in sources.DEATHS_FIXED_WIDTH}
_STRAY = np.frombuffer(b"\xe9\x00\x1a\xff", dtype=np.uint8)
_IMPOSSIBLE = np.array([231, 230, 431, 631, 1131, 1332])  # mmdd that no calendar has


def _line_dtype() -> np.dtype:
    """One fixed-width line as a record of raw byte fields, ending with LF (the three
    birthplace fields are adjacent and filled from one pool)."""
    birthplace = _SPANS["paysnaiss"][1] - _SPANS["lieunaiss"][0]
    fields = [("nomprenom", "V80"), ("sexe", "V1"), ("datenaiss", "V8"), ("birthplace", f"V{birthplace}"),
              ("datedeces", "V8"), ("lieudeces", "V5"), ("actedeces", "V9"), ("lf", "V1")]
    dtype = np.dtype(fields)
    if dtype.itemsize != sources.DEATHS_LINE_WIDTH + 1 or dtype.fields["datedeces"][1] != _SPANS["datedeces"][0]:
        raise AssertionError("the fixed-width record layout does not match sources.DEATHS_FIXED_WIDTH")
    return dtype


def _void(cells: np.ndarray) -> np.ndarray:
    """``(n, width)`` uint8 -> n raw ``V<width>`` items (one copy per row when gathered)."""
    return np.ascontiguousarray(cells).view(f"V{cells.shape[1]}").ravel()


class LineBuffer:
    """One output buffer reused from year to year: a fresh 100 MB array per year costs more
    in page faults than filling it."""

    def __init__(self) -> None:
        self.lines = np.empty(0, dtype=_line_dtype())
        self.scratch: dict[str, np.ndarray] = {}

    def take(self, n: int) -> np.ndarray:
        if len(self.lines) < n:
            self.lines = np.empty(int(n * 1.1), dtype=_line_dtype())
        return self.lines[:n]

    def gather(self, table: np.ndarray, index: np.ndarray) -> np.ndarray:
        """``table[index]`` into a reused contiguous array (a gather straight into a strided
        field is several times slower)."""
        kept = self.scratch.get(table.dtype.str)
        if kept is None or len(kept) < len(index):
            kept = self.scratch[table.dtype.str] = np.empty(int(len(index) * 1.1), dtype=table.dtype)
        out = kept[:len(index)]
        np.take(table, index, out=out, mode="clip")
        return out


def render_fixed(frame: pl.DataFrame, buffer: LineBuffer | None = None) -> np.ndarray:
    """Records -> ``(n, 177)`` uint8 lines (176 characters + LF) at the INSEE positions."""
    p = pools()
    n = frame.height
    buffer = buffer or LineBuffer()
    out = buffer.take(n)
    out["nomprenom"] = buffer.gather(_void(p.names.cells), frame["name"].to_numpy())
    out["sexe"] = np.where(frame["male"].to_numpy(), b"1", b"2").astype("S1").view("V1")
    out["datenaiss"] = date_cells(frame["birth"].to_numpy()).view("V8").ravel()
    out["birthplace"] = buffer.gather(_void(p.birthplaces), birthplace_index(frame))
    out["datedeces"] = date_cells(frame["death"].to_numpy()).view("V8").ravel()
    out["lieudeces"] = buffer.gather(_void(p.commune_codes.cells), frame["died"].to_numpy())
    out["actedeces"] = buffer.gather(_void(p.acts.cells), frame["act"].to_numpy())
    out["lf"] = np.frombuffer(b"\n", dtype="V1")[0]
    return out.view(np.uint8).reshape(n, -1)


def text_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """Records -> the INSEE fields as text (for the CSV variants)."""
    p = pools()
    place = p.birthplace_texts[birthplace_index(frame)]
    return pl.DataFrame({
        "nomprenom": p.names.text.gather(frame["name"].to_numpy()),
        "sexe": np.where(frame["male"].to_numpy(), "1", "2"),
        "datenaiss": frame["birth"].cast(pl.String).str.zfill(8),
        "lieunaiss": place["lieunaiss"], "commnaiss": place["commnaiss"], "paysnaiss": place["paysnaiss"],
        "datedeces": frame["death"].cast(pl.String).str.zfill(8),
        "lieudeces": p.commune_codes.text.gather(frame["died"].to_numpy()),
        "actedeces": p.acts.text.gather(frame["act"].to_numpy()),
    })


def _chu_frame(text: pl.DataFrame) -> pl.DataFrame:
    name = pl.col("nomprenom").str.strip_suffix("/").str.split_exact("*", 1)

    def iso(col: str) -> pl.Expr:
        c = pl.col(col)
        return pl.concat_str([c.str.slice(0, 4), c.str.slice(4, 2), c.str.slice(6, 2)], separator="-")

    return text.select(
        name.struct.field("field_0").alias("nom"), name.struct.field("field_1").alias("prenom"),
        "sexe", iso("datenaiss").alias("date_naissance"), pl.col("lieunaiss").alias("code_lieu_naissance"),
        pl.col("commnaiss").alias("lieu_naissance"), pl.col("paysnaiss").alias("pays_naissance"),
        iso("datedeces").alias("date_deces"), pl.col("lieudeces").alias("code_lieu_deces"),
        pl.col("actedeces").alias("numero_acte_deces"),
    )


def _fixed_payload(frame: pl.DataFrame, pool: np.ndarray, rng: np.random.Generator, rates: Rates,
                   buffer: LineBuffer) -> tuple[list, dict[str, np.ndarray], np.ndarray]:
    lines = render_fixed(frame, buffer)
    width = lines.shape[1]
    short = pick_lines(rng, pool, rates.truncated_line)
    pool = without(pool, short)
    long = pick_lines(rng, pool, rates.overlong_line)
    pool = without(pool, long)
    stray = pick_lines(rng, pool, rates.stray_bytes)
    pool = without(pool, stray)
    lines[stray, rng.integers(1, 3, len(stray))] = _STRAY[rng.integers(0, len(_STRAY), len(stray))]
    flat = memoryview(lines.reshape(-1))
    # Only the damaged lines change length: splice them between untouched slices (no copy).
    edits = {int(r): bytes(flat[r * width: r * width + int(k)]) + b"\n"
             for r, k in zip(short, rng.integers(60, width - 1, len(short)), strict=True)}
    edits.update({int(r): bytes(flat[r * width: (r + 1) * width - 1]) + b"0000123\n" for r in long})
    parts, previous = [], 0
    for row in sorted(edits):
        parts += [flat[previous * width: row * width], edits[row]]
        previous = row + 1
    parts.append(flat[previous * width:])
    return parts, {"truncated_line": short, "overlong_line": long, "stray_bytes": stray}, pool


def _csv_payload(frame: pl.DataFrame, pool: np.ndarray, rng: np.random.Generator, rates: Rates, fmt: str
                 ) -> tuple[bytes, dict[str, np.ndarray], np.ndarray]:
    text = text_frame(frame)
    if fmt == "insee_csv":
        separator, lines = ";", delimited.lines_of(text, quote_all=True)
        header = delimited.header_of(sources.DEATHS_INSEE_CSV_COLUMNS, quote_all=True)
    else:
        separator, lines = ",", delimited.lines_of(_chu_frame(text), separator=",")
        header = delimited.header_of(sources.DEATHS_CHU_COLUMNS, separator=",")
    lines, wrong = delimited.wrong_field_count(lines, rng, rates.wrong_field_count, 0, separator, pool)
    wrong_rows = np.array(wrong, dtype=np.int64)
    pool = without(pool, wrong_rows)
    stray = pick_lines(rng, pool, rates.stray_bytes)
    pool = without(pool, stray)
    payload = bytearray(delimited.text(header, lines).encode("ascii"))
    starts = len(header) + 1 + np.concatenate([[0], np.cumsum(lines.str.len_bytes().to_numpy().astype(np.int64) + 1)[:-1]])
    quote = 1 if fmt == "insee_csv" else 0
    positions = starts[stray] + quote + rng.integers(1, 3, len(stray))
    payload_array = np.frombuffer(payload, dtype=np.uint8)
    payload_array[positions] = _STRAY[rng.integers(0, len(_STRAY), len(stray))]
    return bytes(payload), {"wrong_field_count": wrong_rows, "stray_bytes": stray}, pool


def _interleave(rng: np.random.Generator, base: int, total: int) -> np.ndarray:
    """Row order that keeps the first ``base`` rows (independent draws, already in random
    order) in place relative to each other and scatters the appended ones among them."""
    extra = total - base
    slots = np.zeros(total, dtype=bool)
    slots[rng.choice(total, size=extra, replace=False)] = True
    order = np.empty(total, dtype=np.int64)
    order[~slots] = np.arange(base)
    order[slots] = base + rng.permutation(extra)
    return order


def _assemble(frame: pl.DataFrame, repeats: pl.DataFrame | None, rng: np.random.Generator, rates: Rates, fmt: str,
              buffer: LineBuffer | None = None) -> tuple[bytes | list, int, dict[str, list[int]], pl.DataFrame]:
    """Scatter the repeats of last file's lines among the records, damage some, encode; returns the bytes,
    the data line count, the located defects and the records left clean (repeat candidates)."""
    frame = frame.with_columns(pl.lit(False).alias("repeat"))
    if repeats is not None and repeats.height:
        frame = pl.concat([frame, repeats.with_columns(pl.lit(False).alias("late"), pl.lit(True).alias("repeat"))])
    repeated = 0 if repeats is None else repeats.height
    frame = frame[_interleave(rng, frame.height - repeated, frame.height)]
    first_line = 1 if fmt == "insee_fixed" else 2
    unknown = np.flatnonzero(frame["unknown_date"].to_numpy())
    repeat = np.flatnonzero(frame["repeat"].to_numpy())
    late = np.flatnonzero(frame["late"].to_numpy())
    # The originals of repeated records stay clean too, so that the repeat is an exact copy.
    originals = np.flatnonzero((frame["record"].is_in(frame["record"].filter(frame["repeat"])) & ~frame["repeat"]).to_numpy())
    pool = without(np.arange(frame.height), unknown, repeat, originals, late)
    impossible = pick_lines(rng, pool, rates.impossible_date)
    pool = without(pool, impossible)
    death = frame["death"].to_numpy().copy()
    death[impossible] = death[impossible] // 10000 * 10000 + _IMPOSSIBLE[rng.integers(0, len(_IMPOSSIBLE), len(impossible))]
    damaged = frame.with_columns(pl.Series("death", death))
    if fmt == "insee_fixed":
        payload, line_defects, pool = _fixed_payload(damaged, pool, rng, rates, buffer or LineBuffer())
    else:
        payload, line_defects, pool = _csv_payload(damaged, pool, rng, rates, fmt)
    rows = {"unknown_date_part": unknown, "duplicate": repeat, "late_declaration": late,
            "impossible_date": impossible, **line_defects}
    located = {kind: (r + first_line).tolist() for kind, r in rows.items()}
    clean = frame[pool].filter(~pl.col("late") & ~pl.col("repeat")).drop("late", "repeat")
    return payload, frame.height, located, clean


def write(landing, seed: int, scale: float, years: list[int], rates: Rates, fmt: str) -> tuple[list[FileEntry], dict[str, dict]]:
    """Write the register for ``years`` in ``fmt``; returns the manifest entries and the truth
    (deaths generated per year of death, before any defect)."""
    if fmt not in FORMATS:
        raise ValueError(f"deaths format {fmt!r}: expected one of {FORMATS}")
    entries: list[FileEntry] = []
    truth: dict[str, int] = {}
    late_carry: pl.DataFrame | None = None
    repeat_carry: pl.DataFrame | None = None
    single_file: list[pl.DataFrame] = []
    buffer = LineBuffer()
    for year in sorted(years):
        rng = stream(seed, f"deaths-file-{year}")
        people = death_people.build(seed, year, death_people.deaths_in(year, scale))
        truth[str(year)] = people.height
        people = death_people.unknown_date_parts(people, rng, rates.unknown_date_part)
        # Deaths of November-December declared only in next year's file.
        late_pool = np.flatnonzero((people["death"].to_numpy() % 10000 >= 1101) & ~people["unknown_date"].to_numpy())
        late_rows = np.empty(0, dtype=np.int64) if year == max(years) else pick_lines(
            rng, late_pool, min(1.0, rates.death_late * people.height / max(len(late_pool), 1)))
        moved = np.zeros(people.height, dtype=bool)
        moved[late_rows] = True
        current = people.filter(~pl.Series(moved)).with_columns(pl.lit(False).alias("late"))
        if late_carry is not None:
            on_time = current.height
            current = pl.concat([current, late_carry.with_columns(pl.lit(True).alias("late"))])
            current = current[_interleave(rng, on_time, current.height)]
        late_carry = people.filter(pl.Series(moved))
        if fmt == "chu_csv":
            single_file.append(current)
            continue
        payload, lines, located, clean = _assemble(current, repeat_carry, rng, rates, fmt, buffer)
        ext = "txt" if fmt == "insee_fixed" else "csv"
        entries.append(write_file(landing, f"deces/deces-{year}.{ext}", payload, data_lines=lines, encoding="ascii", defects=located))
        repeat_carry = clean[pick_lines(rng, np.arange(clean.height), rates.death_duplicate)]
    if fmt == "chu_csv":
        rng = stream(seed, "deaths-chu-csv")
        frame = pl.concat(single_file)
        on_time = frame.filter(~pl.col("late") & ~pl.col("unknown_date"))
        repeats = on_time[pick_lines(rng, np.arange(on_time.height), rates.death_duplicate)].drop("late")
        payload, lines, located, _ = _assemble(frame, repeats, rng, rates, fmt)
        located.pop("late_declaration")  # one file for all years: nothing is late in it
        entries.append(write_file(landing, f"deces/{sources.DEATHS_CHU_FILE}", payload, data_lines=lines, encoding="ascii", defects=located))
    return entries, {"deaths_by_year": truth}
