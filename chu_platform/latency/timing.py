"""Latency figures of one query: the cold first run and the warm distribution after it."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Latency:
    cold_ms: float
    min_ms: float
    p50_ms: float
    p95_ms: float
    repetitions: int


def percentile(sorted_ms: list[float], q: float) -> float:
    """Nearest-rank percentile: always a latency that was actually observed."""
    rank = max(1, math.ceil(q / 100 * len(sorted_ms)))
    return sorted_ms[rank - 1]


def elapsed_ms(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def measure(call: Callable[[], object], repetitions: int) -> Latency:
    """Run ``call`` once cold (the caller hands a fresh connection), then ``repetitions`` times warm."""
    if repetitions < 1:
        raise ValueError(f"repetitions must be at least 1, got {repetitions}")
    cold = elapsed_ms(call)
    warm = sorted(elapsed_ms(call) for _ in range(repetitions))
    return Latency(cold, warm[0], percentile(warm, 50), percentile(warm, 95), repetitions)


def geometric_mean(values: list[float]) -> float:
    positive = [v for v in values if v > 0]
    if not positive:
        return 0.0
    return math.exp(sum(math.log(v) for v in positive) / len(positive))
