"""The one Markdown-table renderer."""

import polars as pl

from chu_platform.lib.markdown import markdown_table


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
