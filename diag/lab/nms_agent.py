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
The OIDs (diag.lab.nms_tables, with the table builders mixed into NmsAgent) are written out
from the MIB text on purpose, independently of the collector's constants, so a wrong number on
either side shows up in the tests.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Mapping, Sequence
from typing import Any

from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto.rfc1902 import ObjectName
from pysnmp.smi import error as smi_error
from pysnmp.smi.instrum import AbstractMibInstrumController

from diag.collectors.alarms.normalize import table
from diag.credentials import LAB_SECRETS
from diag.lab.imap import IMAP_NORTHBOUND, ActiveAlarm, ImapNorthbound, ImapOptions
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_tables import (
    CLEAR_MAXIMUM,
    SEVERITY_TO_STATE,
    STATE_TO_ITU_SEVERITY,
    NmsTables,
    Oid,
    _Active,
    _Snapshot,
)
from diag.lab.snmp_engine import V2C_SECURITY_NAME, bind_udp, responder_engine

V3_USER = "diag-lab"


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


class NmsAgent(NmsTables):
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
