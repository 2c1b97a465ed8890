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
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
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
    HEARTBEAT_TRAP,
    QUERY_BEGIN_TRAP,
    QUERY_END_TRAP,
    QUERY_START,
    QUERY_STOP,
    QUERY_TRAP,
    REPORT_TRAP,
    SNMP_ENGINE_ID_0,
    Heartbeat,
    ImapAlarm,
    _text,
    decode_alarm,
    decode_heartbeat,
)
from diag.collectors.snmp.client import (
    SnmpClient,
    SnmpTarget,
    oid_str,
)
from diag.collectors.snmp.traps import NOT_FROM_SOURCE, Trap, parse_listen
from diag.credentials import redact
from diag.errors import CollectorError, CollectorTimeout
from diag.model.inventory import Nms, SnmpVersion
from diag.model.observations import AlarmObservation, Severity

# --------------------------------------------------------------------------- the query


@dataclass
class ImapQueryResult:
    """What an active-alarm query produced (over all its reads)."""

    alarms: list[ImapAlarm] = field(default_factory=list)  # uncleared, deduplicated by CSN
    cleared: list[ImapAlarm] = field(default_factory=list)  # cleared, still listed; by CSN
    begun: bool = False  # every read had its QueryBegin
    ended: bool = False  # every read had its QueryEnd
    partial: bool = False
    note: str | None = None  # why partial
    cleared_skipped: int = 0  # Query traps of cleared alarms (kept apart in `cleared`)
    reports: int = 0  # real-time alarm reports that arrived during the query (not listed)
    heartbeats: list[Heartbeat] = field(default_factory=list)
    duration_s: float = 0.0
    reads: int = 0  # reads run (QueryBegin ... QueryEnd each)
    lost: list[str] = field(default_factory=list)  # alarms some read lacked, unexplained
    rejected: int = 0  # notifications refused (source, community, v3 security)
    rejected_note: str | None = None  # the refusals in words
    completeness: str | None = None  # what shows the list complete, or why it is not


def _key(alarm: ImapAlarm) -> tuple[str, ...]:
    """An alarm's identity across reads: its CSN ("Alarm network number > 0", unique per alarm,
    M2000-V2), or for an alarm without one its NE, port, name and raise time."""
    if alarm.csn:
        return ("csn", alarm.csn)
    raised = alarm.raised.isoformat() if alarm.raised else ""
    return ("alarm", alarm.ne, alarm.port or "", alarm.vendor_name, raised)


def _describe(alarm: ImapAlarm) -> str:
    port = f" port {alarm.port}" if alarm.port else ""
    csn = f", CSN {alarm.csn}" if alarm.csn else ""
    return f"{alarm.ne} {alarm.vendor_name}{port}{csn}"


@dataclass
class _Session:
    """One read: QueryBegin, the Query traps, QueryEnd."""

    result: ImapQueryResult = field(default_factory=ImapQueryResult)
    by_csn: dict[str, ImapAlarm] = field(default_factory=dict)
    unnumbered: list[ImapAlarm] = field(default_factory=list)
    cleared_by_csn: dict[str, ImapAlarm] = field(default_factory=dict)
    cleared_unnumbered: list[ImapAlarm] = field(default_factory=list)
    query_traps: int = 0
    started: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished: datetime = field(default_factory=lambda: datetime.now(UTC))  # set by finish()
    # A later read counts Query traps only after its QueryBegin: one arriving before it can
    # only be a straggler of the read before.
    need_begin: bool = False
    reported: set[str] = field(default_factory=set)  # CSNs in real-time reports meanwhile

    def feed(self, trap: Trap) -> None:
        oid = trap.trap_oid
        r = self.result
        if oid == QUERY_BEGIN_TRAP:
            r.begun = True
        elif oid == QUERY_TRAP:
            if self.need_begin and not r.begun:
                return
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
            csn = decode_alarm(trap).csn
            if csn:
                self.reported.add(csn)

    def finish(self) -> ImapQueryResult:
        self.result.alarms = [*self.by_csn.values(), *self.unnumbered]
        self.result.cleared = [*self.cleared_by_csn.values(), *self.cleared_unnumbered]
        self.result.reads = 1
        self.finished = datetime.now(UTC)
        return self.result

    def listed(self) -> dict[tuple[str, ...], ImapAlarm]:
        """Every alarm this read carried, active or cleared, by identity."""
        return {_key(a): a for a in [*self.result.alarms, *self.result.cleared]}


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


