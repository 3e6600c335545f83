"""What the drop sensor asks for, as a pure function of the listing and the cursor.

Cursor (JSON): ``{"requested": {path: [size, mtime]}, "pending": {path: [size, mtime]},
"unrecognised": [path, ...]}``. A file is requested once it shows the same size and mtime
on two consecutive ticks (a file still being written changes between ticks), or — when the
drop's clock is ours (local drop) — as soon as it has not been modified for
``settle_seconds``. A requested file is not requested again until its size or mtime changes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field

from chu_platform.layers.bronze.drop import DropFile
from chu_platform.schemas.sources import Recognised, recognise

# recognised.entity -> the bronze tables a file of that kind feeds
TARGETS = {"finess": ("finess_establishments", "finess_geolocations")}
PARTITIONED = {"satisfaction", "deaths"}


@dataclass(frozen=True)
class Request:
    assets: tuple[str, ...]
    partition: str | None
    run_key: str
    files: tuple[str, ...]


@dataclass
class Plan:
    requests: list[Request]
    cursor: dict
    unrecognised: list[DropFile] = field(default_factory=list)
    newly_unrecognised: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)
    waiting: list[str] = field(default_factory=list)


def load_cursor(text: str | None) -> dict:
    cursor = json.loads(text) if text else {}
    return {"requested": cursor.get("requested", {}), "pending": cursor.get("pending", {}),
            "unrecognised": cursor.get("unrecognised", [])}


def plan(files: list[DropFile], cursor_text: str | None, years_of: Callable[[DropFile], set[int]],
         partition_keys: set[str], now: float | None = None, settle_seconds: float | None = None,
         landed: Callable[[], set[tuple[str, int, float]]] | None = None) -> Plan:
    """Run requests for the files that settled since the last tick.

    ``years_of`` gives the partitions of a file with no year in its name that feeds a
    partitioned table (the CHU deces.csv); ``partition_keys`` are the existing partitions.
    ``now`` and ``settle_seconds`` (both or neither) enable the quiet-period rule.
    ``landed`` lists the (path, size, mtime) already landed by a bronze run (the raw
    manifest); asked only when a file is unknown to the cursor, it keeps a new sensor (or a
    daemon started after ``chu run``) from loading again what is already in.
    """
    cursor = load_cursor(cursor_text)
    requested, pending = dict(cursor["requested"]), {}
    unknown = [f for f in files if f.path not in requested]
    if landed is not None and unknown:
        already = landed()
        for f in unknown:
            if (f.path, f.size, f.mtime) in already:
                requested[f.path] = [f.size, f.mtime]
    known_unrecognised = set(cursor["unrecognised"])
    groups: dict[tuple[tuple[str, ...], str | None], list[str]] = defaultdict(list)
    result = Plan([], {})
    for f in files:
        recognised = recognise(f.path)
        if recognised is None:
            result.unrecognised.append(f)
            if f.path not in known_unrecognised:
                result.newly_unrecognised.append(f.path)
            continue
        state = [f.size, f.mtime]
        if requested.get(f.path) == state:
            continue
        quiet = settle_seconds is not None and now is not None and now - f.mtime >= settle_seconds
        if cursor["pending"].get(f.path) != state and not quiet:
            pending[f.path] = state
            result.waiting.append(f.path)
            continue
        requested[f.path] = state
        assets = TARGETS.get(recognised.entity, (recognised.entity,))
        key = f"{f.path}|{f.size}|{f.mtime}"
        for partition in _partitions(recognised, f, years_of):
            if partition is not None and partition not in partition_keys:
                result.outside.append(f"{f.path} (year {partition})")
                continue
            groups[(assets, partition)].append(key)
    for (assets, partition), keys in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        run_key = "+".join(sorted(keys)) + (f"@{partition}" if partition else "")
        result.requests.append(Request(assets, partition, run_key, tuple(k.split("|")[0] for k in keys)))
    result.cursor = {"requested": requested, "pending": pending,
                     "unrecognised": sorted(f.path for f in result.unrecognised)}
    return result


def _partitions(recognised: Recognised, f: DropFile, years_of) -> list[str | None]:
    if recognised.source not in PARTITIONED:
        return [None]
    if recognised.year is not None:
        return [str(recognised.year)]
    return [str(y) for y in sorted(years_of(f))]
