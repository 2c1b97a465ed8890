"""NMS driver `huawei-imap`: active alarms from a Huawei iManager U2000 / NCE northbound.

The northbound is IMAP_NORTHBOUND_MIB-V1 (module I2000-V1; M2000-V2 in the corpus has the same
objects).  It has no alarm table to walk: the manager SETs the scalar iMAPNorthboundAlarmQuery
and the NMS *pushes* the active alarms as traps to the manager's registered trap address:

    SET  1.3.6.1.4.1.2011.2.15.2.4.1.5.0 = "1"        (iMAPNorthboundAlarmQuery)
    trap 1.3.6.1.4.1.2011.2.15.2.4.3.3.0.2           QueryBegin
    trap 1.3.6.1.4.1.2011.2.15.2.4.3.3.0.3  x N      Query, one per active alarm
    trap 1.3.6.1.4.1.2011.2.15.2.4.3.3.0.4           QueryEnd

So the driver starts a trap receiver on the inventory's `trap_listen` for the duration of the
query.  Outcomes:
- QueryEnd arrives: complete.
- QueryBegin (or Query traps) but no QueryEnd within `query_timeout_s`: what arrived is
  returned and the result is marked partial (`last_result_partial` / `last_result_note`, or
  `collect_with_status`), and the query is stopped with "0" so the NMS does not refuse the
  next one.
- nothing at all: CollectorTimeout naming the NMS and the trap target it must have registered.

Varbinds (…2.15.2.4.3.3.<n>, with or without the .0 instance): 1 AlarmCSN, 3 OccurTime,
4 MOName (the NE), 9 AlarmID, 11 AlarmLevel, 12 Restore (cleared 1 / uncleared 2), 15
RestoreTime, 27 ExtendInfo ("key=value, ..." location info; `Location=` gives the port),
28 Probablecause (the alarm name the U2000 client shows; normalised with names.yaml), 30
Specificproblems.  All varbinds are kept as raw evidence.  The U2000's current-alarm list also
holds cleared alarms nobody has acknowledged: a Query trap flagged cleared (Restore, AlarmLevel
cleared or Category Clear) becomes an observation with severity `cleared` and its RestoreTime.  The heartbeat trap
(…2.15.2.1.2.1.1.1.0.5) is recorded when it arrives; it proves traps reach us.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, set_cmd
from pysnmp.proto.rfc1902 import OctetString

from diag.collectors.alarms.normalize import normalize
from diag.collectors.snmp.client import (
    Oid,
    SnmpClient,
    SnmpTarget,
    SnmpValue,
    decode_date_and_time,
    oid_str,
)
from diag.collectors.snmp.traps import Trap, TrapReceiver, parse_listen
from diag.credentials import redact
from diag.errors import CollectorError, CollectorTimeout
from diag.model.inventory import Nms, SnmpVersion
from diag.model.observations import AlarmObservation, Severity

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
_OCCUR_TIME = re.compile(
    r"^\s*(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})[ T,]+(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?"
    r"\s*(.*?)\s*$"
)
_ZONE = re.compile(r"^(?:UTC|GMT)?\s*([+-])(\d{1,2})(?::?(\d{2}))?$", re.IGNORECASE)


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
    """iMAP OccurTime -> aware datetime, None if absent or unreadable.

    The MIB allows "yyyy-mm-dd hh:MM:ss %TZ [%DST]" and "yyyy-mm-dd hh:MM:ss"; the zone may be
    UTC/GMT/Z or an offset (GMT+08:00, +0800).  A time without a usable zone is read as UTC
    (the raw varbind is kept).  An 8/11-octet SNMPv2-TC DateAndTime is accepted too.
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
    micro = int((m.group(7) or "0").ljust(6, "0"))
    zone_text = re.sub(r"\s*\bDST\b\s*$", "", m.group(8), flags=re.IGNORECASE).strip()
    tz: timezone = UTC
    zm = _ZONE.match(zone_text)
    if zm is not None:
        delta = timedelta(hours=int(zm.group(2)), minutes=int(zm.group(3) or 0))
        tz = timezone(-delta if zm.group(1) == "-" else delta)
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
        or (trap.source[0] if trap.source[0] else "?")
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


# --------------------------------------------------------------------------- the query


