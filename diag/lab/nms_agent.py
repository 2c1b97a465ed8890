"""The lab NMS: a real SNMP agent (pysnmp command responder) serving RFC 3877 alarm tables.

It answers GET / GETNEXT / GETBULK over v2c and v3 authPriv from a sorted OID -> value snapshot,
rebuilt whenever the alarms change (`set_alarms`).  What it serves:

- SNMPv2-MIB system: sysDescr, sysObjectID, sysUpTime, sysName
- ENTITY-MIB entPhysicalTable: one chassis(3) per NE (entPhysicalName = NE name) and one
  port(10) entity per port, contained in its chassis (entPhysicalName = port name)
- ALARM-MIB: alarmModelTable, alarmActiveTable, alarmActiveStatsTable (+ scalars), and
  alarmClearTable (+ alarmClearMaximum) for the alarms a scenario gives a `cleared` time, all in
  the default alarm list (alarmListName ""); alarmModelDescription is the vendor alarm name
  (the state is in the ITU row's perceived severity), as the clear table has no description
- ITU-ALARM-MIB: ituAlarmTable (perceived severity, event type, probable cause per model
  row), ituAlarmActiveTable, ituAlarmActiveStatsTable
- SNMP-FRAMEWORK-MIB snmpEngineID (v3 trap receivers need the sender's engine ID)
- with `imap=ImapOptions(...)`: the Huawei iMAP northbound (diag.lab.imap) — SET on
  iMAPNorthboundAlarmQuery answered by QueryBegin / Query / QueryEnd traps, heartbeats

Index encodings (RFC 2578 §7.7; no IMPLIED anywhere in these MIBs):
  alarmActiveEntry  .<len(listName)=0>.<11>.<DateAndTime octets x11>.<alarmActiveIndex>
  alarmClearEntry   .<len(listName)=0>.<11>.<clear DateAndTime x11>.<alarmClearIndex>
  alarmModelEntry   .<0>.<alarmModelIndex>.<alarmModelState>
  ituAlarmEntry     .<0>.<alarmModelIndex>.<ituAlarmPerceivedSeverity>
  entPhysicalEntry  .<entPhysicalIndex>
The OIDs below are written out from the MIB text on purpose, independently of the collector's
constants, so a wrong number on either side shows up in the tests.
"""

from __future__ import annotations

import asyncio
import bisect
import ipaddress
import socket
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import cmdrsp, context
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
from pysnmp.smi import error as smi_error
from pysnmp.smi.instrum import AbstractMibInstrumController

from diag.collectors.alarms.normalize import (
    event_type_code,
    normalize,
    probable_cause_code,
    table,
)
from diag.collectors.snmp.client import encode_date_and_time
from diag.credentials import LAB_SECRETS
from diag.lab.imap import IMAP_NORTHBOUND, ActiveAlarm, ImapNorthbound, ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.snmp_engine import V2C_SECURITY_NAME, bind_udp, responder_engine

Oid = tuple[int, ...]

V3_USER = "diag-lab"
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


class _SnapshotInstrum(AbstractMibInstrumController):  # type: ignore[misc]
    """pysnmp MIB instrumentation reading the agent's current snapshot."""

    def __init__(self, agent: NmsAgent) -> None:
        self._agent = agent

    @staticmethod
    def _check_access(name: ObjectName, idx: int, ctx: dict[str, Any]) -> None:
        # The VACM check pysnmp's own controller makes: it refuses e.g. a v3 request without
        # privacy for the authPriv-only user.  Both views are the whole tree (1.3.6.1), so a
        # GETNEXT never has to skip an OID outside the view.
        ac = ctx.get("acFun")
        if ac is not None:
            ctx["idx"] = idx
            ac("read", (name, None), **ctx)

    def read_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[ObjectName, Any]]:
        snap = self._agent._snapshot
        out = []
        for i, (name, _) in enumerate(var_binds):
            oid = tuple(name)
            self._check_access(ObjectName(oid), i, ctx)
            out.append((ObjectName(oid), snap.get(oid)))
        return out

    def read_next_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[ObjectName, Any]]:
        snap = self._agent._snapshot
        out = []
        for i, (name, _) in enumerate(var_binds):
            oid, value = snap.next(tuple(name))
            self._check_access(ObjectName(oid), i, ctx)
            out.append((ObjectName(oid), value))
        return out

    def write_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[ObjectName, Any]]:
        # Only the iMAP northbound's scalars are writable; the SetCommandResponder that calls
        # this is registered only when the agent has one.
        imap = self._agent.imap
        bound = [(tuple(name), value) for name, value in var_binds]
        for i, (oid, value) in enumerate(bound):
            ac = ctx.get("acFun")
            if ac is not None:
                ctx["idx"] = i
                if ac("write", (ObjectName(oid), value), **ctx):
                    raise smi_error.NoAccessError(name=ObjectName(oid), idx=i)  # not in view
            if imap is None:
                raise smi_error.NotWritableError(name=ObjectName(oid), idx=i)
        assert imap is not None
        engine = ctx["snmpEngine"]
        # Who asked, and how: the traps answering a query go back with the same security.
        request = engine.observer.get_execution_context("rfc3412.receiveMessage:request")
        imap.write(bound, dict(request))
        return [(ObjectName(oid), value) for oid, value in bound]


