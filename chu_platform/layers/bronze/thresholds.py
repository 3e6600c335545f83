"""The share of a delivered file's lines that may be rejected before its load is refused.

``CHU_MAX_REJECTED_SHARE`` (``ChuSettings.max_rejected_share``) is a default share, per-source
shares, or both, comma-separated: ``0.05`` or ``0.05,deaths=0.01,satisfaction=0.10``. A file
whose rejected lines exceed its source's share fails the blocking ``rejected_share`` check of
its bronze asset: a register cut to 100 characters per line must not load as a success.
"""

from __future__ import annotations

from chu_platform.schemas.sources import SOURCES

DEFAULT_SHARE = 0.05


def parse(text: str) -> dict[str, float]:
    """``{source or "*": share}``; raises ValueError on anything else than shares in [0, 1]."""
    shares: dict[str, float] = {"*": DEFAULT_SHARE}
    for item in filter(None, (part.strip() for part in (text or "").split(","))):
        source, _, value = item.rpartition("=")
        source = source.strip() or "*"
        if source != "*" and source not in SOURCES:
            raise ValueError(f"CHU_MAX_REJECTED_SHARE: unknown source {source!r} in {item!r}; "
                             f"expected one of {', '.join(SOURCES)}")
        try:
            share = float(value.strip().rstrip("%")) / (100 if value.strip().endswith("%") else 1)
        except ValueError:
            raise ValueError(f"CHU_MAX_REJECTED_SHARE: {item!r} is not a share such as 0.05 or deaths=5%") from None
        if not 0 <= share <= 1:
            raise ValueError(f"CHU_MAX_REJECTED_SHARE: {item!r} is outside 0-1")
        shares[source] = share
    return shares


def threshold(text: str, source: str) -> float:
    shares = parse(text)
    return shares.get(source, shares["*"])
