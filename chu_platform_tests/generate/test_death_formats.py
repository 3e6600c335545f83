"""The two CSV variants of the death register parse back with the csv module to the
manifest's counts and defects."""

import csv
import datetime as dt
import io

import pytest

from chu_platform.schemas import sources
from chu_platform_tests.generate.conftest import run


def parse(raw: bytes, delimiter: str) -> tuple[list[str], list[tuple[int, list[str]]], list[int]]:
    """Header, (line number, fields) of the decodable lines, and the lines with stray bytes."""
    lines = raw.split(b"\n")
    assert lines[-1] == b""
    header = next(csv.reader([lines[0].decode("ascii")], delimiter=delimiter))
    rows, stray = [], []
    for number, line in enumerate(lines[1:-1], start=2):
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            stray.append(number)
            continue
        if any(ord(ch) < 32 for ch in text):
            stray.append(number)
            continue
        rows.append((number, next(csv.reader(io.StringIO(text), delimiter=delimiter))))
    return header, rows, stray


def valid(text: str, fmt: str) -> bool:
    try:
        dt.datetime.strptime(text, fmt)
        return True
    except ValueError:
        return False


@pytest.mark.parametrize(("fmt", "delimiter", "columns", "date_format"), [
    ("insee_csv", ";", sources.DEATHS_INSEE_CSV_COLUMNS, "%Y%m%d"),
    ("chu_csv", ",", sources.DEATHS_CHU_COLUMNS, "%Y-%m-%d"),
])
def test_csv_death_registers(tmp_path, fmt, delimiter, columns, date_format):
    landing, manifest = run(tmp_path, deaths_format=fmt, years=(2019, 2020))
    files = [f for f in manifest.files if f.path.startswith("deces/")]
    assert [f.path for f in files] == (["deces/deces-2019.csv", "deces/deces-2020.csv"] if fmt == "insee_csv" else ["deces/deces.csv"])
    death_column = columns.index("datedeces" if fmt == "insee_csv" else "date_deces")
    birth_column = columns.index("datenaiss" if fmt == "insee_csv" else "date_naissance")
    previous: set[tuple[str, ...]] = set()
    for entry in files:
        assert sources.recognise(entry.path).fmt == fmt
        header, rows, stray = parse((landing / entry.path).read_bytes(), delimiter)
        assert tuple(header) == columns
        assert len(rows) + len(stray) == entry.data_lines
        defects = {kind: found["lines"] for kind, found in entry.defects.items()}
        assert stray == defects["stray_bytes"]
        assert [n for n, r in rows if len(r) != len(columns)] == defects["wrong_field_count"]
        complete = [(n, r) for n, r in rows if len(r) == len(columns)]
        assert [n for n, r in complete if not valid(r[death_column], date_format)] == defects["impossible_date"]
        unknown = [n for n, r in complete if r[birth_column].replace("-", "")[4:6] == "00" or r[birth_column].replace("-", "")[6:] == "00"]
        assert unknown == defects["unknown_date_part"]
        duplicates = defects.get("duplicate", [])
        # A yearly file repeats lines of the previous year's file; the single file repeats its own.
        originals = {tuple(r) for n, r in complete if n not in duplicates} if fmt == "chu_csv" else previous
        assert all(tuple(r) in originals for n, r in complete if n in duplicates)
        assert duplicates or entry is files[0]
        previous = {tuple(r) for _, r in complete}
        if fmt == "chu_csv":
            assert "late_declaration" not in defects
            assert {r[death_column][:4] for _, r in complete if valid(r[death_column], date_format)} == {"2019", "2020"}
