"""The iMAP northbound MIB as the `huawei-imap` driver reads it: the OIDs, the trap columns and
their decoding (alarm, heartbeat, occurrence time, extend info).  The query and the driver:
huawei_imap.py."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from diag.collectors.snmp.client import (
    Oid,
    SnmpValue,
    decode_date_and_time,
)
from diag.collectors.snmp.traps import Trap
from diag.model.observations import Severity

# IMAP_NORTHBOUND_MIB-V1 (I2000-V1), Huawei enterprise 2011
IMAP_NORTHBOUND: Oid = (1, 3, 6, 1, 4, 1, 2011, 2, 15, 2)  # iMAPNorthbound
ALARM_QUERY_0: Oid = (*IMAP_NORTHBOUND, 4, 1, 5, 0)  # iMAPNorthboundAlarmQuery.0
ALARM_OBJECTS: Oid = (*IMAP_NORTHBOUND, 4, 3, 3)  # iMAPNorthboundFaultAlarmNotification
REPORT_TRAP: Oid = (*ALARM_OBJECTS, 0, 1)  # iMAPNorthboundFaultAlarmReportNotificationType
QUERY_BEGIN_TRAP: Oid = (*ALARM_OBJECTS, 0, 2)  # …FaultAlarmQueryBeginNotificationType
QUERY_TRAP: Oid = (*ALARM_OBJECTS, 0, 3)  # …FaultAlarmQueryNotificationType
QUERY_END_TRAP: Oid = (*ALARM_OBJECTS, 0, 4)  # …FaultAlarmQueryEndNotificationType
HEARTBEAT_OBJECTS: Oid = (*IMAP_NORTHBOUND, 1, 2, 1, 1, 1)  # …HeartbeatNotification
HEARTBEAT_TRAP: Oid = (*HEARTBEAT_OBJECTS, 0, 5)  # iMAPNorthboundHeartbeatNotificationType
SNMP_ENGINE_ID_0: Oid = (1, 3, 6, 1, 6, 3, 10, 2, 1, 1, 0)  # SNMP-FRAMEWORK-MIB snmpEngineID.0

# iMAPNorthboundAlarm* columns under ALARM_OBJECTS
CSN, CATEGORY, OCCUR_TIME, MO_NAME, NE_DEV_ID, ALARM_ID = 1, 2, 3, 4, 7, 9
RESTORE_TIME = 15
LEVEL, RESTORE, EXTEND_INFO, PROBABLE_CAUSE, SPECIFIC_PROBLEMS, ADDITIONAL_INFO = (
    11, 12, 27, 28, 30, 51,
)  # fmt: skip
# The MIB's value: OCTET STRING, "Accepts only values 0 and 1 (single character) ...
# 1 -> starts query active alarm process ... 0 -> stops the previous query active alarm
# process in progress" (M2000-V2 / I2000-V1 text).  Not an Integer, and no address in it.
QUERY_START = b"1"
QUERY_STOP = b"0"
# iMAPNorthboundAlarmLevel critical(1) major(2) minor(3) warning(4) cleared(6); 5 is
# "indeterminate" in eSight-era receivers.
LEVEL_SEVERITY = {
    1: Severity.critical,
    2: Severity.major,
    3: Severity.minor,
    4: Severity.warning,
    5: Severity.indeterminate,
    6: Severity.cleared,
}
RESTORE_CLEARED = 1  # iMAPNorthboundAlarmRestore cleared(1)
CATEGORY_CLEAR = "2"  # iMAPNorthboundAlarmCategory 2 = Clear
# SET error-statuses that mean "you may not do this", not "a query is already running".
_REFUSALS = {
    "noAccess", "notWritable", "authorizationError", "readOnly", "noSuchName",
    "wrongType", "wrongValue", "wrongLength", "noCreation", "inconsistentName",
}  # fmt: skip
# Date, then " ", "T", "," or " - " (HW-IMAPV1NORTHBOUND-TRAP-MIB 2010: "YYYY/MM/DD - hh:mm:ss"),
# the time, an optional fraction (".0"; ",5" only when no zone follows the comma), the zone.
_OCCUR_TIME = re.compile(
    r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:\s+-\s+|[ T,]+)(\d{1,2}):(\d{2}):(\d{2})"
    r"(?:\.(\d{1,6})|,(\d{1,6})(?![\d:]))?\s*(.*?)\s*$"
)
# "+08:00", "GMT+8", "UTC-05:30", "+0800", "-4:0" (DateAndTime's display form), "08:00".
_ZONE = re.compile(
    r"^(?:UTC|GMT)?\s*(?:([+-])(\d{1,2})(?::?(\d{1,2}))?|(\d{1,2}):(\d{2}))$", re.IGNORECASE
)


# --------------------------------------------------------------------------- decoding


def _text(value: SnmpValue | None) -> str:
    if value is None:
        return ""
    try:
        return bytes(value.asOctets()).decode("utf-8", errors="replace")
    except AttributeError:
        return str(value)


def _int(value: SnmpValue | None) -> int | None:
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        # Some NMS versions send enumerations as text ("2").
        text = _text(value).strip()
        return int(text) if text.isdigit() else None


def parse_occur_time(value: SnmpValue | str | bytes | None) -> datetime | None:
    """iMAP OccurTime / RestoreTime -> aware datetime, None if absent or unreadable.

    The iMAP MIB gives no format ("Occurrence time", an OCTET STRING).  Read: the forms the
    sibling Huawei northbound MIBs publish (HW-IMAPV1NORTHBOUND-TRAP-MIB 2006 "2003/03/14
    00:00:00"; 2010 "YYYY/MM/DD - hh:mm:ss", "...Z", "... - hh:mm:ss,hh:mmTZ[DST]"), the U2000
    NBI guide's "2005-10-14,17:41:04.0", ISO-like "2024-05-01 10:20:30 GMT+08:00" (what the lab
    sends), and an 8/11-octet SNMPv2-TC DateAndTime.  The zone: Z/UTC/GMT, or an offset
    (GMT+08:00, +0800, ",+08:00", "-4:0"); a DST flag is ignored (the offset is taken to hold it).
    A time without a zone is read as UTC (an assumption: the NMS may send its local time; the raw
    varbind is kept); one with a zone diag cannot read ("CST") gives None, not a guess.
    """
    if value is None:
        return None
    raw: bytes | None = None
    if isinstance(value, bytes):
        raw = value
    elif not isinstance(value, str):
        try:
            raw = bytes(value.asOctets())
        except AttributeError:
            raw = None
    text = value if isinstance(value, str) else (raw or b"").decode("utf-8", errors="replace")
    m = _OCCUR_TIME.match(text)
    if m is None:
        if raw is not None and len(raw) in (8, 11):
            try:
                return decode_date_and_time(raw)
            except ValueError:
                return None
        return None
    year, month, day, hour, minute, second = (int(g) for g in m.groups()[:6])
    micro = int((m.group(7) or m.group(8) or "0").ljust(6, "0"))
    zone_text = m.group(9).lstrip(",").strip()
    zone_text = re.sub(r"\s*DST$", "", zone_text, flags=re.IGNORECASE).strip()
    tz: timezone = UTC
    if zone_text and zone_text.upper() not in ("Z", "UTC", "GMT"):
        zm = _ZONE.match(zone_text)
        if zm is None:
            return None
        sign, hours, minutes = zm.group(1), zm.group(2) or zm.group(4), zm.group(3) or zm.group(5)
        delta = timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta > timedelta(hours=14):
            return None
        tz = timezone(-delta if sign == "-" else delta)
    try:
        return datetime(year, month, day, hour, minute, min(second, 59), micro, tzinfo=tz)
    except ValueError:
        return None


def parse_extend_info(text: str) -> dict[str, str]:
    """'Location=1-PQ1-3, Address=10.0.0.1' -> {'location': '1-PQ1-3', 'address': '10.0.0.1'}."""
    out: dict[str, str] = {}
    for part in re.split(r"[,;]", text):
        key, sep, value = part.partition("=")
        if sep and key.strip():
            out.setdefault(key.strip().lower(), value.strip())
    return out


def _columns(trap: Trap) -> dict[int, SnmpValue]:
    """Alarm varbinds by column; senders differ on whether the '.0' instance is present."""
    n = len(ALARM_OBJECTS)
    out: dict[int, SnmpValue] = {}
    for oid, value in trap.under(ALARM_OBJECTS).items():
        rest = oid[n:]
        if rest and rest[0] != 0 and (len(rest) == 1 or rest[1:] == (0,)):
            out[rest[0]] = value
    return out


@dataclass(frozen=True)
class ImapAlarm:
    """One Query trap, decoded."""

    csn: str
    ne: str
    port: str | None
    vendor_name: str
    alarm_id: int | None
    severity: Severity | None  # from AlarmLevel, None if absent
    raised: datetime | None
    cleared: bool
    received: datetime
    raw: dict[str, str]
    restored: datetime | None = None  # RestoreTime of a cleared alarm, when readable


def decode_alarm(trap: Trap) -> ImapAlarm:
    """The alarm a Query (or report) trap carries."""
    cols = _columns(trap)
    ne = (
        _text(cols.get(MO_NAME)).strip()
        or _text(cols.get(NE_DEV_ID)).strip()
        or (trap.source[0] if trap.source[0] else "?")  # noqa: FURB110
    )
    vendor_name = (
        _text(cols.get(PROBABLE_CAUSE)).strip() or _text(cols.get(SPECIFIC_PROBLEMS)).strip()
    )
    code = _int(cols.get(ALARM_ID))
    if not vendor_name:
        vendor_name = f"alarmID {code}" if code is not None else "?"
    port = None
    for column in (EXTEND_INFO, ADDITIONAL_INFO):
        port = parse_extend_info(_text(cols.get(column))).get("location") or None
        if port:
            break
    level = _int(cols.get(LEVEL))
    severity = LEVEL_SEVERITY.get(level) if level is not None else None
    cleared = (
        _int(cols.get(RESTORE)) == RESTORE_CLEARED
        or severity is Severity.cleared
        or _text(cols.get(CATEGORY)).strip() == CATEGORY_CLEAR
    )
    return ImapAlarm(
        csn=_text(cols.get(CSN)).strip(),
        ne=ne,
        port=port,
        vendor_name=vendor_name,
        alarm_id=code,
        severity=severity,
        raised=parse_occur_time(cols.get(OCCUR_TIME)),
        cleared=cleared,
        received=trap.received,
        raw=trap.raw,
        restored=parse_occur_time(cols.get(RESTORE_TIME)) if cleared else None,
    )


@dataclass(frozen=True)
class Heartbeat:
    """An iMAP heartbeat trap as received."""

    system_label: str
    period_s: int | None
    timestamp: str
    received: datetime
    source: tuple[str, int]


def decode_heartbeat(trap: Trap) -> Heartbeat:
    def col(n: int) -> SnmpValue | None:
        value = trap.get((*HEARTBEAT_OBJECTS, n, 0))
        return value if value is not None else trap.get((*HEARTBEAT_OBJECTS, n))

    return Heartbeat(
        system_label=_text(col(1)),
        period_s=_int(col(2)),
        timestamp=_text(col(3)),
        received=trap.received,
        source=trap.source,
    )
