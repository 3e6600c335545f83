"""Command-line values shared by several ``chu`` commands."""

from __future__ import annotations

import re

import click


def parse_years(text: str, param_hint: str = "--years") -> list[int]:
    """``"2015-2024"``, ``"2019,2021"`` or ``"2015-2017,2020"`` -> sorted distinct years; ``""`` -> []."""
    years: set[int] = set()
    for part in filter(None, (p.strip() for p in text.split(","))):
        match = re.fullmatch(r"(\d{4})\s*(?:-\s*(\d{4}))?", part)
        if match is None:
            raise click.BadParameter(f"'{part}' is not a year or a range such as 2015-2020", param_hint=param_hint)
        first, last = int(match.group(1)), int(match.group(2) or match.group(1))
        if last < first:
            raise click.BadParameter(f"'{part}': the range ends before it starts", param_hint=param_hint)
        years.update(range(first, last + 1))
    return sorted(years)