UNPROVABLE = (
    "the iMAP northbound announces no alarm count and numbers no Query trap (QueryBegin and "
    "QueryEnd carry no varbinds; AlarmCSN names an alarm, not a trap)"
)


def _combine(nms: Nms, reads: list[_Session]) -> ImapQueryResult:
    """The reads as one result: every alarm some read listed (the latest read's copy), and
    whether the reads prove the list complete."""
    out = ImapQueryResult(reads=len(reads))
    merged: dict[tuple[str, ...], ImapAlarm] = {}
    reported: set[str] = set()
    for s in reads:
        merged.update(s.listed())
        reported |= s.reported
        out.reports += s.result.reports
        out.heartbeats += s.result.heartbeats
    out.alarms = [a for a in merged.values() if not a.cleared]
    out.cleared = [a for a in merged.values() if a.cleared]
    out.cleared_skipped = len(out.cleared)
    out.begun = all(s.result.begun for s in reads)
    out.ended = all(s.result.ended for s in reads)
    if not out.ended:
        number, s = next((n, s) for n, s in enumerate(reads, 1) if not s.result.ended)
        which = "" if number == 1 else f"read {number} of "
        begin = "QueryBegin arrived" if s.result.begun else "QueryBegin was lost"
        out.partial = True
        out.note = (
            f"NMS {nms.name}: no QueryEnd within {nms.query_timeout_s:g} s of {which}the "
            f"active-alarm query ({begin}, {s.query_traps} Query trap(s) received); the alarm "
            "list may be incomplete"
        )
        out.completeness = out.note
        return out
    if len(reads) == 1:
        out.partial = True
        out.note = (
            f"NMS {nms.name}: completeness cannot be proven: {UNPROVABLE}, so a Query trap "
            f"lost on the way cannot show in a single read (query_reads is 1; {len(merged)} "
            "alarm(s) listed)"
        )
        out.completeness = out.note
        return out
    listed = [s.listed() for s in reads]
    new: set[tuple[str, ...]] = set()  # alarms raised between reads
    for key, alarm in merged.items():
        holding = [n for n, keys in enumerate(listed) if key in keys]
        for n, keys in enumerate(listed):
            if key in keys:
                continue
            if alarm.csn and alarm.csn in reported:
                continue  # a real-time report said it changed meanwhile
            # Raised after this read began and before the read that has it ended: not yet in
            # this one.  OccurTime carries whole seconds, so the seconds at both ends count.  A
            # time outside that window (an NMS clock off ours, a local time read as UTC) leaves
            # the difference a loss: partial, never a loss explained away.
            if holding and min(holding) > n and alarm.raised is not None:
                began = reads[n].started.replace(microsecond=0)
                ended = reads[min(holding)].finished + timedelta(seconds=1)
                if began <= alarm.raised <= ended:
                    new.add(key)
                    continue
            out.lost.append(f"read {n + 1} lacked {_describe(alarm)}")
    if out.lost:
        out.partial = True
        shown = "; ".join(out.lost[:5]) + (
            f"; {len(out.lost) - 5} more" if len(out.lost) > 5 else ""
        )
        out.note = (
            f"NMS {nms.name}: Query traps were lost: the {len(reads)} reads of the active-alarm "
            f"query differ ({shown}) and no real-time report explains it; the list holds every "
            "alarm some read carried, but one lost in every read cannot be ruled out"
        )
        out.completeness = out.note
        return out
    changed = f", {len(new)} raised between reads" if new else ""
    out.completeness = (
        f"QueryBegin and QueryEnd in each of {len(reads)} reads, which list the same "
        f"{len(merged)} alarm(s){changed}. As {UNPROVABLE}, only the reads' agreement shows "
        "none was lost: one lost in every read, or held back by the NMS's northbound alarm "
        "filter, would not show"
    )
    return out


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
