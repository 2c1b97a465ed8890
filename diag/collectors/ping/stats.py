"""Loss, RTT and jitter from per-probe round-trip times (DOMAIN.md §2.11).

Input is one entry per probe sent, in sending order: the RTT in ms of its first reply, or None
when no reply came in time.  Every statistic is computed here from those values, never taken from
a tool's summary line (fping rounds its loss to an integer %, iputils' "mdev" is not a standard
deviation).

Conventions (stated because tools differ):
- loss % = 100·(sent − received)/sent, a float; duplicates never count as received.
- median: the ordinary median, the mean of the two middle values when the count is even (as
  Python's `statistics.median`, numpy, pandas).  SmokePing's "upper median" differs for even counts.
- p95: nearest-rank, the ⌈0.95·n⌉-th smallest RTT; always an RTT that was measured.
- stddev: sample standard deviation (n − 1); None with fewer than two replies.
- jitter_mean_delta: mean |RTTᵢ − RTTᵢ₋₁| over consecutive *received* probes (mtr's Javg).
- jitter_rfc3550: J ← J + (|D| − J)/16 over the same consecutive pairs, starting at J = 0, with
  D the RTT difference (RFC 3550 §6.4.1 interarrival jitter; mtr's Jint); the final J.
RTT statistics are rounded to the microsecond (3 decimals in ms); loss is not rounded.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class PingStats:
    sent: int
    received: int
    loss_pct: float
    rtt_min_ms: float | None
    rtt_median_ms: float | None
    rtt_mean_ms: float | None
    rtt_max_ms: float | None
    rtt_stddev_ms: float | None
    rtt_p95_ms: float | None
    jitter_mean_delta_ms: float | None
    jitter_rfc3550_ms: float | None


def loss_pct(sent: int, received: int) -> float:
    """100·(sent − received)/sent as a float; 0.0 when nothing was sent."""
    if sent <= 0:
        return 0.0
    return 100.0 * (sent - received) / sent


def median(values: Sequence[float]) -> float:
    """Ordinary median: mean of the two middle values for an even count."""
    return float(statistics.median(values))


def percentile_nearest_rank(values: Sequence[float], pct: float) -> float:
    """The ⌈pct/100·n⌉-th smallest value (nearest-rank method; p0 is the minimum)."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100.0 * len(ordered)))
    return ordered[rank - 1]


def mean_abs_delta(values: Sequence[float]) -> float | None:
    """Mean |xᵢ − xᵢ₋₁| over consecutive values; None with fewer than two."""
    if len(values) < 2:
        return None
    return sum(abs(b - a) for a, b in itertools.pairwise(values)) / (len(values) - 1)


def rfc3550_jitter(values: Sequence[float]) -> float | None:
    """RFC 3550 smoothed jitter J over consecutive values (J₀ = 0, gain 1/16); None if < 2."""
    if len(values) < 2:
        return None
    j = 0.0
    for a, b in itertools.pairwise(values):
        j += (abs(b - a) - j) / 16.0
    return j


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 3)


def summarize(rtts_ms: Sequence[float | None]) -> PingStats:
    """Every statistic of a ping run from its per-probe RTTs (None = lost)."""
    got = [r for r in rtts_ms if r is not None]
    sent, received = len(rtts_ms), len(got)
    if not got:
        return PingStats(sent, 0, loss_pct(sent, 0), *([None] * 8))
    return PingStats(
        sent=sent,
        received=received,
        loss_pct=loss_pct(sent, received),
        rtt_min_ms=_r(min(got)),
        rtt_median_ms=_r(median(got)),
        rtt_mean_ms=_r(statistics.fmean(got)),
        rtt_max_ms=_r(max(got)),
        rtt_stddev_ms=_r(statistics.stdev(got)) if received >= 2 else None,
        rtt_p95_ms=_r(percentile_nearest_rank(got, 95)),
        jitter_mean_delta_ms=_r(mean_abs_delta(got)),
        jitter_rfc3550_ms=_r(rfc3550_jitter(got)),
    )
