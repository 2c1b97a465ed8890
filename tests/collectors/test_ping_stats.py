"""Ping statistics from per-probe RTTs, checked against values worked out by hand.

Conventions under test (diag/collectors/ping/stats.py): ordinary median (mean of the two middle
values for an even count), nearest-rank p95 (the ⌈0.95·n⌉-th smallest), sample stddev (n − 1),
jitter over consecutive *received* probes, RFC 3550 J with gain 1/16 from J = 0, RTTs rounded to
the microsecond, loss not rounded.
"""

from __future__ import annotations

import math

import pytest

from diag.collectors.ping.stats import (
    loss_pct,
    mean_abs_delta,
    median,
    percentile_nearest_rank,
    rfc3550_jitter,
    summarize,
)


def test_worked_example_with_one_loss() -> None:
    # probes: 10, 12, lost, 11, 15  → replies 10, 12, 11, 15
    s = summarize([10.0, 12.0, None, 11.0, 15.0])
    assert (s.sent, s.received) == (5, 4)
    assert s.loss_pct == 20.0
    assert s.rtt_min_ms == 10.0
    assert s.rtt_max_ms == 15.0
    assert s.rtt_mean_ms == 12.0  # 48 / 4
    assert s.rtt_median_ms == 11.5  # sorted 10 11 12 15 → (11 + 12) / 2
    # deviations from 12: -2 0 -1 3 → squares 4 0 1 9 = 14; 14 / (4 - 1) = 4.667; √ = 2.160
    assert s.rtt_stddev_ms == 2.160
    assert s.rtt_p95_ms == 15.0  # ⌈0.95·4⌉ = 4th smallest
    # |12-10| |11-12| |15-11| = 2 1 4 → 7 / 3
    assert s.jitter_mean_delta_ms == 2.333
    # J: 0 → 0.125 (2/16) → 0.1796875 (+ (1-0.125)/16) → 0.41845703125 (+ (4-0.1796875)/16)
    assert s.jitter_rfc3550_ms == 0.418


def test_odd_count_median_is_the_middle_value() -> None:
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert summarize([3.0, 1.0, 2.0]).rtt_median_ms == 2.0


def test_even_count_median_is_the_mean_of_the_middle_two() -> None:
    assert median([1.0, 2.0, 3.0, 10.0]) == 2.5  # SmokePing's upper median would say 3


@pytest.mark.parametrize(
    ("n", "expected"),
    [(1, 1.0), (2, 2.0), (19, 19.0), (20, 19.0), (21, 20.0), (100, 95.0), (101, 96.0)],
)
def test_p95_nearest_rank(n: int, expected: float) -> None:
    # values 1..n: the ⌈0.95·n⌉-th smallest is ⌈0.95·n⌉ itself
    values = [float(v) for v in range(n, 0, -1)]  # order must not matter
    assert percentile_nearest_rank(values, 95) == expected
    assert expected == math.ceil(0.95 * n)


def test_p0_and_p100_are_min_and_max() -> None:
    assert percentile_nearest_rank([5.0, 1.0, 9.0], 0) == 1.0
    assert percentile_nearest_rank([5.0, 1.0, 9.0], 100) == 9.0


def test_loss_is_a_float_from_counts_not_rounded() -> None:
    s = summarize([1.0, None, 1.0])
    assert s.loss_pct == 100.0 / 3  # 33.333…, where fping would print 33%
    assert loss_pct(300, 271) == pytest.approx(9.6666666)
    assert loss_pct(0, 0) == 0.0


def test_jitter_skips_lost_probes() -> None:
    # replies 10, 20, 10 (the lost probe between them is not a "0" or a gap)
    s = summarize([10.0, None, 20.0, None, None, 10.0])
    assert s.jitter_mean_delta_ms == 10.0
    # J: 10/16 = 0.625 → 0.625 + (10 - 0.625)/16 = 1.2109375
    assert s.jitter_rfc3550_ms == 1.211


def test_rfc3550_converges_towards_a_constant_delta() -> None:
    alternating = [10.0, 12.0] * 200
    assert rfc3550_jitter(alternating) == pytest.approx(2.0, abs=1e-6)
    assert mean_abs_delta(alternating) == 2.0


def test_one_reply_has_no_spread_or_jitter() -> None:
    s = summarize([None, 7.25, None])
    assert (s.sent, s.received, s.loss_pct) == (3, 1, 100.0 * 2 / 3)
    assert s.rtt_min_ms == s.rtt_median_ms == s.rtt_mean_ms == s.rtt_max_ms == s.rtt_p95_ms == 7.25
    assert s.rtt_stddev_ms is None
    assert s.jitter_mean_delta_ms is None
    assert s.jitter_rfc3550_ms is None


def test_all_lost() -> None:
    s = summarize([None, None, None, None])
    assert (s.sent, s.received, s.loss_pct) == (4, 0, 100.0)
    assert s.rtt_min_ms is s.rtt_mean_ms is s.rtt_p95_ms is s.jitter_rfc3550_ms is None


def test_nothing_sent() -> None:
    s = summarize([])
    assert (s.sent, s.received, s.loss_pct) == (0, 0, 0.0)


def test_rtts_are_rounded_to_the_microsecond() -> None:
    s = summarize([0.0331, 0.0334, 0.0336])
    assert s.rtt_mean_ms == 0.033  # 0.033366… → 0.033
    assert s.rtt_max_ms == 0.034
