"""``python -m chu_platform.docs_gen [--check] [--out DIR]``: write (or compare) the data model report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from chu_platform.docs_gen.catalogue import build_catalogue
from chu_platform.docs_gen.pages import render

DEFAULT_OUT = Path(__file__).resolve().parents[2] / "docs" / "data-model"


def stale_pages(out: Path, pages: dict[str, str]) -> list[str]:
    """The pages under ``out`` that differ from ``pages`` (or are missing)."""
    return [name for name, text in pages.items()
            if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m chu_platform.docs_gen", description=__doc__)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="folder of the pages (default: docs/data-model)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a page differs from the code")
    args = parser.parse_args(argv)
    pages = render(build_catalogue())
    stale = stale_pages(args.out, pages)
    if args.check:
        for name in stale:
            print(f"{args.out / name} differs from what the code generates: run make docs-model", file=sys.stderr)
        return 1 if stale else 0
    args.out.mkdir(parents=True, exist_ok=True)
    for name, text in pages.items():
        (args.out / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(pages)} pages to {args.out} ({len(stale)} changed)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
