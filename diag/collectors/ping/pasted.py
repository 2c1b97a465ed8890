"""Ping output pasted from elsewhere (a laptop, a customer's PC): `diag parse ping FILE`.

Reads iputils (also `-q`, the summary only), fping (`-c` and `-C`), macOS/BSD, busybox and
Windows (English and Chinese) output.  Counts and RTT min/avg/max come from the tool's summary
when there is one; the per-probe lines are counted only when there is none (probes counted, not
sequence numbers: BSD and busybox number from 0, iputils from 1).  Anything else is refused with
CollectorParseError, never read as loss.

Windows counts an ICMP error reply ("Reply from <gw>: Destination host unreachable.") as
Received; those replies are taken off `received`, as they are not answers from the target.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from diag.collectors.numbers import MAX_PING_SIZE, MAX_PROBES, MAX_RTT_MS, NumberError
from diag.collectors.numbers import read_float as _read_float
from diag.collectors.numbers import read_int as _read_int
from diag.collectors.ping.stats import loss_pct
from diag.errors import CollectorParseError
from diag.model.observations import PingObservation

PingFormat = Literal["iputils", "fping", "bsd", "busybox", "windows", "windows-zh"]

# Chinese Windows prints full-width punctuation; read it as ASCII.
_FULL_WIDTH = str.maketrans({"，": ",", "：": ":", "（": "(", "）": ")", "＝": "=", "。": "."})

_UNIX_SUMMARY = re.compile(
    r"^(\d+) packets transmitted, (\d+) (packets )?received(.*)$", re.ASCII | re.MULTILINE
)
_UNIX_RTT = re.compile(
    r"^(?:rtt|round-trip) min/avg/max(/mdev|/stddev)? = ([\d.]+)/([\d.]+)/([\d.]+)(?:/([\d.]+))?"
    r" ?ms",
    re.ASCII | re.MULTILINE,
)
_DUPS = re.compile(r"\+(\d+) duplicates", re.ASCII)
_FPING_SUMMARY = re.compile(
    r"^(\S+)\s*: xmt/rcv/%loss = (\d+)/(\d+)/\d+%(?:, min/avg/max = ([\d.]+)/([\d.]+)/([\d.]+))?",
    re.ASCII | re.MULTILINE,
)
_FPING_C_SUMMARY = re.compile(
    r"^(\S+)\s+:((?:\s+(?:\d+(?:\.\d+)?|-))+)\s*$", re.ASCII | re.MULTILINE
)
_WIN_SUMMARY = re.compile(
    r"(?:Packets: Sent|数据包: 已发送) = (\d+),\s*(?:Received|已接收) = (\d+),\s*(?:Lost|丢失) = (\d+)",
    re.MULTILINE,
)
_WIN_RTT = re.compile(
    r"(?:Minimum|最短) = (\d+)ms,\s*(?:Maximum|最长) = (\d+)ms,\s*(?:Average|平均) = (\d+)ms"
)
_WIN_TARGET = re.compile(r"^(?:Ping statistics for (\S+?):|(\S+) 的 Ping 统计信息:)", re.MULTILINE)
_WIN_HEADER = re.compile(
    r"^(?:Pinging (\S+).*? with (\d+) bytes of data|正在 Ping (\S+).*? 具有 (\d+) 字节的数据)",
    re.MULTILINE,
)
# IPv6 replies print no bytes=; a reply line without a time is an ICMP error from a router.
_WIN_FROM = re.compile(r"^(?:Reply from \S+: |来自 \S+ 的回复: ?)")
_WIN_REPLY = re.compile(
    r"^(?:Reply from \S+: |来自 \S+ 的回复: ?)(?:(?:bytes|字节)=\d+ )?(?:time|时间)[=<]"
)
_WIN_TIMEOUT = re.compile(r"^(?:Request timed out|请求超时)")
_WIN_TIME = re.compile(r"(?:time|时间)([=<])(\d+)ms")
_UNIX_HEADER = re.compile(
    r"^PING (\S+?)[ (].*?(\d+)(?:\(\d+\))? (?:data )?bytes", re.ASCII | re.MULTILINE
)
# "PING host (addr): 56 data bytes" (BSD, busybox); iputils prints "PING host (addr) 56(84) ..."
_BSD_HEADER = re.compile(r"^PING .*\): \d+ data bytes", re.ASCII | re.MULTILINE)
_TS = r"(?:\[[\d.]+\] )?"  # iputils -D
_UNIX_REPLY = re.compile(
    rf"^{_TS}\d+ bytes from .+?: (icmp_seq|seq)=(\d+) .*?time=([\d.]+) ?ms", re.ASCII
)
_UNIX_LOST = re.compile(
    rf"^{_TS}(?:Request timeout for icmp_seq |no answer yet for icmp_seq=)(\d+)", re.ASCII
)
_FPING_REPLY = re.compile(r"^(\S+)\s+: \[(\d+)\], \d+ bytes, ([\d.]+) ms", re.ASCII)
_FPING_TIMEOUT = re.compile(r"^(\S+)\s+: \[(\d+)\], timed out", re.ASCII)


@dataclass(frozen=True)
class PastedPing:
    """One ping run as read from its text; RTTs in ms, None when the output gives none."""

    format: PingFormat
    target: str
    sent: int
    received: int
    rtt_min_ms: float | None = None
    rtt_avg_ms: float | None = None
    rtt_max_ms: float | None = None
    rtt_stddev_ms: float | None = None
    size: int | None = None
    duplicates: int = 0
    from_summary: bool = True
    rtts_ms: list[float | None] = field(default_factory=list)

    @property
    def loss_pct(self) -> float:
        return loss_pct(self.sent, self.received)

    def answers(self, key: str = "test.laptop_ping") -> dict[str, str]:
        """The `--observe` answers this run gives (loss always, RTT when a reply came back)."""
        out = {f"{key}.loss_pct": f"{self.loss_pct:g}"}
        if self.rtt_avg_ms is not None:
            out[f"{key}.rtt_ms"] = f"{self.rtt_avg_ms:g}"
        return out

    def observation(self, at: datetime) -> PingObservation:
        return PingObservation(
            id="ping-1",
            collector="pasted",
            at=at,
            origin="pasted",
            origin_kind="host",
            target=self.target,
            engine=f"pasted-{self.format}",
            count=self.sent,
            size=self.size or 0,
            sent=self.sent,
            received=self.received,
            loss_pct=self.loss_pct,
            duplicates=self.duplicates,
            rtt_min_ms=self.rtt_min_ms,
            rtt_mean_ms=self.rtt_avg_ms,
            rtt_max_ms=self.rtt_max_ms,
            rtt_stddev_ms=self.rtt_stddev_ms,
            rtts_ms=self.rtts_ms,
        )


def _refuse(why: str, text: str = "") -> CollectorParseError:
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
    where = f"; first line: {first[:120]!r}" if first else ""
    return CollectorParseError(
        f"pasted ping: {why}{where}. Paste the whole output of one ping run (iputils, fping, "
        "macOS/BSD, busybox or Windows), summary included."
    )


def _int(value: str, what: str, hi: int = MAX_PROBES) -> int:
    try:
        got = _read_int(value, hi, what=what)
    except NumberError as exc:
        raise _refuse(str(exc)) from exc
    if got is None:
        raise _refuse(f"no {what}")
    return got


def _ms(value: str | None) -> float | None:
    try:
        return _read_float(value, MAX_RTT_MS, what="round-trip time")
    except NumberError as exc:
        raise _refuse(str(exc)) from exc


def _one(matches: list[re.Match[str]], text: str) -> re.Match[str] | None:
    if len(matches) > 1:
        raise _refuse(f"{len(matches)} ping summaries in one paste (one run at a time)", text)
    return matches[0] if matches else None


def parse_pasted_ping(text: str) -> PastedPing:
    """Read one pasted ping run; CollectorParseError when the text is not one."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").translate(_FULL_WIDTH)
    lines = [ln.strip() for ln in text.splitlines()]
    for reader in (_windows, _unix, _fping):
        got = reader(text, lines)
        if got is not None:
            if got.received > got.sent + got.duplicates:
                raise _refuse(f"{got.received} received of {got.sent} sent", text)
            return got
    raise _refuse("no ping summary and no reply or timeout line found", text)