@dataclass
class ImapQueryResult:
    """What one active-alarm query produced."""

    alarms: list[ImapAlarm] = field(default_factory=list)  # uncleared, deduplicated by CSN
    cleared: list[ImapAlarm] = field(default_factory=list)  # cleared, still listed; by CSN
    begun: bool = False
    ended: bool = False
    partial: bool = False
    note: str | None = None
    cleared_skipped: int = 0  # Query traps of cleared alarms (kept apart in `cleared`)
    reports: int = 0  # real-time alarm reports that arrived during the query (not used)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    duration_s: float = 0.0


@dataclass
class _Session:
    result: ImapQueryResult = field(default_factory=ImapQueryResult)
    by_csn: dict[str, ImapAlarm] = field(default_factory=dict)
    unnumbered: list[ImapAlarm] = field(default_factory=list)
    cleared_by_csn: dict[str, ImapAlarm] = field(default_factory=dict)
    cleared_unnumbered: list[ImapAlarm] = field(default_factory=list)
    query_traps: int = 0

    def feed(self, trap: Trap) -> None:
        oid = trap.trap_oid
        r = self.result
        if oid == QUERY_BEGIN_TRAP:
            r.begun = True
        elif oid == QUERY_TRAP:
            self.query_traps += 1
            alarm = decode_alarm(trap)
            if alarm.cleared:
                r.cleared_skipped += 1
                if alarm.csn:
                    self.cleared_by_csn[alarm.csn] = alarm
                else:
                    self.cleared_unnumbered.append(alarm)
            elif alarm.csn:
                self.by_csn[alarm.csn] = alarm  # a resent trap (inform retry) counts once
            else:
                self.unnumbered.append(alarm)
        elif oid == QUERY_END_TRAP:
            # QueryEnd carries no varbinds, so one before our QueryBegin may be the end of an
            # earlier, stopped query: it only counts after QueryBegin.  (A lost QueryBegin
            # then shows as a partial result, never as a falsely complete one.)
            if r.begun:
                r.ended = True
        elif oid == HEARTBEAT_TRAP:
            r.heartbeats.append(decode_heartbeat(trap))
        elif oid == REPORT_TRAP:
            r.reports += 1

    def finish(self) -> ImapQueryResult:
        self.result.alarms = [*self.by_csn.values(), *self.unnumbered]
        self.result.cleared = [*self.cleared_by_csn.values(), *self.cleared_unnumbered]
        return self.result


async def _set_query(client: SnmpClient, target: SnmpTarget, value: bytes) -> str | None:
    """SET iMAPNorthboundAlarmQuery.0; returns the agent's error-status name, None on success.

    Uses the client's engine, transport cache and in-flight cap (SnmpClient has no public
    SET yet); timeouts and v3 refusals raise exactly as the client's GETs do.
    """
    engine = client._bind()
    assert client._sem is not None
    auth = client._auth_for(target.settings)
    transport = await client._transport(target)
    s = target.settings
    deadline = s.timeout * (s.retries + 1) + 5.0
    var_bind = ObjectType(ObjectIdentity(oid_str(ALARM_QUERY_0)), OctetString(value))
    async with client._sem:
        try:
            err_ind, err_status, _, _ = await asyncio.wait_for(
                set_cmd(engine, auth.data, transport, auth.context, var_bind, lookupMib=False),
                deadline,
            )
        except TimeoutError as exc:
            raise CollectorTimeout(client._timeout_message(target, "set")) from exc
        except Exception as exc:  # pysnmp raises PySnmpError and friends for local faults
            raise CollectorError(
                redact(f"{target.name}: SNMP set failed: {exc}", auth.secrets)
            ) from exc
    if err_ind:
        client._raise_indication(target, "set", err_ind, auth)
    if err_status and int(err_status):
        return str(err_status.prettyPrint())
    return None


async def _start_query(client: SnmpClient, target: SnmpTarget, nms: Nms) -> None:
    status = await _set_query(client, target, QUERY_START)
    if status is None:
        return
    creds = "community" if nms.snmp.version is SnmpVersion.v2c else f"v3 user {nms.snmp.user!r}"
    if status in _REFUSALS:
        raise CollectorError(
            f"{target.name}: the NMS refused the SET on iMAPNorthboundAlarmQuery "
            f"({oid_str(ALARM_QUERY_0)}) with {status}. The {creds} needs write access to the "
            "iMAP northbound MIB (the active-alarm query is started by that SET)."
        )
    # Most likely "a query is already in progress" (the MIB says an error is returned then),
    # e.g. left over from an interrupted run: stop it and ask once more.
    await _set_query(client, target, QUERY_STOP)
    again = await _set_query(client, target, QUERY_START)
    if again is not None:
        raise CollectorError(
            f"{target.name}: the NMS refused to start an active-alarm query ({status}, then "
            f"{again} after stopping the previous one); another query is probably still "
            "running on the NMS. Try again in a minute."
        )


