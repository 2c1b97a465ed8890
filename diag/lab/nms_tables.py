"""The MIB tables the lab NMS serves, written out from the MIB text: OIDs, the snapshot they are
built into, and `NmsTables` (mixed into diag.lab.nms_agent.NmsAgent) that builds each table
from the agent's alarms and entities.  Index encodings: see diag.lab.nms_agent.
"""

from __future__ import annotations

import bisect
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pysnmp.entity.engine import SnmpEngine
from pysnmp.proto.rfc1902 import (
    Counter32,
    Gauge32,
    Integer32,
    ObjectName,
    OctetString,
    TimeTicks,
    Unsigned32,
)
from pysnmp.proto.rfc1905 import endOfMibView, noSuchInstance, noSuchObject

from diag.collectors.alarms.normalize import event_type_code, normalize, probable_cause_code
from diag.collectors.snmp.client import encode_date_and_time
from diag.lab.imap import ImapNorthbound
from diag.lab.ne_state import NeAlarm

Oid = tuple[int, ...]

_ZERO_DOT_ZERO: Oid = (0, 0)

# SNMPv2-MIB (RFC 3418)
SYS_DESCR: Oid = (1, 3, 6, 1, 2, 1, 1, 1)  # sysDescr
SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 2, 1, 1, 2)  # sysObjectID
SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3)  # sysUpTime
SYS_NAME: Oid = (1, 3, 6, 1, 2, 1, 1, 5)  # sysName
SNMP_ENGINE_ID: Oid = (1, 3, 6, 1, 6, 3, 10, 2, 1, 1)  # SNMP-FRAMEWORK-MIB snmpEngineID
# pysnmp's enterprise (20408): the lab agent is a pysnmp agent.
LAB_SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 4, 1, 20408, 1, 1)

# ENTITY-MIB (RFC 4133) entPhysicalEntry, columns .2 Descr .3 VendorType .4 ContainedIn .5 Class
# .6 ParentRelPos .7 Name .16 IsFRU
ENT_PHYSICAL_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1)
ENT_CLASS_CHASSIS = 3  # IANAPhysicalClass chassis(3)
ENT_CLASS_MODULE = 9  # IANAPhysicalClass module(9): a board
ENT_CLASS_PORT = 10  # IANAPhysicalClass port(10)

# ALARM-MIB (RFC 3877), alarmMIB = mib-2 118
ALARM_ACTIVE_STATE: Oid = (1, 3, 6, 1, 2, 1, 118, 0, 2)  # alarmActiveState notification
ALARM_CLEAR_STATE: Oid = (1, 3, 6, 1, 2, 1, 118, 0, 3)  # alarmClearState notification
ALARM_MODEL_LAST_CHANGED: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 1, 1)  # alarmModelLastChanged
ALARM_MODEL_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 1, 2, 1)  # alarmModelEntry, cols 3..10
ALARM_ACTIVE_LAST_CHANGED: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 2, 1)  # alarmActiveLastChanged
ALARM_ACTIVE_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 2, 2, 1)  # alarmActiveEntry, cols 4..14
ALARM_ACTIVE_STATS_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 2, 4, 1)  # alarmActiveStatsEntry
ALARM_ACTIVE_OVERFLOW: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 2, 5)  # alarmActiveOverflow
ALARM_CLEAR_MAXIMUM: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 3, 1)  # alarmClearMaximum
ALARM_CLEAR_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 118, 1, 3, 2, 1)  # alarmClearEntry, cols 3..10
CLEAR_MAXIMUM = 1000  # cleared alarms the lab keeps (alarmClearMaximum)

# ITU-ALARM-MIB (RFC 3877), ituAlarmMIB = mib-2 121
ITU_ALARM_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 121, 1, 1, 1, 1)  # ituAlarmEntry, cols 2..5
ITU_ALARM_ACTIVE_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 121, 1, 2, 1, 1)  # ituAlarmActiveEntry 1..4
ITU_ALARM_ACTIVE_STATS_ENTRY: Oid = (1, 3, 6, 1, 2, 1, 121, 1, 2, 2, 1)  # 1..10

# alarmModelState <-> ituAlarmPerceivedSeverity, from the ituAlarmEntry DESCRIPTION.
SEVERITY_TO_STATE = {"indeterminate": 2, "warning": 3, "minor": 4, "major": 5, "critical": 6}
STATE_TO_ITU_SEVERITY = {1: 1, 2: 2, 3: 6, 4: 5, 5: 4, 6: 3}
ITU_TREND_NO_CHANGE = 2  # ItuTrendIndication noChange(2)
ROW_STATUS_ACTIVE = 1