def _windows(text: str, lines: list[str]) -> PastedPing | None:
    header = _WIN_HEADER.search(text)
    zh = "统计信息" in text or "正在 Ping" in text
    fmt: PingFormat = "windows-zh" if zh else "windows"
    errors = sum(1 for ln in lines if _WIN_FROM.match(ln) and not _WIN_REPLY.match(ln))
    times = [m for ln in lines if _WIN_REPLY.match(ln) for m in [_WIN_TIME.search(ln)] if m]
    rtts: list[float | None] = [
        0.0 if m[1] == "<" else _ms(m[2]) for m in times
    ]  # "time<1ms": under a millisecond, as Windows rounds it
    timeouts = sum(1 for ln in lines if _WIN_TIMEOUT.match(ln))
    size = _int(header[2] or header[4], "payload size", MAX_PING_SIZE) if header else None
    summary = _one(list(_WIN_SUMMARY.finditer(text)), text)
    if summary is None:
        if header is None or not (times or timeouts or errors):
            return None
        sent, received = len(times) + timeouts + errors, len(times)
        ok = [r for r in rtts if r is not None]
        return PastedPing(
            fmt,
            header[1] or header[3],
            sent,
            received,
            min(ok) if ok else None,
            sum(ok) / len(ok) if ok else None,
            max(ok) if ok else None,
            size=size,
            from_summary=False,
            rtts_ms=rtts + [None] * (timeouts + errors),
        )
    sent = _int(summary[1], "packets sent")
    received = _int(summary[2], "packets received")
    if _int(summary[3], "packets lost") != sent - received:
        raise _refuse("sent, received and lost do not add up", text)
    received = max(0, received - errors)
    rtt = _WIN_RTT.search(text)
    target_m = _WIN_TARGET.search(text)
    target = (target_m[1] or target_m[2]) if target_m else header[1] or header[3] if header else ""
    return PastedPing(
        fmt,
        target,
        sent,
        received,
        _ms(rtt[1]) if rtt and received else None,
        _ms(rtt[3]) if rtt and received else None,
        _ms(rtt[2]) if rtt and received else None,
        size=size,
        rtts_ms=rtts if len(rtts) == sent else [],
    )


