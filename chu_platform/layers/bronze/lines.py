"""Split a delivered file into physical lines, vectorised, and decode them.

A file is read as bytes once; line boundaries come from a NumPy scan for ``\\n`` and the
lines are an Arrow array over the same buffer, so no Python object is made per line.
Lines that are not valid in the file's encoding are set aside (with their number and raw
bytes) instead of being lost or failing the whole file.
"""

from __future__ import annotations

import codecs
import mmap
from dataclasses import dataclass, field
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
    as (line number, raw text with the bad bytes escaped). ``repaired``: numbers of the lines of
    a UTF-8 file that were not UTF-8 and were read as CP1252 instead (``"utf-8|cp1252"`` only).
    """

    frame: pl.DataFrame
    undecodable: list[tuple[int, str]]
    encoding: str
    total: int
    repaired: list[int] = field(default_factory=list)


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


def _invalid_utf8_lines(binary: pa.LargeBinaryArray, data, offsets: np.ndarray) -> np.ndarray:
    """Indexes of lines holding bytes that are not UTF-8.

    Only a line with a byte past ASCII can be invalid: those are found by NumPy in one pass over
    the bytes, and Arrow validates them in blocks; a block that fails is halved until its bad
    lines are found. The work stays close to one pass over the file even with thousands of
    damaged lines (a decoder resuming after each error would copy the rest of the file every
    time), and a register of ASCII lines with a few damaged ones validates only those.
    """
    buffer = np.frombuffer(data, dtype=np.uint8)
    candidates = np.unique(np.searchsorted(offsets, np.flatnonzero(buffer >= 0x80), side="right") - 1)
    lines = binary.take(pl.Series(candidates, dtype=pl.UInt64).to_arrow())
    bad: list[int] = []

    def search(start: int, length: int) -> None:
        try:
            lines.slice(start, length).cast(pa.large_string())
        except pa.ArrowInvalid:
            if length == 1:
                bad.append(int(candidates[start]))
                return
            half = length // 2
            search(start, half)
            search(start + half, length - half)

    for start in range(0, len(lines), _BLOCK):
        search(start, min(_BLOCK, len(lines) - start))
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


def _lines_with_utf8_pairs(data, offsets: np.ndarray) -> np.ndarray:
    """Indexes of the lines holding a UTF-8 lead byte followed by a continuation byte: the only
    lines that can be UTF-8 beyond ASCII (CP1252 text has almost none)."""
    buffer = np.frombuffer(data, dtype=np.uint8)
    lead, follow = buffer[:-1], buffer[1:]
    pairs = np.flatnonzero((lead >= 0xC2) & (lead <= 0xF4) & (follow >= 0x80) & (follow <= 0xBF))
    return np.unique(np.searchsorted(offsets, pairs, side="right") - 1)


def _file_encoding(data, offsets: np.ndarray) -> str:
    """``"cp1252"`` when no line with non-ASCII bytes is UTF-8 (a CP1252 file), else ``"utf-8"``:
    one stray Latin-1 byte in a UTF-8 file is that line's problem, not a reason to read the
    whole file in another encoding. Stops at the first UTF-8 line found."""
    for i in _lines_with_utf8_pairs(data, offsets):
        try:
            bytes(data[offsets[i]:offsets[i + 1]]).decode("utf-8")
            return "utf-8"
        except UnicodeDecodeError:
            continue
    return "cp1252"


def _cp1252(raw: bytes) -> str:
    return raw.decode("cp1252", errors="latin1_fallback").rstrip("\r\n")


def split_lines(data: bytes | mmap.mmap, encoding: str = "utf-8") -> Lines:
    """Decode ``data`` into lines.

    ``encoding`` is ``"utf-8"`` (invalid lines are set aside), ``"cp1252"`` (the whole file
    is transcoded; the five bytes CP1252 leaves undefined are read as Latin-1) or
    ``"utf-8|cp1252"`` (what the HAS and establishment files need, as they come either way):
    CP1252 when no non-ASCII line is valid UTF-8, else UTF-8 with each line that is not
    valid UTF-8 read as CP1252 and listed in ``repaired``.
    """
    if encoding == "utf-8|cp1252":
        try:
            codecs.utf_8_decode(data, "strict", True)
            encoding = "utf-8"
        except UnicodeDecodeError:
            view = memoryview(data)
            view = view[3:] if view[:3] == codecs.BOM_UTF8 else view
            offsets, _ = _scan(view)
            encoding = _file_encoding(view, offsets)
            if encoding == "utf-8":
                return _split(data, "utf-8", repair=True)
    if encoding == "cp1252":
        data = bytes(data).decode("cp1252", errors="latin1_fallback").encode("utf-8")
    elif encoding != "utf-8":
        raise ValueError(f"unsupported encoding {encoding!r}: expected utf-8, cp1252 or utf-8|cp1252")
    lines = _split(data, "utf-8", repair=False)
    return Lines(lines.frame, lines.undecodable, encoding, lines.total)


def _split(data, encoding: str, repair: bool) -> Lines:
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
        bad = _invalid_utf8_lines(binary, data, offsets)
    # pl.Series, not pa.array: pyarrow's array() imports pandas on first use (over a second).
    numbers = pl.Series(ROW, np.arange(1, count + 1, dtype=np.int64))
    flags = pl.Series(CONTROL, damaged)
    undecodable: list[tuple[int, str]] = []
    repaired: list[int] = []
    fixed = None
    if len(bad):
        if repair:
            repaired = [int(i) + 1 for i in bad]
            fixed = pl.DataFrame({
                ROW: pl.Series(repaired, dtype=pl.Int64),
                LINE: [_cp1252(binary[int(i)].as_py()) for i in bad],
                CONTROL: flags.gather(bad),
            })
        else:
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
    if fixed is not None:
        frame = pl.concat([frame, fixed]).sort(ROW)
    return Lines(frame, undecodable, encoding, count, repaired)
