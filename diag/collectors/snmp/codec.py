"""OIDs and the textual conventions diag reads: OID text <-> tuples, string indexes, DateAndTime.

Plain Python (no pysnmp), shared by the SNMP client, the trap receiver and the NMS drivers;
diag.collectors.snmp.client re-exports every name.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

Oid = tuple[int, ...]
# A value as pysnmp decoded it (pyasn1 object: OctetString, Integer32, ObjectName, TimeTicks, ...).
# Kept as the library's type so callers can tell an OID from a string; `.prettyPrint()` renders it.
SnmpValue = Any

# SNMPv2-MIB system group (RFC 3418)
SYS_DESCR: Oid = (1, 3, 6, 1, 2, 1, 1, 1, 0)  # SNMPv2-MIB::sysDescr.0
SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 2, 1, 1, 2, 0)  # SNMPv2-MIB::sysObjectID.0
SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)  # SNMPv2-MIB::sysUpTime.0
SYS_NAME: Oid = (1, 3, 6, 1, 2, 1, 1, 5, 0)  # SNMPv2-MIB::sysName.0


def parse_oid(oid: str | Sequence[int]) -> Oid:
    """'1.3.6.1' / '.1.3.6.1' / (1, 3, 6, 1) -> (1, 3, 6, 1)."""
    if isinstance(oid, str):
        text = oid.strip().lstrip(".")
        try:
            return tuple(int(part) for part in text.split(".")) if text else ()
        except ValueError as exc:
            raise ValueError(f"{oid!r} is not a numeric OID") from exc
    return tuple(int(part) for part in oid)


def oid_str(oid: Sequence[int]) -> str:
    return ".".join(str(part) for part in oid)


def string_index(value: str | bytes) -> Oid:
    """Encode a variable-length string table index (RFC 2578 §7.7: length, then octets)."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return (len(raw), *raw)


def take_string_index(oid: Oid, pos: int) -> tuple[bytes, int]:
    """Decode a length-prefixed string index at `pos`; returns (octets, next position)."""
    if pos >= len(oid):
        raise ValueError(f"index of {oid_str(oid)} ends before a string length at {pos}")
    n = oid[pos]
    end = pos + 1 + n
    if end > len(oid) or any(b > 255 for b in oid[pos + 1 : end]):
        raise ValueError(f"bad string index in {oid_str(oid)} at {pos}")
    return bytes(oid[pos + 1 : end]), end


def encode_date_and_time(when: datetime) -> bytes:
    """SNMPv2-TC DateAndTime, 11 octets with the UTC offset (naive times are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = b"+" if minutes >= 0 else b"-"
    minutes = abs(minutes)
    return (
        when.year.to_bytes(2, "big")
        + bytes([when.month, when.day, when.hour, when.minute, when.second])
        + bytes([when.microsecond // 100_000])
        + sign
        + bytes([minutes // 60, minutes % 60])
    )


def decode_date_and_time(octets: bytes) -> datetime:
    """SNMPv2-TC DateAndTime (8 or 11 octets) -> timezone-aware datetime.

    8 octets carry no UTC offset; RFC 3877 calls that NOT RECOMMENDED, and we read it as UTC.
    Raises ValueError on anything that is not a valid DateAndTime.
    """
    if len(octets) not in (8, 11):
        raise ValueError(f"DateAndTime has 8 or 11 octets, got {len(octets)}")
    year = int.from_bytes(octets[0:2], "big")
    month, day, hour, minute, second, deci = octets[2:8]
    if deci > 9:
        raise ValueError(f"DateAndTime deci-seconds {deci} out of range 0..9")
    if second == 60:  # leap second, allowed by the TC; datetime has no room for it
        second = 59
    tz: timezone = UTC
    if len(octets) == 11:
        direction = chr(octets[8])
        hours, mins = octets[9], octets[10]
        if direction not in "+-" or hours > 13 or mins > 59:
            raise ValueError(f"DateAndTime UTC offset {direction}{hours}:{mins} is invalid")
        delta = timedelta(hours=hours, minutes=mins)
        tz = timezone(-delta if direction == "-" else delta)
    return datetime(year, month, day, hour, minute, second, deci * 100_000, tzinfo=tz)