def _unix(text: str, lines: list[str]) -> PastedPing | None:
    header = _UNIX_HEADER.search(text)
    replies = [m for ln in lines for m in [_UNIX_REPLY.match(ln)] if m and "DUP!" not in ln]
    lost = [m for ln in lines for m in [_UNIX_LOST.match(ln)] if m]
    rtt = _UNIX_RTT.search(text)
    bsd_header = _BSD_HEADER.search(text) is not None
    busybox = (rtt is not None and rtt[1] is None) or any(m[1] == "seq" for m in replies)
    fmt: PingFormat = "busybox" if busybox else "bsd" if bsd_header else "iputils"
    stats_target = re.search(r"^--- (\S+) ping statistics ---", text, re.MULTILINE)
    target = stats_target[1] if stats_target else header[1] if header else ""
    size = _int(header[2], "payload size", MAX_PING_SIZE) if header else None
    summary = _one(list(_UNIX_SUMMARY.finditer(text)), text)
    if summary is not None:
        if fmt != "busybox":
            fmt = "bsd" if summary[3] else "iputils"
        sent = _int(summary[1], "packets transmitted")
        received = _int(summary[2], "packets received")
        dups = _DUPS.search(summary[4])
        has_rtt = rtt is not None and received > 0
        return PastedPing(
            fmt,
            target,
            sent,
            received,
            _ms(rtt[2]) if has_rtt and rtt else None,
            _ms(rtt[3]) if has_rtt and rtt else None,
            _ms(rtt[4]) if has_rtt and rtt else None,
            _ms(rtt[5]) if has_rtt and rtt and rtt[5] else None,
            size=size,
            duplicates=_int(dups[1], "duplicates") if dups else 0,
        )
    if not replies and not lost:
        return None
    # No summary: count the probes.  Each probe has one sequence number; a probe whose reply
    # never came and that no line reports lost shows as a gap, so the span counts it.
    base = 1 if fmt == "iputils" and header is not None else 0 if header is not None else None
    seqs = {int(m[2]) for m in replies} | {int(m[1]) for m in lost}
    first = min(seqs) if base is None else base
    if max(seqs) - first + 1 > MAX_PROBES or min(seqs) < first:
        raise _refuse("probe numbers out of order or out of range", text)
    by_seq: dict[int, float | None] = dict.fromkeys(range(first, max(seqs) + 1))
    for m in replies:
        if by_seq.get(int(m[2])) is None:
            by_seq[int(m[2])] = _ms(m[3])
    rtts = list(by_seq.values())
    ok = [r for r in rtts if r is not None]
    return PastedPing(
        fmt,
        target,
        len(rtts),
        len(ok),
        min(ok) if ok else None,
        sum(ok) / len(ok) if ok else None,
        max(ok) if ok else None,
        size=size,
        from_summary=False,
        rtts_ms=rtts,
    )


def _fping(text: str, lines: list[str]) -> PastedPing | None:
    summary = _one(list(_FPING_SUMMARY.finditer(text)), text)
    if summary is not None:
        sent, received = _int(summary[2], "xmt"), _int(summary[3], "rcv")
        has = summary[4] is not None and received > 0
        return PastedPing(
            "fping",
            summary[1],
            sent,
            received,
            _ms(summary[4]) if has else None,
            _ms(summary[5]) if has else None,
            _ms(summary[6]) if has else None,
        )
    per_probe = [m for ln in lines for m in [_FPING_C_SUMMARY.match(ln)] if m]
    if per_probe:
        m = _one(per_probe, text)
        assert m is not None
        rtts = [None if v == "-" else _ms(v) for v in m[2].split()]
        if len(rtts) > MAX_PROBES:
            raise _refuse("more probes than diag reads", text)
        return _from_rtts(m[1], rtts)
    replies = [m for ln in lines for m in [_FPING_REPLY.match(ln)] if m]
    timeouts = [m for ln in lines for m in [_FPING_TIMEOUT.match(ln)] if m]
    if not replies and not timeouts:
        return None
    by_seq: dict[int, float | None] = {int(m[2]): None for m in timeouts}
    for m in replies:
        by_seq[int(m[2])] = _ms(m[3])
    target = (replies or timeouts)[0][1]
    return _from_rtts(target, [by_seq[s] for s in sorted(by_seq)], from_summary=False)


def _from_rtts(target: str, rtts: list[float | None], from_summary: bool = True) -> PastedPing:
    ok = [r for r in rtts if r is not None]
    return PastedPing(
        "fping",
        target,
        len(rtts),
        len(ok),
        min(ok) if ok else None,
        sum(ok) / len(ok) if ok else None,
        max(ok) if ok else None,
        from_summary=from_summary,
        rtts_ms=rtts,
    )
