"""The lab NMS's Huawei iMAP northbound (IMAP_NORTHBOUND_MIB-V1, module I2000-V1 / M2000-V2).

What a real iManager U2000 / NCE northbound does, and what the lab does:

- **Active-alarm query.**  The NMS-side manager SETs `iMAPNorthboundAlarmQuery`
  (1.3.6.1.4.1.2011.2.15.2.4.1.5, OCTET STRING) to "1"; the MIB text (M2000-V2 in the corpus):
  "Accepts only values 0 and 1 (single character) ... 1 -> starts query active alarm process
  (if previous query alarm process is in progress then error is returned); 0 -> stops the
  previous query active alarm process in progress (if any)".  The agent then sends
  QueryBegin (…4.3.3.0.2), one Query trap (…4.3.3.0.3) per active alarm with the same
  varbinds as the alarm report trap, and QueryEnd (…4.3.3.0.4; also sent when the query is
  stopped with "0").  The lab answers "1" during a query with commitFailed, the status the
  sibling HW-IMAPV1NORTHBOUND-TRAP-MIB documents for "a synchronization is already running".
- **Where the traps go.**  The value carries no address (unlike hwNm…SynchronizationCommandStart
  in HW-IMAPV1NORTHBOUND-TRAP-MIB, which takes "IP:port").  On U2000 the northbound NMSs (up to
  ten) are *registered* on the server with their trap address; query results go to the
  registered NMS that asked.  The lab does the same: `ImapOptions.trap_targets` are the
  registered "host:port" entries (the inventory's `trap_listen`), and a SET from source IP S
  is answered on every registered target whose host is S, or whose host is a wildcard
  (0.0.0.0 / ::, i.e. "diag listens on all addresses") at S:port.  A SET from an unregistered
  address is accepted and answered with nothing, which is what diag must then report.
  Traps use the security of the SET (v2c community, or the v3 user authPriv).
- **Heartbeat.**  `iMAPNorthboundHeartbeatNotificationType` (…2.15.2.1.2.1.1.1.0.5) with
  SystemLabel / Period / TimeStamp every `heartbeat_s` to every known target; the interval
  scalar …2.15.2.1.3.1.1 (3..300 s) is readable and writable, and a SET sends a heartbeat at
  once, as the MIB says.
- **What QueryBegin and QueryEnd carry: nothing.**  Both are NOTIFICATION-TYPEs without OBJECTS
  (M2000-V2; I2000-V1 / M2000-V1 as compiled by pysmi; Huawei's own trap reference lists
  "Field List: None" for QueryEnd): no count of the alarms, no serial range.  AlarmCSN is the
  alarm's serial number ("Alarm network number > 0"), one per alarm, not one per trap, and the
  active alarms' CSNs have gaps wherever an alarm cleared.  So the lab sends them bare, as a
  real NMS does, and a lost Query trap cannot show within one query: diag runs the query more
  than once and compares (diag.collectors.nms.huawei_imap).
- **Where the traps come from.**  The agent's own engine and socket (its `host`), as the
  NMS's SNMP agent would: diag accepts traps only from the NMS's address (or `trap_sources`).

From the MIB text (M2000-V2), checked against what the lab sends: the Query trap's OBJECTS
in their order (CSN, Category, OccurTime, MOName, ProductID, NEType, NEDevID, DevCsn, AlarmID,
AlarmType, AlarmLevel, Restore, Confirm, AckTime, RestoreTime, Operator, Paras1..10,
ExtendInfo, Probablecause, Proposedrepairactions, Specificproblems, ClearOperator,
AdditionalInfo, ServiceAffectFlag, ClearType, ClearCategory, ObjectInstanceType) with the '.0'
instance of a scalar; their SYNTAX (Integer32 / INTEGER / OCTET STRING); AlarmLevel
critical(1) major(2) minor(3) warning(4) cleared(6) (no value for indeterminate: the lab sends
warning(4)); AlarmType 1 power .. 11 OMC; Restore cleared(1) / uncleared(2); Category "1" fault.
Lab conventions the MIB leaves open (documented so the collector's decoder can be checked; diag
takes the same as assumptions, README "NMS drivers"): MOName = the NE name (the MIB: "Device
name", "Managed object name"); ExtendInfo = "Location=<port>" (the MIB: "extended information,
including the location information of the alarm", format not given; omitted for NE-level
alarms); Probablecause = the vendor alarm name the U2000 client shows; OccurTime =
"YYYY-MM-DD HH:MM:SS GMT+hh:mm" (the MIB: "Occurrence time", no format); AlarmID = a stable
number per alarm name; NEType = a number ("NE type > 0"); AlarmCSN = the alarm's active index.
A cleared alarm the scenario still lists (U2000's current-alarm list keeps cleared alarms until
someone acknowledges them) goes out with Restore = cleared(1), RestoreTime = its clear time in
the OccurTime form, ClearType "1" (normal clear) and its original AlarmLevel.
For tests: `drop_query_end` drops QueryEnd (a partial resync); `drop_query_traps` drops the
Query traps at those positions (1-based) of the queries `drop_in_queries` numbers (1-based, in
the order served; None: every query); `before_query_traps(n)` is awaited after query n's
QueryBegin, before its first Query trap (a test sends forged traps there).

The OIDs, options, alarm records and varbinds are in diag.lab.imap_wire (re-exported here);
this module is the agent side: SET handling, the queries, heartbeats and sending.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from pysnmp.carrier.asyncio.dgram import udp
from pysnmp.entity import config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import ntforg
from pysnmp.proto.rfc1902 import Integer32, ObjectName, OctetString, TimeTicks
from pysnmp.smi import error as smi_error

from diag.lab.imap_wire import (
    ALARM_QUERY,
    HEARTBEAT_INTERVAL,
    HEARTBEAT_OBJECTS,
    HEARTBEAT_TRAP,
    IMAP_NORTHBOUND,
    QUERY_BEGIN_TRAP,
    QUERY_END_TRAP,
    QUERY_TRAP,
    REPORT_TRAP,
    SNMP_TRAP_OID_0,
    SYS_UPTIME_0,
    ActiveAlarm,
    ImapOptions,
    Oid,
    QueryRecord,
    _utf8,
    alarm_id,
    format_occur_time,
    parse_target,
    query_varbinds,
)

_WILDCARDS = {"0.0.0.0", "::", "*"}  # noqa: S104
_INFORM_TIMEOUT_S = 1.0
_INFORM_RETRIES = 2


@dataclass
class _Security:
    version: Literal["v2c", "v3"]
    security_name: str


@dataclass
class _Query:
    record: QueryRecord
    security: _Security
    task: asyncio.Task[None] | None = None


@dataclass
class _Names:
    params: dict[str, str] = field(default_factory=dict)  # version -> params name
    notify: dict[tuple[tuple[str, int], str], str] = field(default_factory=dict)


class ImapNorthbound:
    """The iMAP northbound of one lab NMS agent; the agent calls in on SET and start/stop."""

    def __init__(self, name: str, options: ImapOptions) -> None:
        self.name = name
        self.options = options
        self.targets = [parse_target(t) for t in options.trap_targets]
        self.queries: list[QueryRecord] = []
        self.heartbeats_sent = 0
        self.heartbeat_s = options.heartbeat_s or 0.0
        self._engine: SnmpEngine | None = None
        self._alarms: Callable[[], Sequence[ActiveAlarm]] = list
        self._uptime: Callable[[], int] = lambda: 0
        self._v2c_name = ""
        self._v3_user = ""
        self._running: dict[str, _Query] = {}  # requester host -> query in progress
        self._known: dict[tuple[str, int], _Security] = {}  # heartbeat destinations
        self._names = _Names()
        self._heartbeat: asyncio.Task[None] | None = None
        self._originator = ntforg.NotificationOriginator()

    # -- life cycle (called by the agent)

    def attach(
        self,
        engine: SnmpEngine,
        alarms: Callable[[], Sequence[ActiveAlarm]],
        uptime: Callable[[], int],
        v2c_security_name: str,
        v3_user: str,
    ) -> None:
        """Start serving on the agent's engine (its socket sends the traps)."""
        self._engine = engine
        self._alarms, self._uptime = alarms, uptime
        self._v2c_name, self._v3_user = v2c_security_name, v3_user
        self._names = _Names()  # a fresh engine has no targets configured
        default = _Security(
            self.options.heartbeat_version,
            v3_user if self.options.heartbeat_version == "v3" else v2c_security_name,
        )
        self._known = {t: default for t in self.targets if t[0] not in _WILDCARDS}
        if self.heartbeat_s > 0:
            self._heartbeat = asyncio.get_running_loop().create_task(self._heartbeats())

    async def detach(self) -> None:
        """Stop heartbeats and queries; the agent closes the engine afterwards."""
        tasks = [q.task for q in self._running.values() if q.task is not None]
        if self._heartbeat is not None:
            tasks.append(self._heartbeat)
        self._heartbeat = None
        self._running.clear()
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._engine = None

    @property
    def querying(self) -> bool:
        return bool(self._running)

    # -- served objects

    def scalars(self) -> dict[Oid, Callable[[], Any]]:
        """Scalar OID (without .0) -> reader, for the agent's snapshot."""
        return {
            ALARM_QUERY: lambda: _utf8("1" if self._running else "0"),
            HEARTBEAT_INTERVAL: lambda: Integer32(round(self.heartbeat_s)),
        }

    def write(self, var_binds: Sequence[tuple[Oid, Any]], request: dict[str, Any]) -> None:
        """Apply a SET (all varbinds checked first, as SNMP requires); raises pysnmp SMI errors.

        request: pysnmp's execution context of the SET (transportAddress, securityModel, ...).
        """
        for i, (oid, value) in enumerate(var_binds):
            self._check(i, oid, value)
        for oid, value in var_binds:
            if oid == (*ALARM_QUERY, 0):
                if bytes(value) == b"1":
                    self._start_query(request)
                else:
                    self._stop_query(request)
            elif oid == (*HEARTBEAT_INTERVAL, 0):
                self.heartbeat_s = float(int(value))
                self._restart_heartbeat()

    def _check(self, i: int, oid: Oid, value: Any) -> None:
        name = ObjectName(oid)
        if oid == (*ALARM_QUERY, 0):
            if not isinstance(value, OctetString):
                raise smi_error.WrongTypeError(name=name, idx=i)
            if bytes(value) not in (b"0", b"1"):
                raise smi_error.WrongValueError(name=name, idx=i)
        elif oid == (*HEARTBEAT_INTERVAL, 0):
            if not isinstance(value, Integer32):
                raise smi_error.WrongTypeError(name=name, idx=i)
            if not 3 <= int(value) <= 300:
                raise smi_error.WrongValueError(name=name, idx=i)
        else:
            raise smi_error.NotWritableError(name=name, idx=i)

    # -- queries

    def _security(self, request: dict[str, Any]) -> _Security:
        if int(request.get("securityModel", 2)) == 3:
            return _Security("v3", str(request.get("securityName", self._v3_user)))
        return _Security("v2c", self._v2c_name)

    def destinations(self, requester_host: str) -> list[tuple[str, int]]:
        """Registered trap targets that a query from requester_host is answered on."""
        out: list[tuple[str, int]] = []
        for host, port in self.targets:
            if host in _WILDCARDS:
                out.append((requester_host, port))
            elif _same_host(host, requester_host):
                out.append((host, port))
        return list(dict.fromkeys(out))

    def _start_query(self, request: dict[str, Any]) -> None:
        addr = request.get("transportAddress") or ("", 0)
        requester = (str(addr[0]), int(addr[1]))
        if requester[0] in self._running:
            # Checked here, not in _check: it depends on who asks, and nothing is applied yet.
            raise smi_error.CommitFailedError(name=ObjectName((*ALARM_QUERY, 0)), idx=0)
        security = self._security(request)
        targets = self.destinations(requester[0])
        for t in targets:
            self._known[t] = security
        record = QueryRecord(requester, targets, security.version)
        self.queries.append(record)
        if not targets:
            return  # an unregistered NMS: accepted, answered with nothing (see module doc)
        query = _Query(record, security)
        self._running[requester[0]] = query
        query.task = asyncio.get_running_loop().create_task(self._run_query(requester[0], query))

    def _stop_query(self, request: dict[str, Any]) -> None:
        addr = request.get("transportAddress") or ("", 0)
        query = self._running.pop(str(addr[0]), None)
        if query is None:
            return  # "stops the previous query ... (if any)": nothing running is no error
        query.record.stopped = True
        if query.task is not None:
            query.task.cancel()
        # QueryEnd goes out now, before the SET's response: a new query the manager starts
        # next can then not be confused with this one's end.
        if not self.options.drop_query_end:
            self._send(query.record.targets, query.security, QUERY_END_TRAP, [])
            query.record.ended = True

    def _drops(self, number: int) -> set[int]:
        """Positions of the Query traps query `number` leaves out (tests)."""
        chosen = self.options.drop_in_queries
        if chosen is not None and number not in chosen:
            return set()
        return set(self.options.drop_query_traps)

    async def _run_query(self, key: str, query: _Query) -> None:
        record = query.record
        number = len(self.queries)
        drops = self._drops(number)
        try:
            # Let the SET's response leave first, as on a real agent.
            await asyncio.sleep(0)
            snapshot = list(self._alarms())
            await self._deliver(record.targets, query.security, QUERY_BEGIN_TRAP, [])
            if self.options.before_query_traps is not None:
                await self.options.before_query_traps(number)
            for position, a in enumerate(snapshot, start=1):
                # Yield between traps: a burst larger than the receiver's socket buffer would
                # be lost, and a receiver on this same loop needs turns to read.
                await asyncio.sleep(self.options.trap_gap_s)
                if position in drops:
                    record.dropped += 1
                    continue
                await self._deliver(record.targets, query.security, QUERY_TRAP, query_varbinds(a))
                record.sent += 1
            await asyncio.sleep(0)
            # The query is over once its end goes out: a new "1" from the manager that just
            # read QueryEnd (an inform it acknowledged) must not find it still running.
            if self._running.get(key) is query:
                del self._running[key]
            if not self.options.drop_query_end:
                await self._deliver(record.targets, query.security, QUERY_END_TRAP, [])
                record.ended = True
        finally:
            if self._running.get(key) is query:
                del self._running[key]

    # -- heartbeats

    def _restart_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        if self._engine is not None and self.heartbeat_s > 0:
            self.send_heartbeat()
            self._heartbeat = asyncio.get_running_loop().create_task(self._heartbeats())

    async def _heartbeats(self) -> None:
        while True:
            await asyncio.sleep(self.heartbeat_s)
            self.send_heartbeat()

    def send_heartbeat(self) -> None:
        """One heartbeat to every known destination."""
        now = datetime.now(UTC)
        h = HEARTBEAT_OBJECTS
        vbs: list[tuple[Oid, Any]] = [
            ((*h, 1, 0), _utf8(self.name)),  # SystemLabel
            ((*h, 2, 0), Integer32(max(1, round(self.heartbeat_s)))),  # Period (s)
            ((*h, 3, 0), _utf8(format_occur_time(now))),  # TimeStamp
        ]
        for dest, security in list(self._known.items()):
            self._send([dest], security, HEARTBEAT_TRAP, vbs)
        self.heartbeats_sent += 1

    # -- sending

    def _notify_name(self, dest: tuple[str, int], security: _Security) -> str:
        assert self._engine is not None
        key = (dest, security.version)
        name = self._names.notify.get(key)
        if name is not None:
            return name
        params = self._names.params.get(security.version)
        if params is None:
            params = f"imap-params-{security.version}"
            if security.version == "v3":
                config.add_target_parameters(
                    self._engine, params, security.security_name, "authPriv", 3
                )
            else:
                config.add_target_parameters(
                    self._engine, params, security.security_name, "noAuthNoPriv", 1
                )
            self._names.params[security.version] = params
        n = len(self._names.notify) + 1
        tag = f"imap-tag-{n}"
        config.add_target_address(
            self._engine,
            f"imap-addr-{n}",
            udp.DOMAIN_NAME,
            dest,
            params,
            timeout=int(_INFORM_TIMEOUT_S * 100),  # TimeInterval: hundredths of a second
            retryCount=_INFORM_RETRIES,
            tagList=tag,
        )
        name = f"imap-notify-{n}"
        config.add_notification_target(self._engine, name, params, tag, self.options.notify_type)
        self._names.notify[key] = name
        return name

    def _send(
        self,
        dests: Sequence[tuple[str, int]],
        security: _Security,
        trap_oid: Oid,
        var_binds: Sequence[tuple[Oid, Any]],
    ) -> list[asyncio.Future[Any]]:
        """Send now; for informs, one future per destination, done when acknowledged."""
        if self._engine is None:
            return []
        vbs = [
            (SYS_UPTIME_0, TimeTicks(self._uptime())),
            (SNMP_TRAP_OID_0, ObjectName(trap_oid)),
            *var_binds,
        ]
        loop = asyncio.get_running_loop()
        acks: list[asyncio.Future[Any]] = []
        for dest in dests:
            ack: asyncio.Future[Any] = loop.create_future()
            # Context name as bytes: VACM looks contexts up by octets, and "" is not b"".
            self._originator.send_varbinds(
                self._engine, self._notify_name(dest, security), None, b"", vbs, _acked, ack
            )
            if self.options.notify_type == "inform":
                acks.append(ack)
        return acks

    async def _deliver(
        self,
        dests: Sequence[tuple[str, int]],
        security: _Security,
        trap_oid: Oid,
        var_binds: Sequence[tuple[Oid, Any]],
    ) -> None:
        """Send, and for informs wait for the acknowledgements (or their timeout).

        One inform at a time keeps them in order: a burst sent while the v3 engine discovery
        of the first is still running gets retransmitted later, out of order.
        """
        acks = self._send(dests, security, trap_oid, var_binds)
        if acks:
            await asyncio.wait(acks, timeout=_INFORM_TIMEOUT_S * (_INFORM_RETRIES + 1) + 1)


def _acked(
    engine: Any, handle: Any, error: Any, status: Any, index: Any, vbs: Any, ack: Any
) -> None:
    """Notification outcome (pysnmp requires a callback for informs): resolve the future."""
    if isinstance(ack, asyncio.Future) and not ack.done():
        ack.set_result(error)


def _same_host(a: str, b: str) -> bool:
    try:
        return ipaddress.ip_address(a) == ipaddress.ip_address(b)
    except ValueError:
        return a == b


__all__ = [
    "ALARM_QUERY",
    "HEARTBEAT_INTERVAL",
    "HEARTBEAT_TRAP",
    "IMAP_NORTHBOUND",
    "QUERY_BEGIN_TRAP",
    "QUERY_END_TRAP",
    "QUERY_TRAP",
    "REPORT_TRAP",
    "ActiveAlarm",
    "ImapNorthbound",
    "ImapOptions",
    "QueryRecord",
    "alarm_id",
    "format_occur_time",
    "query_varbinds",
]
