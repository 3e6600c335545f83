"""The response-time chart: p50 per analysis, one bar series per layout, p95 as whiskers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl


def draw(rows: pl.DataFrame, path: Path, title: str) -> Path:
    """Write a PNG of ``rows`` (``ops/query_latency`` rows of one run) to ``path``."""
    # Imported here: matplotlib costs over a second of start-up to every Dagster process
    # (each run loads the definitions), and only this function needs it.
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    queries = rows["query"].unique(maintain_order=True).to_list()
    layouts = rows.select("layout", "layout_label").unique(maintain_order=True).rows()
    width = 0.8 / max(1, len(layouts))
    x = np.arange(len(queries))
    fig, ax = plt.subplots(figsize=(max(8, 1.6 * len(queries)), 5.5))
    for index, (layout, label) in enumerate(layouts):
        part = rows.filter(pl.col("layout") == layout)
        by_query = {r["query"]: r for r in part.iter_rows(named=True)}
        p50 = np.array([by_query[q]["p50_ms"] if q in by_query else np.nan for q in queries])
        p95 = np.array([by_query[q]["p95_ms"] if q in by_query else np.nan for q in queries])
        ax.bar(
            x + (index - (len(layouts) - 1) / 2) * width, p50, width, label=label,
            yerr=[np.zeros_like(p50), np.nan_to_num(p95 - p50)], capsize=2,
        )
    ax.set_xticks(x, [q.replace("_", "\n", 1) for q in queries], fontsize=8)
    ax.set_yscale("log")
    ax.set_ylabel("warm latency, ms (bar p50, whisker p95; log scale)")
    ax.axhline(100, color="grey", linestyle="--", linewidth=0.8)
    ax.text(len(queries) - 0.5, 100, " 100 ms target", va="bottom", ha="right", fontsize=8, color="grey")
    ax.set_title(title, fontsize=10)
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
