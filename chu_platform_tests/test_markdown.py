"""The one Markdown-table renderer and its reader."""

import polars as pl

from chu_platform.lib.markdown import markdown_table, table_cells


def test_frame_and_records_render_alike():
    df = pl.DataFrame({"name": ["a|b", None], "ms": [1234.5678, 2.0], "n": [1, None]})
    expected = "\n".join([
        "| name | ms | n |",
        "|---|---:|---:|",
        "| a/b | 1,234.6 | 1 |",
        "|  | 2.0 |  |",
    ])
    assert markdown_table(df, rows=None, decimals=1) == expected
    assert markdown_table(df.to_dicts(), rows=None, decimals=1) == expected


def test_rows_and_width_limit_a_preview():
    df = pl.DataFrame({"text": ["x" * 50, "y", "z"]})
    assert markdown_table(df, rows=2).splitlines() == ["| text |", "|---|", f"| {'x' * 40} |", "| y |"]
    assert markdown_table(pl.DataFrame()) == "(no columns)"
    assert markdown_table([{"masked": "<10", "n": 12}]).splitlines()[1] == "|---|---:|"


def test_table_cells_reads_back_what_the_renderer_wrote():
    frame = pl.DataFrame({"region": ["11", "93"], "deaths": [12, 7]})
    text = "before\n" + markdown_table(frame, rows=None) + "\nafter"
    assert list(table_cells(text)) == [("region", "11"), ("deaths", "12"), ("region", "93"), ("deaths", "7")]
