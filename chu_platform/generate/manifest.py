"""What a generation produced: parameters, every file with its defects located, table counts.

Tests and end-to-end checks read the manifest instead of guessing: a defect is listed with
its kind, its count and the 1-based physical line numbers where it sits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

GENERATOR_VERSION = "1.1.0"


@dataclass(frozen=True)
class Rates:
    """Defect rates, each a share of the eligible lines (or rows) of the files it affects."""

    death_duplicate: float = 0.002
    death_late: float = 0.01
    unknown_date_part: float = 0.003
    stray_bytes: float = 0.001
    truncated_line: float = 0.0005
    overlong_line: float = 0.0005
    wrong_field_count: float = 0.002
    impossible_date: float = 0.001
    unknown_diagnosis: float = 0.005
    noncanonical_region: float = 0.4
    unscored_establishment: float = 0.15
    professional_without_activity: float = 0.02

    @classmethod
    def parse(cls, items: list[str]) -> Rates:
        """Rates from ``name=value`` strings (the CLI's ``--rate``); unknown names are errors."""
        known = set(cls.__dataclass_fields__)
        values: dict[str, float] = {}
        for item in items:
            name, _, value = item.partition("=")
            if name not in known or not value:
                raise ValueError(f"--rate {item!r}: expected NAME=VALUE with NAME one of {sorted(known)}")
            number = float(value)
            if not 0.0 <= number <= 1.0:
                raise ValueError(f"--rate {item!r}: the value must be between 0 and 1")
            values[name] = number
        return cls(**values)


@dataclass
class FileEntry:
    path: str
    sha256: str
    bytes: int
    data_lines: int
    encoding: str
    defects: dict[str, dict] = field(default_factory=dict)


@dataclass
class Manifest:
    generator_version: str
    seed: int
    scale: float
    years: list[int]
    rates: dict[str, float]
    deaths_format: str
    files: list[FileEntry] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    truth: dict[str, dict] = field(default_factory=dict)

    def file(self, path: str) -> FileEntry:
        for entry in self.files:
            if entry.path == path:
                return entry
        raise KeyError(f"{path} is not in the manifest; files: {[e.path for e in self.files]}")

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False, sort_keys=True) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_json(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Manifest:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
        raw["files"] = [FileEntry(**entry) for entry in raw["files"]]
        return cls(**raw)


def defects_entry(located: dict[str, list[int]]) -> dict[str, dict]:
    """``{kind: [line, ...]}`` -> ``{kind: {count, lines}}``, empty kinds dropped."""
    return {
        kind: {"count": len(lines), "lines": sorted(int(n) for n in lines)}
        for kind, lines in sorted(located.items())
        if len(lines)
    }


def write_file(landing: Path, relative: str, payload: bytes | list, *, data_lines: int, encoding: str,
               defects: dict[str, list[int]] | None = None) -> FileEntry:
    """Write ``payload`` (bytes, or a list of buffers written one after the other) and
    describe it."""
    target = landing / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    parts = payload if isinstance(payload, list) else [payload]
    digest = hashlib.sha256()
    size = 0
    with open(target, "wb") as handle:
        for part in parts:
            handle.write(part)
            digest.update(part)
            size += len(part)
    return FileEntry(
        path=relative,
        sha256=digest.hexdigest(),
        bytes=size,
        data_lines=data_lines,
        encoding=encoding,
        defects=defects_entry(defects or {}),
    )
