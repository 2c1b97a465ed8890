"""What the lab's Huawei iMAP northbound is configured with and puts on the wire: the MIB's
OIDs and codes, `ImapOptions`, the alarms it holds (`ActiveAlarm`), the queries it served
(`QueryRecord`), and each alarm's Query/report trap varbinds.  The agent is diag.lab.imap.
"""

from __future__ import annotations

import zlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from pysnmp.proto.rfc1902 import Integer32, OctetString

from diag.collectors.alarms.normalize import normalize
from diag.lab.ne_state import NeAlarm

Oid = tuple[int, ...]

# IMAP_NORTHBOUND_MIB-V1 (I2000-V1 / M2000-V2), enterprise 2011 (Huawei)
IMAP_NORTHBOUND: Oid = (1, 3, 6, 1, 4, 1, 2011, 2, 15, 2)  # iMAPNorthbound
ALARM_QUERY: Oid = (*IMAP_NORTHBOUND, 4, 1, 5)  # iMAPNorthboundAlarmQuery (scalar)
HEARTBEAT_INTERVAL: Oid = (*IMAP_NORTHBOUND, 1, 3, 1, 1)  # …HeartbeatSvcReportInterval
HEARTBEAT_OBJECTS: Oid = (*IMAP_NORTHBOUND, 1, 2, 1, 1, 1)  # iMAPNorthboundHeartbeatNotification
HEARTBEAT_TRAP: Oid = (*HEARTBEAT_OBJECTS, 0, 5)  # iMAPNorthboundHeartbeatNotificationType
ALARM_OBJECTS: Oid = (*IMAP_NORTHBOUND, 4, 3, 3)  # iMAPNorthboundFaultAlarmNotification
REPORT_TRAP: Oid = (*ALARM_OBJECTS, 0, 1)  # …FaultAlarmReportNotificationType
QUERY_BEGIN_TRAP: Oid = (*ALARM_OBJECTS, 0, 2)  # …FaultAlarmQueryBeginNotificationType
QUERY_TRAP: Oid = (*ALARM_OBJECTS, 0, 3)  # …FaultAlarmQueryNotificationType
QUERY_END_TRAP: Oid = (*ALARM_OBJECTS, 0, 4)  # …FaultAlarmQueryEndNotificationType
SYS_UPTIME_0: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)
SNMP_TRAP_OID_0: Oid = (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0)

# iMAPNorthboundAlarmLevel: critical(1) major(2) minor(3) warning(4) cleared(6).  The MIB has no
# value for indeterminate (I2000-V1 constrains the level to 1, 2, 3, 4, 6): sent as warning.
LEVEL = {"critical": 1, "major": 2, "minor": 3, "warning": 4, "indeterminate": 4}
# iMAPNorthboundAlarmType (M2000-V2 text): 1 power, 2 environment, 3 signaling, 4 trunk,
# 5 hardware, 6 software, 7 running, 8 communication, 9 QoS, 10 processing error, 11 OMC.
ALARM_TYPE = {
    "communicationsAlarm": 8,
    "qualityOfServiceAlarm": 9,
    "processingErrorAlarm": 10,
    "equipmentAlarm": 5,
    "environmentalAlarm": 2,
}
PRODUCT_TRANSMISSION = 1  # iMAPNorthboundAlarmProductID transmission(1)
RESTORE_CLEARED = 1  # iMAPNorthboundAlarmRestore cleared(1)
RESTORE_UNCLEARED = 2  # iMAPNorthboundAlarmRestore uncleared(2)
CONFIRM_UNACKNOWLEDGED = 2  # iMAPNorthboundAlarmConfirm unacknowledged(2)


def _utf8(text: str) -> OctetString:
    """Text as an SNMP OCTET STRING in UTF-8 (SnmpAdminString): pyasn1 would refuse non-Latin-1
    text, and real NMSs write alarm names and descriptions in Chinese."""
    return OctetString(text.encode("utf-8"))


@dataclass
class ImapOptions:
    """How the lab NMS's iMAP northbound behaves (see module docstring)."""

    trap_targets: Sequence[str] = ()  # registered "host:port" trap destinations
    heartbeat_s: float | None = 60.0  # None or 0: no heartbeats
    notify_type: Literal["trap", "inform"] = "trap"
    # Security for heartbeats to registered targets no query has come from yet.
    heartbeat_version: Literal["v2c", "v3"] = "v2c"
    drop_query_end: bool = False  # tests: simulate a resync that never finishes
    drop_query_traps: Sequence[int] = ()  # tests: Query traps (1-based positions) never sent
    drop_in_queries: Sequence[int] | None = None  # ... in these queries (1-based); None: all
    # tests: awaited with the query's number after its QueryBegin, before its Query traps
    before_query_traps: Callable[[int], Awaitable[None]] | None = None
    trap_gap_s: float = 0.0  # pause between Query traps (0: just yield to the loop)


