"""Split a delivered file into physical lines, vectorised, and decode them.

A file is read as bytes once; line boundaries come from a NumPy scan for ``\\n`` and the
lines are an Arrow array over the same buffer, so no Python object is made per line.
Lines that are not valid in the file's encoding are set aside (with their number and raw
bytes) instead of being lost or failing the whole file.
"""

from __future__ import annotations

import codecs
import mmap
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import pyarrow as pa

LINE = "line"
ROW = "_source_row"
CONTROL = "has_control"


def _latin1_fallback(error: UnicodeDecodeError) -> tuple[str, int]:
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("latin1_fallback", _latin1_fallback)


@dataclass(frozen=True)
class Lines:
    """The decoded lines of one file.

    ``frame`` holds ``_source_row`` (1-based physical line number), ``line`` (text
    without its end-of-line) and ``has_control`` (a control byte other than tab inside the
    line: transfer damage) for every line that decoded; ``undecodable`` lists the others
    as (line number, raw text with the bad bytes escaped).
    """

    frame: pl.DataFrame
    undecodable: list[tuple[int, str]]
    encoding: str
    total: int


def _scan(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Line offsets, and the positions of control bytes that are not tab or end-of-line.

    One pass finds every byte below 0x20; newlines and the rest are told apart on that
    short list, not on the whole buffer.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    low = np.flatnonzero(buffer < 32)
    kinds = buffer[low]
    ends = low[kinds == 10] + 1
    control = low[(kinds != 10) & (kinds != 13) & (kinds != 9)]
    control = np.concatenate([control, np.flatnonzero(buffer == 127)])
    starts = np.concatenate([np.zeros(1, dtype=np.int64), ends.astype(np.int64)])
    if starts[-1] == len(data):
        # A final end-of-line closes the last line; it does not open an empty one.
        starts = starts[:-1]
    offsets = np.concatenate([starts, np.array([len(data)], dtype=np.int64)])
    # A carriage return is damage unless it ends its line.
    returns = low[kinds == 13]
    if len(returns):
        follows = returns + 1
        inside = (follows < len(data)) & (buffer[np.minimum(follows, len(data) - 1)] != 10)
        control = np.concatenate([control, returns[inside]])
    return offsets, control


_BLOCK = 256


def _invalid_utf8_lines(binary: pa.LargeBinaryArray) -> np.ndarray:
    """Indexes of lines holding bytes that are not UTF-8.

    Arrow validates blocks of lines; a block that fails is halved until its bad lines are
    found. The work stays close to one pass over the file even with thousands of damaged
    lines (a decoder resuming after each error would copy the rest of the file every time).
    """
    bad: list[int] = []

    def search(start: int, length: int) -> None:
        try:
            binary.slice(start, length).cast(pa.large_string())
        except pa.ArrowInvalid:
            if length == 1:
                bad.append(start)
                return
            half = length // 2
            search(start, half)
            search(start + half, length - half)

    for start in range(0, len(binary), _BLOCK):
        search(start, min(_BLOCK, len(binary) - start))
    return np.array(bad, dtype=np.int64)


def read_file(path: str | Path) -> bytes | mmap.mmap:
    """A file's bytes, memory-mapped when it is not empty: no copy of a 100 MB register into
    the process (the lines are Arrow arrays over the mapping). Used read-only."""
    with open(path, "rb") as handle:
        if Path(path).stat().st_size == 0:
            return b""
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _escaped(raw: bytes) -> str:
    return raw.rstrip(b"\r\n").decode("utf-8", errors="backslashreplace")


def split_lines(data: bytes | mmap.mmap, encoding: str = "utf-8") -> Lines:
    """Decode ``data`` into lines.

    ``encoding`` is ``"utf-8"`` (invalid lines are set aside), ``"cp1252"`` (the whole file
    is transcoded; the five bytes CP1252 leaves undefined are read as Latin-1) or
    ``"utf-8|cp1252"`` (UTF-8 when the whole file is valid UTF-8, else CP1252 — what the
    HAS and establishment files need, as they come either way).
    """
    if encoding == "utf-8|cp1252":
        try:
            codecs.utf_8_decode(data, "strict", True)
            encoding = "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding == "cp1252":
        data = bytes(data).decode("cp1252", errors="latin1_fallback").encode("utf-8")
    elif encoding != "utf-8":
        raise ValueError(f"unsupported encoding {encoding!r}: expected utf-8, cp1252 or utf-8|cp1252")
    data = memoryview(data)
    if data[:3] == codecs.BOM_UTF8:
        data = data[3:]
    offsets, control_at = _scan(data)
    count = len(offsets) - 1
    damaged = np.zeros(count, dtype=bool)
    damaged[np.searchsorted(offsets, control_at, side="right") - 1] = True
    binary = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    try:
        # Arrow validates UTF-8 without making Python strings; only a file that fails is
        # scanned line by line for its bad lines.
        text = binary.cast(pa.large_string())
        bad = np.array([], dtype=np.int64)
    except pa.ArrowInvalid:
        bad = _invalid_utf8_lines(binary)
    # pl.Series, not pa.array: pyarrow's array() imports pandas on first use (over a second).
    numbers = pl.Series(ROW, np.arange(1, count + 1, dtype=np.int64))
    flags = pl.Series(CONTROL, damaged)
    undecodable: list[tuple[int, str]] = []
    if len(bad):
        undecodable = [(int(i) + 1, _escaped(binary[int(i)].as_py())) for i in bad]
        keep = np.ones(count, dtype=bool)
        keep[bad] = False
        binary = binary.filter(pl.Series(keep).to_arrow())
        numbers = numbers.filter(keep)
        flags = flags.filter(keep)
        text = binary.cast(pa.large_string())
    frame = pl.DataFrame(
        {
            ROW: numbers,
            LINE: pl.from_arrow(text).str.strip_chars_end("\r\n"),
            CONTROL: flags,
        }
    )
    return Lines(frame, undecodable, encoding, count)
