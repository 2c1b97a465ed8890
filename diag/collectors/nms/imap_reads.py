"""The reads of an iMAP active-alarm query: one read (`_Session`: QueryBegin, the Query traps,
QueryEnd), its result (`ImapQueryResult`), and the comparison of several reads that says whether
the list is complete (`_combine`; see diag.collectors.nms.huawei_imap for the rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from diag.collectors.nms.imap_mib import (
    HEARTBEAT_TRAP,
    QUERY_BEGIN_TRAP,
    QUERY_END_TRAP,
    QUERY_TRAP,
    REPORT_TRAP,
    Heartbeat,
    ImapAlarm,
    decode_alarm,
    decode_heartbeat,
)
from diag.collectors.snmp.traps import Trap
from diag.model.inventory import Nms


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