@dataclass(frozen=True)
class ActiveAlarm:
    """An alarm the agent holds, with the serial number it carries northbound."""

    csn: int
    ne: str
    alarm: NeAlarm
    ne_id: int = 0


@dataclass
class QueryRecord:
    """One active-alarm query the lab served (for tests and `lab status`)."""

    requester: tuple[str, int]
    targets: list[tuple[str, int]]
    version: str
    sent: int = 0  # Query traps sent
    dropped: int = 0  # Query traps left out (drop_query_traps)
    ended: bool = False  # QueryEnd sent
    stopped: bool = False  # stopped by a SET "0"


def parse_target(text: str) -> tuple[str, int]:
    """'host:port' / '[v6]:port' -> (host, port)."""
    host, sep, port = text.strip().rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError(f"trap target {text!r}: write host:port")
    return host.strip("[]"), int(port)


def format_occur_time(when: datetime) -> str:
    """'YYYY-MM-DD HH:MM:SS GMT+hh:mm' (naive times are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{when:%Y-%m-%d %H:%M:%S} GMT{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def alarm_id(name: str) -> int:
    """A stable positive Integer32 per alarm name (the lab has no Huawei alarm code table)."""
    return zlib.crc32(name.encode("utf-8")) & 0x7FFFFFFF


def query_varbinds(a: ActiveAlarm) -> list[tuple[Oid, Any]]:
    """The Query/report trap varbinds for one alarm, in the MIB's OBJECTS order."""
    alarm = a.alarm
    meaning = normalize(alarm.name)
    level = LEVEL[alarm.severity]
    location = f"Location={alarm.port}" if alarm.port else ""
    cleared = alarm.cleared
    o = ALARM_OBJECTS
    vbs: list[tuple[Oid, Any]] = [
        ((*o, 1, 0), _utf8(str(a.csn))),  # AlarmCSN
        ((*o, 2, 0), OctetString("1")),  # Category: fault
        ((*o, 3, 0), _utf8(format_occur_time(alarm.raised))),  # OccurTime
        ((*o, 4, 0), _utf8(a.ne)),  # MOName
        ((*o, 5, 0), Integer32(PRODUCT_TRANSMISSION)),  # ProductID
        ((*o, 6, 0), _utf8("1")),  # NEType: "NE type > 0" (a type ID)
        ((*o, 7, 0), _utf8(f"NE={a.ne_id}")),  # NEDevID
        ((*o, 8, 0), _utf8(str(a.csn))),  # DevCsn
        ((*o, 9, 0), Integer32(alarm_id(alarm.name))),  # AlarmID
        ((*o, 10, 0), Integer32(ALARM_TYPE.get(meaning.event_type, 7))),  # AlarmType
        ((*o, 11, 0), Integer32(level)),  # AlarmLevel
        ((*o, 12, 0), Integer32(RESTORE_CLEARED if cleared else RESTORE_UNCLEARED)),  # Restore
        ((*o, 13, 0), Integer32(CONFIRM_UNACKNOWLEDGED)),  # Confirm
        ((*o, 14, 0), OctetString("")),  # AckTime
        ((*o, 15, 0), _utf8(format_occur_time(cleared) if cleared else "")),  # RestoreTime
        ((*o, 16, 0), OctetString("")),  # Operator
    ]
    vbs += [((*o, n, 0), Integer32(0)) for n in range(17, 26)]  # Paras1..9 (reserved)
    vbs += [
        ((*o, 26, 0), Integer32(level)),  # Paras10: original level
        ((*o, 27, 0), _utf8(location)),  # ExtendInfo
        ((*o, 28, 0), _utf8(alarm.name)),  # Probablecause: the alarm name
        ((*o, 29, 0), OctetString("")),  # Proposedrepairactions
        ((*o, 30, 0), _utf8(alarm.description or meaning.text or "")),  # Specificproblems
        ((*o, 46, 0), OctetString("")),  # ClearOperator
        ((*o, 51, 0), _utf8(alarm.description or "")),  # AdditionalInfo
        ((*o, 50, 0), OctetString("1")),  # ServiceAffectFlag
        ((*o, 49, 0), _utf8("1" if cleared else "0")),  # ClearType: normal / not cleared
        ((*o, 48, 0), OctetString("1")),  # ClearCategory: auto-clearing
        ((*o, 47, 0), _utf8("Port" if alarm.port else "NE")),  # ObjectInstanceType
    ]
    return vbs