def _utf8(text: str) -> OctetString:
    """Text as an SNMP OCTET STRING in UTF-8 (SnmpAdminString): pyasn1 would refuse non-Latin-1
    text, and real NMSs write alarm names and descriptions in Chinese."""
    return OctetString(text.encode("utf-8"))


def _string_index(text: str) -> Oid:
    raw = text.encode("utf-8")
    return (len(raw), *raw)


DEFAULT_LIST: Oid = _string_index("")  # alarmListName "" -> (0,)


@dataclass(frozen=True)
class _Dynamic:
    """A value computed when read (sysUpTime)."""

    read: Callable[[], Any]


@dataclass
class _Snapshot:
    """Sorted OID -> value map the instrumentation answers from."""

    values: dict[Oid, Any] = field(default_factory=dict)
    objects: set[Oid] = field(default_factory=set)  # scalar / column OIDs (no instance part)
    keys: list[Oid] = field(default_factory=list)

    def scalar(self, oid: Oid, value: Any) -> None:
        self.objects.add(oid)
        self.values[(*oid, 0)] = value

    def cell(self, entry: Oid, column: int, index: Oid, value: Any) -> None:
        self.objects.add((*entry, column))
        self.values[(*entry, column, *index)] = value

    def seal(self) -> _Snapshot:
        self.keys = sorted(self.values)
        return self

    def get(self, oid: Oid) -> Any:
        value = self.values.get(oid)
        if value is None:
            known = any(oid[: len(obj)] == obj for obj in self.objects if len(obj) < len(oid))
            return noSuchInstance if known else noSuchObject
        return value.read() if isinstance(value, _Dynamic) else value

    def next(self, oid: Oid) -> tuple[Oid, Any]:
        i = bisect.bisect_right(self.keys, oid)
        if i >= len(self.keys):
            return oid, endOfMibView
        nxt = self.keys[i]
        return nxt, self.get(nxt)


@dataclass(frozen=True)
class _Active:
    """An alarm the agent holds: active, or cleared (alarm.cleared set) in the clear table."""

    index: int
    ne: str
    alarm: NeAlarm


