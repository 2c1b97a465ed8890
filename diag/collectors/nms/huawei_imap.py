"""NMS driver `huawei-imap`: active alarms from a Huawei iManager U2000 / NCE northbound.

The northbound is IMAP_NORTHBOUND_MIB (module I2000-V1; M2000-V2 in the corpus has the same
objects).  It has no alarm table to walk: the manager SETs the scalar iMAPNorthboundAlarmQuery
and the NMS *pushes* the active alarms as traps to the manager's registered trap address:

    SET  1.3.6.1.4.1.2011.2.15.2.4.1.5.0 = "1"        (iMAPNorthboundAlarmQuery)
    trap 1.3.6.1.4.1.2011.2.15.2.4.3.3.0.2           QueryBegin (no varbinds)
    trap 1.3.6.1.4.1.2011.2.15.2.4.3.3.0.3  x N      Query, one per active alarm
    trap 1.3.6.1.4.1.2011.2.15.2.4.3.3.0.4           QueryEnd (no varbinds)

So the driver listens on the inventory's `trap_listen` for the duration of the query: in one
process, one receiver per listen address, shared by the queries of every NMS that sends there,
and one query per NMS at a time, concurrent collects sharing its result
(diag.collectors.nms.imap_listen).  Which traps it reads:
- only those from the NMS's `trap_sources` (default: its `address`), with its community, or
  from its v3 user at authPriv (the NMS's snmpEngineID, read first, keys v3 traps; informs need
  none).  Every other notification is refused before it is decoded, counted and said in the
  result (`rejected`, `rejected_note`): a forged Query trap never becomes an alarm, a forged
  QueryEnd never ends the query.  (UDP source addresses can be spoofed: with v2c the community
  is the only other proof; v3 authPriv is the one that authenticates.)

Whether the list is complete.  QueryBegin and QueryEnd carry no count, and AlarmCSN names an
alarm, not a trap (M2000-V2, I2000-V1; Huawei's trap reference: "Field List: None"), so no read
shows a Query trap lost on the way.  The driver runs the query `query_reads` times (default 2)
and compares the reads by CSN:
- every read ends with its QueryEnd and they list the same alarms (one raised between reads, or
  named by a real-time report that arrived meanwhile, is no difference): complete, and
  `completeness` says it rests on the reads agreeing (an alarm lost in every read, or held
  back by the NMS's northbound filter, would not show);
- the reads differ otherwise: a Query trap was lost.  The list holds every alarm some read
  carried and is partial (`last_result_partial` / `last_result_note`);
- a read without QueryEnd within `query_timeout_s` (QueryBegin arrived or not): what arrived
  is returned, the query is stopped with "0" (so the NMS takes the next one), partial;
- `query_reads: 1`: a single read, always partial ("completeness cannot be proven");
- nothing at all in the first read: CollectorTimeout naming the NMS and the trap target it
  must have registered (and what was refused, if anything).

Varbinds (…2.15.2.4.3.3.<n>, with or without the .0 instance), as the MIB names them: 1
AlarmCSN, 2 Category ("2" Clear), 3 OccurTime, 4 MOName, 7 NEDevID, 9 AlarmID, 11 AlarmLevel
(critical 1 .. warning 4, cleared 6; 5 read as indeterminate though the MIB has no 5), 12
Restore (cleared 1 / uncleared 2), 15 RestoreTime, 27 ExtendInfo, 28 Probablecause, 30
Specificproblems, 51 AdditionalInfo.  Taken on assumption (the MIB names the object, not its
content; README "NMS drivers"): MOName is the NE's name as the inventory's `ne_name` has it;
ExtendInfo holds "key=value" pairs and `Location=` gives the port as the inventory writes it;
Probablecause is the alarm name the U2000 client shows (normalised with names.yaml); the time
formats `parse_occur_time` reads.  All varbinds are kept as raw evidence.  The U2000's
current-alarm list also holds cleared alarms nobody has acknowledged: a Query trap flagged
cleared (Restore, AlarmLevel cleared or Category Clear) becomes an observation with severity
`cleared` and its RestoreTime.  The heartbeat trap (…2.15.2.1.2.1.1.1.0.5) is recorded when it
arrives; it proves traps reach us.

One read and the comparison of the reads are in diag.collectors.nms.imap_reads; this module
runs the query (SET, listen, stop) and is the driver.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from typing import Any, ClassVar

from pysnmp.hlapi.v3arch.asyncio import ObjectIdentity, ObjectType, set_cmd
from pysnmp.proto.rfc1902 import OctetString

from diag.collectors.alarms.normalize import normalize
from diag.collectors.nms.imap_listen import (
    SharedReceiver,
    Subscription,
    shared_receiver,
    single_flight,
    trap_sources,
)
from diag.collectors.nms.imap_mib import (
    _REFUSALS,
    ALARM_QUERY_0,
    QUERY_START,
    QUERY_STOP,
    SNMP_ENGINE_ID_0,
    ImapAlarm,
    _text,
)
from diag.collectors.nms.imap_reads import ImapQueryResult, _combine, _Session
from diag.collectors.snmp.client import SnmpClient, SnmpTarget, oid_str
from diag.collectors.snmp.traps import NOT_FROM_SOURCE, parse_listen
from diag.credentials import redact
from diag.errors import CollectorError, CollectorTimeout
from diag.model.inventory import Nms, SnmpVersion
from diag.model.observations import AlarmObservation, Severity

# --------------------------------------------------------------------------- the query


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
    if host in ("0.0.0.0", "::"):  # noqa: S104
        return f"this host's address, UDP port {port} (trap_listen {listen})"
    return f"UDP {listen}"


def _silence_message(
    nms: Nms, target: SnmpTarget, receiver: Subscription, result: ImapQueryResult, v3_id: bool
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
        words = receiver.rejections()
        parts.append(f"Notifications did arrive but were refused ({words}).")
        if NOT_FROM_SOURCE in rejected:
            parts.append(
                f"Traps are accepted only from {', '.join(trap_sources(nms))}: if the NMS sends "
                "from another address, list it in the NMS's trap_sources."
            )
        if set(rejected) - {NOT_FROM_SOURCE}:
            parts.append(
                "The trap target's community or v3 user (authPriv) differs from the inventory's."
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


async def query_active_alarms(client: SnmpClient, nms: Nms) -> ImapQueryResult:
    """Run the active-alarm query against the NMS (see module docstring) `query_reads` times.

    In one process, queries to one NMS at once are one query (its result shared), and the traps
    of every NMS sending to one trap_listen are read by one receiver (diag.collectors.nms.
    imap_listen)."""
    shared = shared_receiver(nms)  # checks trap_listen
    return await single_flight(
        ("huawei-imap", nms.address, nms.port), lambda: _query_active_alarms(client, nms, shared)
    )


async def _read(
    client: SnmpClient, target: SnmpTarget, nms: Nms, receiver: Subscription, number: int
) -> _Session:
    """One read: SET "1", then traps until QueryEnd or query_timeout_s."""
    loop = asyncio.get_running_loop()
    session = _Session(need_begin=number > 1)
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
    session.finish()
    if not session.result.ended:
        await _stop_query(client, target)
    return session


async def _query_active_alarms(
    client: SnmpClient, nms: Nms, shared: SharedReceiver
) -> ImapQueryResult:
    target = SnmpTarget.for_nms(nms)
    loop = asyncio.get_running_loop()
    started = loop.time()
    reads: list[_Session] = []
    # Listening first: a busy trap_listen fails before any SNMP traffic.
    async with shared.subscribe(nms) as receiver:
        v3_id = False
        if nms.snmp.version is SnmpVersion.v3:
            # A v3 trap is keyed to the sender's engine ID; informs would not need it.
            got = await client.get(target, [SNMP_ENGINE_ID_0])
            engine_id = got.get(oid_str(SNMP_ENGINE_ID_0))
            if engine_id is not None and _text(engine_id):
                receiver.add_engine_id(bytes(engine_id.asOctets()))
                v3_id = True
        for number in range(1, nms.query_reads + 1):
            session = await _read(client, target, nms, receiver, number)
            reads.append(session)
            if number == 1 and not session.result.begun and not session.query_traps:
                raise CollectorTimeout(
                    _silence_message(nms, target, receiver, session.result, v3_id)
                )
            if not session.result.ended:
                break  # a read without its end: the list is partial, reading again won't mend it
        rejected, rejected_note = receiver.rejected_count, receiver.rejections()
    result = _combine(nms, reads)
    result.duration_s = loop.time() - started
    result.rejected, result.rejected_note = rejected, rejected_note
    if rejected_note:
        refused = f"{rejected} notification(s) refused, never read as alarms: {rejected_note}"
        result.completeness = f"{result.completeness}; {refused}"
        if result.note:
            result.note = f"{result.note}; {refused}"
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

    After `collect`, `last_result_partial` tells whether the list may be incomplete (a read
    without QueryEnd, reads that differ, or a single read) and `last_result_note` says why;
    `last_result_rejected` counts the notifications refused, `last_result_completeness` says
    what shows the list complete; `last_result` has the details (reads, heartbeats, ...).
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

    @property
    def last_result_rejected(self) -> int:
        return self.last_result.rejected if self.last_result is not None else 0

    @property
    def last_result_completeness(self) -> str | None:
        return self.last_result.completeness if self.last_result is not None else None

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
    """(observations, partial, note): partial when the list may be incomplete."""
    driver = HuaweiImapDriver()
    alarms = await driver.collect(client, nms, ne_names)
    return alarms, driver.last_result_partial, driver.last_result_note