async def _stop_query(client: SnmpClient, target: SnmpTarget) -> None:
    """Best effort: without it the NMS may refuse the next query as 'still in progress'."""
    with contextlib.suppress(CollectorError):
        await _set_query(client, target, QUERY_STOP)


def _listen_words(listen: str) -> str:
    host, port = parse_listen(listen)
    if host in ("0.0.0.0", "::"):
        return f"this host's address, UDP port {port} (trap_listen {listen})"
    return f"UDP {listen}"


def _silence_message(
    nms: Nms, target: SnmpTarget, receiver: TrapReceiver, result: ImapQueryResult, v3_id: bool
) -> str:
    assert nms.trap_listen is not None
    s = nms.snmp
    creds = (
        f"v2c community ({s.community})"
        if s.version is SnmpVersion.v2c
        else f"v3 user {s.user!r} ({s.auth_protocol}/{s.priv_protocol})"
    )
    parts = [
        f"{target.name}: accepted the active-alarm query (SET iMAPNorthboundAlarmQuery = 1) "
        f"but no QueryBegin trap arrived within {nms.query_timeout_s:g} s. The NMS must have "
        f"{_listen_words(nms.trap_listen)} registered as a northbound trap target, using the "
        f"same {creds}; check also any firewall for UDP towards that port."
    ]
    rejected = receiver.rejected()
    if rejected:
        counts = ", ".join(f"{k}={v}" for k, v in sorted(rejected.items()))
        parts.append(
            f"Notifications did arrive but failed authentication ({counts}): the trap "
            "target's community or v3 user differs from the inventory's."
        )
    if result.heartbeats:
        parts.append(
            f"{len(result.heartbeats)} heartbeat trap(s) did arrive, so traps reach this host: "
            "the NMS did not start the query for this address."
        )
    if s.version is SnmpVersion.v3 and not v3_id:
        parts.append(
            "The NMS did not report its snmpEngineID, so v3 traps (not informs) from it "
            "cannot be authenticated here."
        )
    return " ".join(parts)


# One query at a time per trap_listen within an event loop: several circuits on the same NMS
# diagnosed at once (diagnose_many) would otherwise each bind the one trap port, and the NMS
# answers one query per requester at a time anyway.
_QUERY_LOCKS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, asyncio.Lock]] = (
    weakref.WeakKeyDictionary()
)


def _query_lock(listen: str) -> asyncio.Lock:
    locks = _QUERY_LOCKS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault(listen, asyncio.Lock())


async def query_active_alarms(client: SnmpClient, nms: Nms) -> ImapQueryResult:
    """Run one active-alarm query against the NMS (see module docstring); queries for the same
    trap_listen on one event loop wait for each other."""
    if not nms.trap_listen:
        raise CollectorError(
            f"NMS {nms.name}: driver huawei-imap needs 'trap_listen' (host:port where the NMS "
            "sends its traps) in the inventory"
        )
    async with _query_lock(nms.trap_listen):
        return await _query_active_alarms(client, nms)