@dataclass(frozen=True)
class _Active:
    """An alarm the agent holds: active, or cleared (alarm.cleared set) in the clear table."""

    index: int
    ne: str
    alarm: NeAlarm


class NmsAgent:
    """The lab NMS on UDP host:port, on the caller's running event loop.

    alarms: alarms per NE name (active, or cleared when they have a `cleared` time); ne_ports:
    every NE and its ports (entities exist even without alarms), a port named `<board>-<n>`
    inside its board when `ne_boards` names that board.  Port 0 picks a free port; read `.port`
    after start().
    """

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        alarms: Mapping[str, Sequence[NeAlarm]],
        ne_ports: Mapping[str, Sequence[str]],
        imap: ImapOptions | None = None,
        ne_boards: Mapping[str, Sequence[str]] | None = None,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        # The Huawei iMAP northbound, when this lab NMS speaks it (diag.lab.imap).
        self.imap = ImapNorthbound(name, imap) if imap is not None else None
        self._engine: SnmpEngine | None = None
        self._sock: socket.socket | None = None
        self._responders: list[cmdrsp.CommandResponderBase] = []
        self.requests = 0  # request PDUs received and answered
        self._started = time.monotonic()
        self._snapshot = _Snapshot().seal()
        # Indices stay stable across set_alarms(), as on a real agent.
        self._entities: dict[tuple[str, str | None], int] = {}
        self._boards: dict[str, list[str]] = {
            ne: list(dict.fromkeys(b)) for ne, b in (ne_boards or {}).items()
        }
        self._models: dict[str, int] = {}
        self._active_index: dict[tuple[str, str | None, str, str], int] = {}
        self._last_active_index = 0
        self._actives_total = 0
        self._itu_totals = dict.fromkeys(range(2, 7), 0)  # ituAlarmPerceivedSeverity -> count
        self._last_raise = 0
        self._last_clear = 0
        self._last_changed = 0
        self._active: list[_Active] = []
        self._cleared: list[_Active] = []
        for ne in sorted({*ne_ports, *self._boards}):
            self._entity(ne, None)
            for board in self._boards.get(ne, ()):
                self._entity(ne, board)
            for p in ne_ports.get(ne, ()):
                self._entity(ne, p)
        for alarm_name in table().names:
            self._model(alarm_name)
        self.set_alarms(alarms)

    # -- life cycle

    @property
    def running(self) -> bool:
        return self._engine is not None

    async def __aenter__(self) -> NmsAgent:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _bind(self) -> socket.socket:
        return bind_udp(
            self.host,
            self.port,
            f"NMS {self.name} (SNMP)",
            "check the NMS address in the scenario's inventory",
        )

    async def start(self) -> None:
        """Bind the UDP port and start answering."""
        if self._engine is not None:
            return
        sock = self._bind()
        self.port = sock.getsockname()[1]
        # With iMAP: the query/heartbeat scalars are writable and the traps need a notify view.
        write: Oid = IMAP_NORTHBOUND if self.imap is not None else ()
        notify: Oid = (1, 3, 6, 1) if self.imap is not None else ()
        engine = responder_engine(
            sock,
            f"{self.name}|{self.host}|{self.port}",
            LAB_SECRETS["nms-community"],
            V3_USER,
            LAB_SECRETS["nms-auth-key"],
            LAB_SECRETS["nms-priv-key"],
            write,
            notify,
        )

        snmp_context = context.SnmpContext(engine)
        snmp_context.unregister_context_name(b"")
        snmp_context.register_context_name(b"", _SnapshotInstrum(self))
        self._responders = [
            cmdrsp.GetCommandResponder(engine, snmp_context),
            cmdrsp.NextCommandResponder(engine, snmp_context),
            cmdrsp.BulkCommandResponder(engine, snmp_context),
        ]
        if self.imap is not None:
            self._responders.append(cmdrsp.SetCommandResponder(engine, snmp_context))
        # every request PDU it answers, counted (the sweep benchmark: one snapshot per NMS)
        engine.observer.register_observer(self._count, "rfc3412.receiveMessage:request")
        self._engine, self._sock = engine, sock
        self._rebuild()
        if self.imap is not None:
            self.imap.attach(engine, self._imap_alarms, self._uptime, V2C_SECURITY_NAME, V3_USER)

    async def stop(self) -> None:
        """Stop answering and release the UDP port (it can be bound again on return)."""
        engine, sock = self._engine, self._sock
        self._engine = self._sock = None
        if engine is None:
            return
        if self.imap is not None:
            await self.imap.detach()
        for responder in self._responders:
            responder.close(engine)
        self._responders = []
        engine.close_dispatcher()
        # asyncio closes the socket from a call_soon callback; wait for it, then make sure.
        for _ in range(100):
            if sock is None or sock.fileno() == -1:
                break
            await asyncio.sleep(0)
        if sock is not None and sock.fileno() != -1:
            sock.close()

    def _count(self, *_: Any) -> None:
        self.requests += 1

    # -- state

    def _uptime(self) -> int:
        return int((time.monotonic() - self._started) * 100)

    def _imap_alarms(self) -> list[ActiveAlarm]:
        # The ALARM-MIB active index doubles as the iMAP serial number (AlarmCSN).  The U2000's
        # current-alarm list also holds cleared alarms nobody acknowledged yet: they go out too,
        # flagged cleared (Restore = cleared(1), RestoreTime).
        held = sorted([*self._active, *self._cleared], key=lambda a: a.index)
        return [ActiveAlarm(a.index, a.ne, a.alarm, self._entities[(a.ne, None)]) for a in held]

    def board_of(self, ne: str, port: str) -> str | None:
        """The board entity a port sits in: the longest board name `port` starts with + '-'."""
        fits = [b for b in self._boards.get(ne, ()) if port != b and port.startswith(f"{b}-")]
        return max(fits, key=len) if fits else None

    def _entity(self, ne: str, port: str | None) -> int:
        key = (ne, port)
        if key not in self._entities:
            if port is not None:
                self._entity(ne, None)
                board = self.board_of(ne, port)
                if board is not None:
                    self._entity(ne, board)  # the container first, as a real agent numbers
            self._entities[key] = len(self._entities) + 1
        return self._entities[key]

    def _model(self, alarm_name: str) -> int:
        if alarm_name not in self._models:
            self._models[alarm_name] = len(self._models) + 1
        return self._models[alarm_name]

    def set_alarms(self, alarms: Mapping[str, Sequence[NeAlarm]]) -> None:
        """Replace the alarms (per NE name): active ones, and cleared ones (with a `cleared`
        time) for the clear table.  An alarm keeps its index while it stays; a cleared alarm's
        alarmClearIndex is the alarmActiveIndex it had (RFC 3877)."""
        now = self._uptime()
        active: list[_Active] = []
        cleared: list[_Active] = []
        seen: set[tuple[str, str | None, str, str]] = set()
        for ne in sorted(alarms):
            for alarm in sorted(alarms[ne], key=lambda a: (a.raised, a.port or "", a.name)):
                key = (ne, alarm.port, alarm.name, alarm.raised.isoformat())
                if key in seen:
                    continue
                seen.add(key)
                self._entity(ne, alarm.port)
                self._model(alarm.name)
                if key not in self._active_index:
                    # alarmActiveIndex: "strictly monotonically increasing" per list.
                    self._last_active_index += 1
                    self._active_index[key] = self._last_active_index
                    if alarm.cleared is None:
                        self._actives_total += 1
                        itu = STATE_TO_ITU_SEVERITY[SEVERITY_TO_STATE[alarm.severity]]
                        self._itu_totals[itu] += 1
                        self._last_raise = now
                held = _Active(self._active_index[key], ne, alarm)
                (active if alarm.cleared is None else cleared).append(held)
        if {a.index for a in self._active} - {a.index for a in active}:
            self._last_clear = now
        for key in set(self._active_index) - seen:
            del self._active_index[key]
        self._active = sorted(active, key=lambda a: a.index)
        # alarmClearMaximum: the earliest clear times leave first.
        cleared.sort(key=lambda a: (a.alarm.cleared, a.index))
        self._cleared = cleared[-CLEAR_MAXIMUM:]
        self._last_changed = now
        if self._engine is not None:
            self._rebuild()

    def _rebuild(self) -> None:
        snap = _Snapshot()
        self._system(snap)
        self._entity_table(snap)
        self._model_tables(snap)
        self._active_tables(snap)
        self._clear_table(snap)
        self._snapshot = snap.seal()

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
