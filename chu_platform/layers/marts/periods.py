"""Periods the analyses cover: inclusive date ranges, or whole calendar years."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


def date_key(day: date) -> int:
    """The gold date key of a day (YYYYMMDD as an integer)."""
    return day.year * 10_000 + day.month * 100 + day.day


@dataclass(frozen=True)
class Period:
    """An inclusive range of days, ``start`` and ``end`` both counted."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"period ends ({self.end}) before it starts ({self.start}): swap --from and --to")

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @classmethod
    def parse(cls, start: str, end: str) -> Period:
        """From ISO dates (``2019-07-01``); a bare year stands for its first or last day."""
        return cls(_parse_day(start, first=True), _parse_day(end, first=False))

    @property
    def whole_year(self) -> int | None:
        """The year when the period is exactly one calendar year, else ``None``."""
        if self.start == date(self.start.year, 1, 1) and self.end == date(self.start.year, 12, 31):
            return self.start.year
        return None

    @property
    def year_range(self) -> range:
        """The calendar years the period touches."""
        return range(self.start.year, self.end.year + 1)

    @property
    def whole_years(self) -> range | None:
        """The years when the period is exactly whole calendar years (one or more), else ``None``."""
        if self.start == date(self.start.year, 1, 1) and self.end == date(self.end.year, 12, 31):
            return self.year_range
        return None

    def params(self) -> dict[str, int]:
        """The SQL parameters every analysis takes; the year bounds let DuckDB skip partitions."""
        return {
            "from_key": date_key(self.start),
            "to_key": date_key(self.end),
            "from_year": self.start.year,
            "to_year": self.end.year,
        }

    def __str__(self) -> str:
        year = self.whole_year
        return str(year) if year is not None else f"{self.start.isoformat()}..{self.end.isoformat()}"


def _parse_day(text: str, first: bool) -> date:
    text = text.strip()
    try:
        if len(text) == 4 and text.isdigit():
            return date(int(text), 1, 1) if first else date(int(text), 12, 31)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"'{text}' is not a date: write it as YYYY-MM-DD (or YYYY)") from None


def latest_complete_year(years: set[int] | list[int], today: date | None = None) -> int | None:
    """The latest year with data that is over; the only year with data if none is over yet.

    ``None`` when there is no data at all.
    """
    present = sorted(set(years))
    if not present:
        return None
    current = (today or date.today()).year
    over = [y for y in present if y < current]
    return over[-1] if over else present[0]