async def _query_active_alarms(client: SnmpClient, nms: Nms) -> ImapQueryResult:
    assert nms.trap_listen is not None
    target = SnmpTarget.for_nms(nms)
    loop = asyncio.get_running_loop()
    started = loop.time()
    receiver = TrapReceiver(nms.trap_listen, [nms.snmp], label=f"NMS {nms.name} trap receiver")
    session = _Session()
    async with receiver:  # binds first: a busy trap_listen fails before any SNMP traffic
        v3_id = False
        if nms.snmp.version is SnmpVersion.v3:
            # A v3 trap is keyed to the sender's engine ID; informs would not need it.
            got = await client.get(target, [SNMP_ENGINE_ID_0])
            engine_id = got.get(oid_str(SNMP_ENGINE_ID_0))
            if engine_id is not None and _text(engine_id):
                receiver.add_engine_id(bytes(engine_id.asOctets()))
                v3_id = True
        await _start_query(client, target, nms)
        deadline = loop.time() + nms.query_timeout_s
        while not session.result.ended:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            try:
                trap = await receiver.get(remaining)
            except TimeoutError:
                break
            session.feed(trap)
        # Whatever already queued behind QueryEnd (reordered on the way) still counts.
        while (late := receiver.get_nowait()) is not None:
            session.feed(late)
        result = session.finish()
        result.duration_s = loop.time() - started
        if not result.ended:
            await _stop_query(client, target)
        if not result.begun and not session.query_traps:
            raise CollectorTimeout(_silence_message(nms, target, receiver, result, v3_id))
    if not result.ended:
        result.partial = True
        begin = "QueryBegin arrived" if result.begun else "QueryBegin was lost"
        result.note = (
            f"NMS {nms.name}: no QueryEnd within {nms.query_timeout_s:g} s of the active-alarm "
            f"query ({begin}, {session.query_traps} Query trap(s) received); the alarm list "
            "may be incomplete"
        )
    return result


# --------------------------------------------------------------------------- the driver


def to_observations(
    nms: Nms, alarms: Iterable[ImapAlarm], ne_names: set[str] | None
) -> list[AlarmObservation]:
    """Normalised observations, optionally only for `ne_names`, with stable ids."""
    keyed: list[tuple[tuple[Any, ...], AlarmObservation]] = []
    for a in alarms:
        if ne_names is not None and a.ne not in ne_names:
            continue
        meaning = normalize(a.vendor_name)
        obs = AlarmObservation(
            id="",
            collector=f"nms:{nms.name}",
            at=a.received,
            nms=nms.name,
            ne=a.ne,
            device=None,  # the runner maps NE names to inventory devices
            port=a.port,
            type=meaning.type,
            layer=meaning.layer,
            direction=meaning.direction,
            severity=Severity.cleared if a.cleared else a.severity or meaning.severity,
            probable_cause=meaning.probable_cause,
            raised=a.raised,
            cleared=a.restored if a.cleared else None,
            vendor_name=a.vendor_name,
            known=meaning.known,
            raw=a.raw,
        )
        key = (a.ne, a.port or "", a.vendor_name, a.cleared, a.raised or a.received, a.csn)
        keyed.append((key, obs))
    keyed.sort(key=lambda item: item[0])
    return [
        obs.model_copy(update={"id": f"alarm-{nms.name}-{n}"})
        for n, (_, obs) in enumerate(keyed, start=1)
    ]


class HuaweiImapDriver:
    """Reads an NMS's active alarms over the Huawei iMAP northbound (see module docstring).

    After `collect`, `last_result_partial` tells whether QueryEnd was missing (the list may be
    incomplete) and `last_result_note` says why; `last_result` has the details (heartbeats,
    cleared alarms skipped, ...).
    """

    name: ClassVar[str] = "huawei-imap"

    def __init__(self) -> None:
        self.last_result: ImapQueryResult | None = None

    @property
    def last_result_partial(self) -> bool:
        return self.last_result is not None and self.last_result.partial

    @property
    def last_result_note(self) -> str | None:
        return self.last_result.note if self.last_result is not None else None

    async def collect(
        self, client: SnmpClient, nms: Nms, ne_names: set[str] | None
    ) -> list[AlarmObservation]:
        """Active alarms of the NMS as observations, optionally only for `ne_names`."""
        self.last_result = None
        result = await query_active_alarms(client, nms)
        self.last_result = result
        return to_observations(nms, [*result.alarms, *result.cleared], ne_names)


async def collect(
    client: SnmpClient, nms: Nms, ne_names: set[str] | None = None
) -> list[AlarmObservation]:
    """Module-level form of HuaweiImapDriver().collect."""
    return await HuaweiImapDriver().collect(client, nms, ne_names)


async def collect_with_status(
    client: SnmpClient, nms: Nms, ne_names: set[str] | None = None
) -> tuple[list[AlarmObservation], bool, str | None]:
    """(observations, partial, note): partial when QueryEnd did not arrive in time."""
    driver = HuaweiImapDriver()
    alarms = await driver.collect(client, nms, ne_names)
    return alarms, driver.last_result_partial, driver.last_result_note
