"""What a router's state reads at a given moment: counters that grow, E1 intervals, uptime.

A counter with base `v` and growth `r` per minute reads `v + int(r * minutes)`.  Derived counters
follow their parts so the output stays self-consistent: IOS `input errors` includes CRC, frame,
overrun, ignored, abort, runts and giants, so it grows with them unless the scenario says
otherwise; packet and byte counters grow with the configured rates while the line is up.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from diag.lab.routers.clock import Moment
from diag.lab.routers.fmt import parse_ios_elapsed
from diag.lab.routers.state import E1_COUNTERS, Counters, E1Controller, InterfaceState

# Parts of IOS "input errors".
_INPUT_ERROR_PARTS = (
    "crc",
    "frame",
    "overrun",
    "ignored",
    "aborts",
    "runts",
    "giants",
    "no_buffer",
)
# Typical mean packet size on a leased-line WAN link; turns a bit rate into a packet rate.
AVG_PACKET_BYTES = 400
E1_INTERVAL_S = 900


def grown(base: int, per_min: float, minutes: float) -> int:
    return base + int(per_min * minutes)


def is_passing_traffic(iface: InterfaceState) -> bool:
    return iface.admin_up and iface.status == "up" and iface.protocol == "up"


def rates(iface: InterfaceState) -> tuple[int, int, int, int]:
    """(input bps, input pps, output bps, output pps) as the 5-minute rate lines show them."""
    if not is_passing_traffic(iface):
        return 0, 0, 0, 0

    def pps(bps: int, given: int | None) -> int:
        if given is not None:
            return given
        return max(1, bps // (8 * AVG_PACKET_BYTES)) if bps else 0

    return (
        iface.input_rate_bps,
        pps(iface.input_rate_bps, iface.input_pps),
        iface.output_rate_bps,
        pps(iface.output_rate_bps, iface.output_pps),
    )


def interface_counters(iface: InterfaceState, at: Moment) -> Counters:
    """The interface counters at `at`, with derived counters following their parts.

    A `clear counters` typed at lab time `cleared_at_s` restarts every counter from zero there;
    `counter_bits` makes them wrap like a router's 32-bit CLI counters.
    """
    values = _counters_at(iface, at.minutes)
    if iface.cleared_at_s is not None and iface.cleared_at_s <= at.elapsed_s:
        then = _counters_at(iface, iface.cleared_at_s / 60.0)
        values = {k: v - then[k] for k, v in values.items()}
    if iface.counter_bits is not None:
        values = {k: v % 2**iface.counter_bits for k, v in values.items()}
    return Counters(**values)


def _counters_at(iface: InterfaceState, minutes: float) -> dict[str, int]:
    growth = dict(iface.growth_per_min)
    growth.setdefault("input_errors", sum(growth.get(k, 0.0) for k in _INPUT_ERROR_PARTS))
    in_bps, in_pps, out_bps, out_pps = rates(iface)
    growth.setdefault("input_bytes", in_bps / 8 * 60)
    growth.setdefault("input_packets", in_pps * 60)
    growth.setdefault("output_bytes", out_bps / 8 * 60)
    growth.setdefault("output_packets", out_pps * 60)
    base = iface.counters.model_dump()
    # A scenario that only gives packet counts still gets plausible byte counts.
    for pkts, octets in (("input_packets", "input_bytes"), ("output_packets", "output_bytes")):
        if not base[octets]:
            base[octets] = base[pkts] * AVG_PACKET_BYTES
    return {k: grown(v, growth.get(k, 0.0), minutes) for k, v in base.items()}


def clearing_age_s(iface: InterfaceState, at: Moment) -> float | None:
    """Seconds since the counters were last cleared, or None for 'never'.

    A scenario's `last_clearing` is the age at lab start and grows with lab time, like the
    router's own text; a `clear counters` on the CLI overrides it.
    """
    if iface.cleared_at_s is not None and iface.cleared_at_s <= at.elapsed_s:
        return at.elapsed_s - iface.cleared_at_s
    base = parse_ios_elapsed(iface.last_clearing)
    return None if base is None else base + at.elapsed_s


@dataclass(frozen=True)
class E1Reading:
    """`show controllers e1` numbers: current 15-minute interval and the finished-interval total."""

    elapsed_in_interval: int
    valid_intervals: int
    current: dict[str, int]
    total: dict[str, int]


def e1_reading(ctrl: E1Controller, at: Moment) -> E1Reading:
    """Roll the 15-minute intervals forward like the framer does (every 900 s of lab time)."""
    since_interval_start = ctrl.interval_elapsed_s + at.elapsed_s
    rolled = int(since_interval_start // E1_INTERVAL_S)
    # Lab time at which the current interval began (negative while still in the first one).
    boundary = rolled * E1_INTERVAL_S - ctrl.interval_elapsed_s
    base = ctrl.model_dump(include=set(E1_COUNTERS))
    current: dict[str, int] = {}
    total: dict[str, int] = {}
    for name in E1_COUNTERS:
        rate = ctrl.growth_per_min.get(name, 0.0)
        finished = ctrl.totals.get(name, 0)
        if rolled == 0:
            current[name] = grown(base[name], rate, at.minutes)
        else:
            current[name] = int(rate * (at.elapsed_s - boundary) / 60)
            finished += grown(base[name], rate, boundary / 60)
        total[name] = finished
    return E1Reading(
        elapsed_in_interval=int(since_interval_start % E1_INTERVAL_S),
        valid_intervals=min(96, ctrl.valid_intervals + rolled),
        current=current,
        total=total,
    )


_UPTIME_UNITS = {"year": 525_600, "week": 10_080, "day": 1_440, "hour": 60, "minute": 1}


def uptime_minutes(uptime: str, at: Moment) -> int:
    """Parse '12 weeks, 3 days, 4 hours, 5 minutes' and add the lab's elapsed time."""
    total = 0
    for n, unit in re.findall(r"(\d+)\s+(year|week|day|hour|minute)s?", uptime):
        total += int(n) * _UPTIME_UNITS[unit]
    return total + int(at.minutes)


def split_minutes(minutes: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for unit, size in _UPTIME_UNITS.items():
        out[unit], minutes = divmod(minutes, size)
    return out


def plural(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"