class NmsTables:
    """Each table of the snapshot, from the agent's state (kept by diag.lab.nms_agent.NmsAgent)."""

    name: str
    host: str
    imap: ImapNorthbound | None
    _engine: SnmpEngine | None
    _entities: dict[tuple[str, str | None], int]
    _boards: dict[str, list[str]]
    _models: dict[str, int]
    _active: list[_Active]
    _cleared: list[_Active]
    _actives_total: int
    _itu_totals: dict[int, int]
    _last_raise: int
    _last_clear: int
    _last_changed: int

    if TYPE_CHECKING:

        def _uptime(self) -> int: ...

        def board_of(self, ne: str, port: str) -> str | None: ...

    def _system(self, snap: _Snapshot) -> None:
        snap.scalar(SYS_DESCR, _utf8(f"diag lab NMS {self.name}: RFC 3877 alarm northbound"))
        snap.scalar(SYS_OBJECT_ID, ObjectName(LAB_SYS_OBJECT_ID))
        snap.scalar(SYS_UPTIME, _Dynamic(lambda: TimeTicks(self._uptime())))
        snap.scalar(SYS_NAME, _utf8(self.name))
        if self._engine is not None:
            (engine_id,) = self._engine.get_mib_builder().import_symbols(
                "__SNMP-FRAMEWORK-MIB", "snmpEngineID"
            )
            snap.scalar(SNMP_ENGINE_ID, OctetString(bytes(engine_id.syntax)))
        if self.imap is not None:
            for oid, read in self.imap.scalars().items():
                snap.scalar(oid, _Dynamic(read))

    def _entity_table(self, snap: _Snapshot) -> None:
        positions: dict[int, int] = {}  # container entity -> children so far
        for (ne, port), idx in sorted(self._entities.items(), key=lambda kv: kv[1]):
            i = (idx,)
            e = ENT_PHYSICAL_ENTRY
            if port is None:
                snap.cell(e, 2, i, _utf8(f"{ne} chassis"))
                snap.cell(e, 3, i, ObjectName(_ZERO_DOT_ZERO))
                snap.cell(e, 4, i, Integer32(0))
                snap.cell(e, 5, i, Integer32(ENT_CLASS_CHASSIS))
                snap.cell(e, 6, i, Integer32(-1))
                snap.cell(e, 7, i, _utf8(ne))
                snap.cell(e, 16, i, Integer32(2))  # TruthValue false
                continue
            is_board = port in self._boards.get(ne, ())
            board = None if is_board else self.board_of(ne, port)
            parent = self._entities[(ne, board)] if board else self._entities[(ne, None)]
            positions[parent] = positions.get(parent, 0) + 1
            what = "board" if is_board else "port"
            snap.cell(e, 2, i, _utf8(f"{ne} {what} {port}"))
            snap.cell(e, 3, i, ObjectName(_ZERO_DOT_ZERO))
            snap.cell(e, 4, i, Integer32(parent))
            snap.cell(e, 5, i, Integer32(ENT_CLASS_MODULE if is_board else ENT_CLASS_PORT))
            snap.cell(e, 6, i, Integer32(positions[parent]))
            snap.cell(e, 7, i, _utf8(port))
            snap.cell(e, 16, i, Integer32(1 if is_board else 2))  # a board is replaceable

    def _model_states(self) -> dict[str, set[int]]:
        states: dict[str, set[int]] = {}
        for alarm_name in self._models:
            default = normalize(alarm_name).severity.value
            states[alarm_name] = {1, SEVERITY_TO_STATE.get(default, 2)}
        for a in self._active:
            states[a.alarm.name].add(SEVERITY_TO_STATE[a.alarm.severity])
        return states

    def _model_tables(self, snap: _Snapshot) -> None:
        snap.scalar(ALARM_MODEL_LAST_CHANGED, TimeTicks(0))
        for alarm_name, states in sorted(
            self._model_states().items(), key=lambda kv: self._models[kv[0]]
        ):
            model = self._models[alarm_name]
            meaning = normalize(alarm_name)
            cause = probable_cause_code(meaning.probable_cause or "other")
            event = event_type_code(meaning.event_type)
            for state in sorted(states):
                itu = STATE_TO_ITU_SEVERITY[state]
                m_idx = (*DEFAULT_LIST, model, state)
                i_idx = (*DEFAULT_LIST, model, itu)
                m = ALARM_MODEL_ENTRY
                snap.cell(
                    m, 3, m_idx, ObjectName(ALARM_CLEAR_STATE if state == 1 else ALARM_ACTIVE_STATE)
                )
                snap.cell(m, 4, m_idx, Unsigned32(0))
                snap.cell(m, 5, m_idx, Integer32(0))
                # The alarm's name for every state: a cleared alarm's row in alarmClearTable has
                # no description of its own, so this is where its name is read.
                snap.cell(m, 6, m_idx, _utf8(alarm_name))
                # RowPointer to the first accessible column of the ITU row (ituAlarmEventType).
                snap.cell(m, 7, m_idx, ObjectName((*ITU_ALARM_ENTRY, 2, *i_idx)))
                snap.cell(m, 8, m_idx, ObjectName(_ZERO_DOT_ZERO))
                snap.cell(m, 9, m_idx, ObjectName(_ZERO_DOT_ZERO))
                snap.cell(m, 10, m_idx, Integer32(ROW_STATUS_ACTIVE))
                t = ITU_ALARM_ENTRY
                snap.cell(t, 2, i_idx, Integer32(event))
                snap.cell(t, 3, i_idx, Integer32(cause))
                snap.cell(t, 4, i_idx, _utf8(meaning.text or alarm_name))
                snap.cell(t, 5, i_idx, ObjectName((*ALARM_MODEL_ENTRY, 3, *m_idx)))

    def _engine_address(self) -> tuple[int, bytes]:
        try:
            addr = ipaddress.ip_address(self.host)
        except ValueError:
            return 0, b""  # InetAddressType unknown(0)
        return (1 if addr.version == 4 else 2), addr.packed  # ipv4(1) / ipv6(2)

    def _engine_id(self) -> bytes:
        """This agent's snmpEngineID (the alarm tables' index starts with it), b"" unstarted."""
        if self._engine is None:
            return b""
        (snmp_engine_id,) = self._engine.get_mib_builder().import_symbols(
            "__SNMP-FRAMEWORK-MIB", "snmpEngineID"
        )
        return bytes(snmp_engine_id.syntax)

    def _active_tables(self, snap: _Snapshot) -> None:
        engine_id = self._engine_id()
        addr_type, addr = self._engine_address()
        current = dict.fromkeys(range(2, 7), 0)
        for a in self._active:
            state = SEVERITY_TO_STATE[a.alarm.severity]
            itu = STATE_TO_ITU_SEVERITY[state]
            current[itu] += 1
            model = self._models[a.alarm.name]
            when = encode_date_and_time(a.alarm.raised)
            idx = (*DEFAULT_LIST, len(when), *when, a.index)
            resource = (*ENT_PHYSICAL_ENTRY, 7, self._entities[(a.ne, a.alarm.port)])
            e = ALARM_ACTIVE_ENTRY
            snap.cell(e, 4, idx, OctetString(engine_id))
            snap.cell(e, 5, idx, Integer32(addr_type))
            snap.cell(e, 6, idx, OctetString(addr))
            snap.cell(e, 7, idx, OctetString(b""))
            snap.cell(e, 8, idx, Unsigned32(0))
            snap.cell(e, 9, idx, ObjectName(ALARM_ACTIVE_STATE))
            snap.cell(e, 10, idx, ObjectName(resource))
            # The lab's NMS writes the vendor alarm name as the description (what the
            # collector normalises); real NMSs write free text here.
            snap.cell(e, 11, idx, _utf8(a.alarm.name))
            snap.cell(e, 12, idx, ObjectName(_ZERO_DOT_ZERO))
            snap.cell(e, 13, idx, ObjectName((*ALARM_MODEL_ENTRY, 3, *DEFAULT_LIST, model, state)))
            snap.cell(e, 14, idx, ObjectName((*ITU_ALARM_ACTIVE_ENTRY, 1, *idx)))
            t = ITU_ALARM_ACTIVE_ENTRY
            snap.cell(t, 1, idx, Integer32(ITU_TREND_NO_CHANGE))
            for column in (2, 3, 4):
                snap.cell(t, column, idx, ObjectName(_ZERO_DOT_ZERO))
        snap.scalar(ALARM_ACTIVE_LAST_CHANGED, TimeTicks(self._last_changed))
        snap.scalar(ALARM_ACTIVE_OVERFLOW, Counter32(0))
        s = ALARM_ACTIVE_STATS_ENTRY
        snap.cell(s, 1, DEFAULT_LIST, Gauge32(len(self._active)))
        snap.cell(s, 2, DEFAULT_LIST, Gauge32(self._actives_total))  # ZeroBasedCounter32
        snap.cell(s, 3, DEFAULT_LIST, TimeTicks(self._last_raise))
        snap.cell(s, 4, DEFAULT_LIST, TimeTicks(self._last_clear))
        # ituAlarmActiveStatsEntry: .1-.5 current per severity, .6-.10 totals since restart,
        # both in the order indeterminate, critical, major, minor, warning.
        order = (2, 3, 4, 5, 6)
        t = ITU_ALARM_ACTIVE_STATS_ENTRY
        for offset, itu in enumerate(order):
            snap.cell(t, 1 + offset, DEFAULT_LIST, Gauge32(current[itu]))
            snap.cell(t, 6 + offset, DEFAULT_LIST, Gauge32(self._itu_totals[itu]))

    def _clear_table(self, snap: _Snapshot) -> None:
        """alarmClearTable: the cleared alarms, indexed by their clear time."""
        engine_id = self._engine_id()
        addr_type, addr = self._engine_address()
        snap.scalar(ALARM_CLEAR_MAXIMUM, Unsigned32(CLEAR_MAXIMUM))
        for a in self._cleared:
            assert a.alarm.cleared is not None
            model = self._models[a.alarm.name]
            when = encode_date_and_time(a.alarm.cleared)
            idx = (*DEFAULT_LIST, len(when), *when, a.index)
            resource = (*ENT_PHYSICAL_ENTRY, 7, self._entities[(a.ne, a.alarm.port)])
            e = ALARM_CLEAR_ENTRY
            snap.cell(e, 3, idx, OctetString(engine_id))
            snap.cell(e, 4, idx, Integer32(addr_type))
            snap.cell(e, 5, idx, OctetString(addr))
            snap.cell(e, 6, idx, OctetString(b""))
            snap.cell(e, 7, idx, ObjectName(ALARM_CLEAR_STATE))
            snap.cell(e, 8, idx, ObjectName(resource))
            snap.cell(e, 9, idx, Unsigned32(0))
            # The model's clear state (alarmModelState 1): its ITU row says severity cleared(1).
            snap.cell(e, 10, idx, ObjectName((*ALARM_MODEL_ENTRY, 3, *DEFAULT_LIST, model, 1)))
