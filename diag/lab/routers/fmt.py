"""Small text formats both vendors need: MAC addresses, IOS elapsed times, stable fake IDs."""

from __future__ import annotations

import re
import zlib


def _hex12(mac: str) -> str:
    digits = re.sub(r"[^0-9a-fA-F]", "", mac).lower()
    if len(digits) != 12:
        raise ValueError(f"not a MAC address: {mac!r}")
    return digits


def mac_cisco(mac: str) -> str:
    """'10f3.11ff.5167'"""
    h = _hex12(mac)
    return f"{h[0:4]}.{h[4:8]}.{h[8:12]}"


def mac_huawei(mac: str) -> str:
    """'10f3-11ff-5167'"""
    h = _hex12(mac)
    return f"{h[0:4]}-{h[4:8]}-{h[8:12]}"


def default_mac(hostname: str, index: int, oui: str) -> str:
    """A stable MAC for an interface the scenario gave none (same router -> same MACs)."""
    tail = (zlib.crc32(hostname.encode()) + index) & 0xFFFFFF
    return f"{oui}{tail:06x}"


def serial_number(hostname: str, prefix: str) -> str:
    """A stable chassis serial number derived from the hostname."""
    n = zlib.crc32(hostname.encode())
    letters = "".join(chr(ord("A") + (n >> (5 * i)) % 26) for i in range(4))
    return f"{prefix}{n % 10000:04d}{letters}"


def ios_elapsed(seconds: float) -> str:
    """IOS 'Last input' style: 00:00:05, then 1d02h, then 3w2d."""
    s = int(seconds)
    if s < 86_400:
        return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"
    days, rem = divmod(s, 86_400)
    if days < 7:
        return f"{days}d{rem // 3600:02d}h"
    weeks, days = divmod(days, 7)
    return f"{weeks}w{days}d"


_IOS_ELAPSED = (
    (re.compile(r"(\d+):(\d{2}):(\d{2})"), (3600, 60, 1)),
    (re.compile(r"(\d+)d(\d+)h"), (86_400, 3600)),
    (re.compile(r"(\d+)w(\d+)d"), (604_800, 86_400)),
    (re.compile(r"(\d+)y(\d+)w"), (31_536_000, 604_800)),
)


def parse_ios_elapsed(text: str) -> int | None:
    """Seconds in an IOS elapsed time ('00:00:05', '1d02h', '3w2d', '1y5w'); None otherwise."""
    for rx, units in _IOS_ELAPSED:
        m = rx.fullmatch(text.strip())
        if m:
            return sum(int(g) * u for g, u in zip(m.groups(), units, strict=True))
    return None
