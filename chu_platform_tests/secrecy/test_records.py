"""``secrecy.records``, the JSON-ready rows every surface renders (dashboard, export, `chu query
--format json`), built a column at a time: the same rows, values and types as the row-by-row
fold it replaced, on every kind of column a mart has."""

from datetime import date, datetime

import polars as pl

from chu_platform.layers.marts import secrecy


def _by_row(df: pl.DataFrame) -> list[dict]:
    """The definition: a row at a time, a dictionary per row, each cell folded on its own."""
    labelled = secrecy.secret_columns(df)
    hidden = set(labelled.values())
    out = []
    for row in df.iter_rows(named=True):
        shaped = {}
        for name, value in row.items():
            if name in hidden:
                continue
            if value is None and name in labelled:
                value = row[labelled[name]]
            elif isinstance(value, date):
                value = value.isoformat()
            elif isinstance(value, float):
                value = round(value, 6)
            shaped[name] = value
        out.append(shaped)
    return out


def _mart(rows: int = 300) -> pl.DataFrame:
    years = [2015 + i % 10 for i in range(rows)]
    counts = [None if i % 7 == 0 else i * 3 for i in range(rows)]
    return pl.DataFrame({
        "year": pl.Series(years, dtype=pl.Int32),
        "day": [date(2020, 1, 1 + i % 28) if i % 11 else None for i in range(rows)],
        "at": [datetime(2020, 1, 1, i % 24, 30) for i in range(rows)],
        "finess": [f"0{i:08d}" for i in range(rows)],
        "n": pl.Series(counts, dtype=pl.Int64),
        "secret_n": [("<10" if i % 2 else "s") if i % 7 == 0 else None for i in range(rows)],
        "rate": [None if i % 7 == 0 else i / 7 + 1e-9 for i in range(rows)],
        "secret_rate": ["<10" if i % 7 == 0 else None for i in range(rows)],
        "share": pl.Series([i / 3 for i in range(rows)], dtype=pl.Float32),
        "masked": [i % 7 == 0 for i in range(rows)],
        "note": [None] * rows,
    }, schema_overrides={"note": pl.String})


def test_records_are_the_row_by_row_fold_value_for_value_and_type_for_type():
    df = _mart()
    fast, slow = secrecy.records(df), _by_row(df)
    assert fast == slow
    assert [[type(v) for v in row.values()] for row in fast] == [[type(v) for v in row.values()] for row in slow]
    assert [list(row) for row in fast] == [list(row) for row in slow]
    first = fast[0]
    assert list(first) == ["year", "day", "at", "finess", "n", "rate", "share", "masked", "note"]  # labels folded in
    assert first["n"] == "s" and first["rate"] == "<10" and first["day"] is None
    assert fast[1]["day"] == "2020-01-02" and fast[1]["at"] == "2020-01-01T01:30:00" and fast[1]["rate"] == round(1 / 7 + 1e-9, 6)


def test_records_of_empty_and_label_only_frames():
    empty = _mart().head(0)
    assert secrecy.records(empty) == [] == _by_row(empty)
    labels_only = pl.DataFrame({"secret_n": ["<10", None]})
    assert secrecy.records(labels_only) == _by_row(labels_only)


def test_the_withheld_cells_are_where_records_puts_a_label():
    df = _mart()
    rows = secrecy.records(df)
    labelled = secrecy.secret_columns(df)
    expected = [(i, name, rows[i][name]) for i in range(df.height) for name in labelled
                if df[name][i] is None and isinstance(rows[i][name], str)]
    assert expected, "the seeded mart has withheld cells"
    assert secrecy.withheld_cells(df) == expected
    assert secrecy.withheld_cells(df.clear()) == []
