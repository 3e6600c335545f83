"""Deterministic random streams: one independent generator per named part of the simulation.

Each part draws from its own stream, so adding a column to one file never shifts the values
of another, and the same seed always gives the same bytes.
"""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str) -> np.random.Generator:
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def zipf_weights(n: int, exponent: float = 1.07) -> np.ndarray:
    """Normalised weights 1/rank^s over ``n`` items (rank 1 first)."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** exponent
    return weights / weights.sum()


_CELLS = 1 << 16


def weighted_choice(rng: np.random.Generator, weights: np.ndarray, size: int) -> np.ndarray:
    """``size`` indices drawn with the given (unnormalised) weights, in random order.

    Small sets (ages, days, départements): a 65,536-cell look-up table indexed by random
    16-bit integers, i.e. probabilities rounded to 1/65,536. Large catalogues (patients,
    professionals): a multinomial count per item, repeated and shuffled, linear in
    ``size + len(weights)`` where an inverse-CDF search is ``size * log(len)`` and cache-hostile.
    """
    p = np.asarray(weights, dtype=np.float64)
    if len(p) <= 4096:
        cdf = np.cumsum(p)
        cdf /= cdf[-1]
        grid = (np.arange(_CELLS) + 0.5) / _CELLS
        table = np.minimum(np.searchsorted(cdf, grid, side="right"), len(p) - 1).astype(np.int32)
        return table[rng.integers(0, _CELLS - 1, size=size, dtype=np.uint16, endpoint=True)]
    p = p / p.sum()
    counts = rng.multinomial(size, p)
    drawn = np.repeat(np.arange(len(p)), counts)
    rng.shuffle(drawn)
    return drawn


def pick_lines(rng: np.random.Generator, candidates: np.ndarray, rate: float) -> np.ndarray:
    """A sorted random subset of ``candidates`` of size round(rate * len) (binomial draw)."""
    if rate <= 0 or len(candidates) == 0:
        return np.empty(0, dtype=np.int64)
    count = min(int(rng.binomial(len(candidates), min(rate, 1.0))), len(candidates))
    return np.sort(rng.choice(candidates, size=count, replace=False)).astype(np.int64)


def without(pool: np.ndarray, *removed: np.ndarray) -> np.ndarray:
    """``pool`` minus the ``removed`` indices, sorted (a mask: ``np.setdiff1d`` hashes and is
    far slower on large index arrays)."""
    size = int(max([pool.max(initial=-1)] + [r.max(initial=-1) for r in removed])) + 1
    mask = np.zeros(size, dtype=bool)
    mask[pool] = True
    for r in removed:
        mask[r] = False
    return np.flatnonzero(mask)
