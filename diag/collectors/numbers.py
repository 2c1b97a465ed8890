"""Numbers read from devices and tools: the ranges diag believes, read from ASCII digits only.

A number a router or a ping tool prints is taken only inside the range the quantity can have.
Outside it the text was garbled (a lost line joining two numbers, line noise on a console, a
broken device): the value is unknown, never a made-up one, never a crash, and never the size of
a list.  The parsers (diag/collectors/cli/parsers, diag/collectors/ping) read every number
through `read_int` / `read_float`, which refuse

- anything but ASCII digits (`\\d` in Python also matches Arabic-Indic and other decimal digits;
  no router prints those, so such a "number" is line noise), with at most one decimal point;
- more digits than the largest value of the range can have (so a 400-digit run costs nothing and
  never reaches `int()`, whose limit is 4,300 digits);
- values outside [lo, hi].

The ranges, below, say which fields they bound: counters 0..2**64-1, probes per ping run
1..100,000, RTTs 0..3,600,000 ms, a ping timeout 0..3,600 s, a payload 0..65,535 bytes,
percentages 0..100, the E1 current interval 0..900 s.  A list is never sized by a printed number
beyond these (a per-probe list holds at most MAX_PROBES entries).
"""

from __future__ import annotations

import math
import re

# SNMPv2-SMI Counter64 (RFC 2578 §7.1.10): IOS and VRP interface and controller counters are at
# most 64 bits wide, so a larger count is a garbled one.
COUNTER64_MAX = 2**64 - 1
# Probes in one ping run.  diag never asks for more (settings.ping_count ≤ 100,000), so an
# output claiming more was not produced by the command diag sent.
MAX_PROBES = 100_000
# A round-trip time: one hour.  No tool diag runs waits that long for a reply (IOS's ping timeout
# tops out at 3,600 s, VRP's at 65.535 s, iputils and fping at diag's ping_timeout_s).
MAX_RTT_MS = 3_600_000.0
# The per-probe timeout a router prints or is given (IOS: 0..3600 s).
MAX_PING_TIMEOUT_S = 3600.0
# ICMP payload: an IP datagram is at most 65,535 bytes.
MAX_PING_SIZE = 65_535
# CPU load, loss, success rate.
PERCENT_MAX = 100.0
# The current E1 performance interval is 15 minutes (G.826 / RFC 4805 dsx1IntervalTable).
E1_INTERVAL_MAX_S = 900
# A statistics cycle or uptime-like span in seconds: one day is more than any router prints.
SPAN_MAX_S = 86_400

# Observation fields each range applies to (the fuzz tests check every result against these).
INTERFACE_COUNTERS = (
    "input_packets",
    "output_packets",
    "input_errors",
    "crc",
    "frame",
    "overrun",
    "ignored",
    "aborts",
    "carrier_transitions",
    "interface_resets",
    "output_errors",
)
E1_COUNTERS = (
    "line_code_violations",
    "path_code_violations",
    "errored_secs",
    "severely_err_secs",
    "unavail_secs",
    "slip_secs",
    "degraded_mins",
)


class NumberError(ValueError):
    """A printed number is not ASCII digits or is outside its range (the parser decides whether
    that makes a field unknown or the whole output unreadable)."""


_INT = re.compile(r"[0-9]+", re.ASCII)
_DECIMAL = re.compile(r"[0-9]*\.?[0-9]+|[0-9]+\.", re.ASCII)
# Digits a float may carry after the point (routers print at most 3; iputils 3).
_FRACTION_DIGITS = 9


def read_int(
    text: str | None, hi: int = COUNTER64_MAX, lo: int = 0, what: str = "value"
) -> int | None:
    """`text` as an int in lo..hi, None when absent ('' or None: the line was not printed).

    Raises NumberError for anything else (the message names `what` and the range).
    """
    if text is None or text == "":
        return None
    t = text.strip()
    if not _INT.fullmatch(t) or len(t.lstrip("0")) > len(str(hi)):
        raise NumberError(f"{what} {_show(text)} is not a whole number in {lo}..{hi}")
    value = int(t.lstrip("0") or "0")
    if not lo <= value <= hi:
        raise NumberError(f"{what} {value} is outside {lo}..{hi}")
    return value


def read_float(text: str | None, hi: float, lo: float = 0.0, what: str = "value") -> float | None:
    """`text` as a finite float in lo..hi (decimal digits, one optional point), None when absent.

    Raises NumberError for anything else.
    """
    if text is None or text == "":
        return None
    t = text.strip()
    whole, _, frac = t.partition(".")
    if (
        not _DECIMAL.fullmatch(t)
        or len(whole.lstrip("0")) > len(str(int(hi)))
        or len(frac) > _FRACTION_DIGITS
    ):
        raise NumberError(f"{what} {_show(text)} is not a number in {lo:g}..{hi:g}")
    value = float(t)
    if not (math.isfinite(value) and lo <= value <= hi):
        raise NumberError(f"{what} {value:g} is outside {lo:g}..{hi:g}")
    return value


def _show(text: str) -> str:
    return repr(text if len(text) <= 24 else text[:12] + "..." + text[-8:])
