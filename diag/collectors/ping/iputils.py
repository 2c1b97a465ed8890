"""The iputils engine: `/usr/bin/ping`, read per reply line by icmp_seq (see engines.py)."""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field

from diag.collectors.numbers import (
    COUNTER64_MAX,
    MAX_PROBES,
    MAX_RTT_MS,
    PERCENT_MAX,
    NumberError,
    read_float,
    read_int,
)
from diag.collectors.ping.base import (
    EngineResult,
    PingEngine,
    ProbeSpec,
    _binary_unavailable,
    _common_failure,
    _tool_version,
    _unreadable,
    register,
    run_tool,
)
from diag.errors import CollectorError, CollectorParseError


# ============================================================================ iputils
@dataclass(frozen=True)
class ReplyLine:
    seq: int
    time_ms: float | None
    duplicate: bool  # marked "(DUP!)" by the tool


@dataclass
class IputilsOutput:
    """What one iputils `ping` run printed, line by line, and its summary as printed."""

    replies: list[ReplyLine] = field(default_factory=list)
    no_answer: list[int] = field(default_factory=list)  # -O "no answer yet for icmp_seq=N"
    errors: list[str] = field(default_factory=list)  # "From ... icmp_seq=N ..." and local errors
    transmitted: int | None = None
    received: int | None = None
    duplicates: int | None = None
    error_count: int | None = None
    loss_pct: float | None = None  # the tool's (rounded) percentage, for reference only
    garbled: list[str] = field(default_factory=list)  # summary lines whose numbers are not sane


# Only ASCII digits (re.ASCII: `\d` would also take other scripts' digits).
_TS = r"(?:\[\d+(?:\.\d+)?\]\s*)?"
_IPUTILS_REPLY = re.compile(
    rf"^{_TS}\d+ bytes from .+?: icmp_seq=(\d{{1,10}})(?: ttl=\d+)?(?: time=([\d.]+) ms)?(.*)$",
    re.ASCII,
)
_IPUTILS_ERROR = re.compile(rf"^{_TS}From \S+(?: \(.*?\))?:? icmp_seq=(\d+) (.+)$", re.ASCII)
_IPUTILS_LOCAL_ERROR = re.compile(r"^ping: local error: (.+)$")
_IPUTILS_NO_ANSWER = re.compile(rf"^{_TS}no answer yet for icmp_seq=(\d{{1,10}})", re.ASCII)
_IPUTILS_SUMMARY = re.compile(
    r"^(\d+) packets transmitted, (\d+) (?:packets )?received(.*)$", re.ASCII
)
_IPUTILS_DUPS = re.compile(r"\+(\d+) duplicates", re.ASCII)
_IPUTILS_ERRS = re.compile(r"\+(\d+) errors", re.ASCII)
# The lookbehind starts the number at its first digit (a search inside a long run of digits
# would otherwise rescan the run from every position).
_IPUTILS_LOSS = re.compile(r"(?<![\d.])([\d.]{1,24})% packet loss", re.ASCII)


def _time_ms(text: str | None) -> float | None:
    """A printed RTT in 0..MAX_RTT_MS, else None (not printed, or garbled: not a timed reply)."""
    try:
        return read_float(text, MAX_RTT_MS)
    except NumberError:
        return None


def parse_iputils(text: str) -> IputilsOutput:
    """Parse Linux iputils `ping` output (with or without -O/-D); unknown lines are skipped.

    A reply whose time is garbled is kept without a time; a summary line whose counts are not
    sane (more than MAX_PROBES, received > transmitted) is not taken and is listed in `garbled`.
    """
    out = IputilsOutput()
    for line in text.splitlines():
        line = line.rstrip()
        if m := _IPUTILS_REPLY.match(line):
            out.replies.append(ReplyLine(int(m[1]), _time_ms(m[2]), "(DUP!)" in m[3]))
        elif m := _IPUTILS_NO_ANSWER.match(line):
            out.no_answer.append(int(m[1]))
        elif _IPUTILS_ERROR.match(line) or _IPUTILS_LOCAL_ERROR.match(line):
            out.errors.append(line)
        elif m := _IPUTILS_SUMMARY.match(line):
            rest = m[3]
            dup, err, loss = (
                rx.search(rest) for rx in (_IPUTILS_DUPS, _IPUTILS_ERRS, _IPUTILS_LOSS)
            )
            try:
                transmitted = read_int(m[1], MAX_PROBES, what="packets transmitted")
                received = read_int(m[2], MAX_PROBES, what="received")
                duplicates = read_int(dup[1], COUNTER64_MAX, what="duplicates") if dup else 0
                errors = read_int(err[1], COUNTER64_MAX, what="errors") if err else 0
            except NumberError as exc:
                out.garbled.append(f"{line[:120]!r}: {exc}")
                continue
            assert transmitted is not None and received is not None  # noqa: PT018
            if received > transmitted + (duplicates or 0):
                out.garbled.append(f"{line[:120]!r}: more received than transmitted")
                continue
            out.transmitted, out.received = transmitted, received
            out.duplicates, out.error_count = duplicates, errors
            try:
                out.loss_pct = read_float(loss[1], PERCENT_MAX) if loss else None
            except NumberError:
                out.loss_pct = None  # for reference only: statistics come from the probes
    return out


def unwrap_seq(seq: int, near: int, bits: int = 16) -> int:
    """The unwrapped counter value ≡ seq (mod 2**bits) closest to `near` (icmp_seq is 16-bit)."""
    span = 1 << bits
    diff = (seq - near) % span
    if diff > span // 2:
        diff -= span
    return near + diff


def iputils_probes(
    parsed: IputilsOutput, asked: int | None = None
) -> tuple[list[float | None], int, int]:
    """Per-probe RTTs (icmp_seq 1 = first probe), duplicates, ICMP/local errors.

    `asked`: the probes diag asked for (`-c`); the tool cannot have sent more.
    """
    if parsed.transmitted is None:
        if parsed.garbled:
            raise CollectorParseError(
                f"iputils ping: the statistics line is garbled: {'; '.join(parsed.garbled)}"
            )
        raise CollectorParseError("iputils ping printed no statistics line")
    if asked is not None and parsed.transmitted > asked:
        raise CollectorParseError(
            f"iputils ping says {parsed.transmitted} packets transmitted but was asked for "
            f"{asked}: the statistics line is garbled"
        )
    rtts: list[float | None] = [None] * parsed.transmitted
    answered = [False] * parsed.transmitted
    duplicates = 0
    last = 1
    for reply in parsed.replies:
        seq = unwrap_seq(reply.seq, last)
        last = seq
        idx = seq - 1
        if not 0 <= idx < len(rtts):
            continue
        if answered[idx]:
            duplicates += 1  # marked (DUP!) or not: only the first reply to a probe counts
            continue
        answered[idx] = True
        rtts[idx] = reply.time_ms
    errors = max(parsed.error_count or 0, len(parsed.errors))
    return rtts, duplicates, errors


@register
class IputilsEngine(PingEngine):
    name = "iputils"

    def binary(self) -> str | None:
        return shutil.which("ping")

    def unavailable(self) -> str | None:
        path = self.binary()
        if path is None:
            return "iputils `ping` not found: apt-get install iputils-ping"
        flavour = _tool_version(path, "-V")
        if "iputils" not in flavour:
            return (
                f"{path} is not iputils ping ({flavour.strip()[:60] or 'unknown'}): "
                "apt-get install iputils-ping"
            )
        return _binary_unavailable(path)

    def unsupported(self, spec: ProbeSpec) -> str | None:
        if spec.size < 16:
            return (
                "iputils ping times replies only with ping_size >= 16 (the payload carries the "
                "send time): use ping_engine=fping or icmplib for smaller payloads"
            )
        if spec.interval_s < 0.002 and os.geteuid() != 0:
            return "iputils ping allows ping_interval_s >= 0.002 unless run as root"
        return None

    def argv(self, target: str, spec: ProbeSpec) -> list[str]:
        path = self.binary() or "ping"
        argv = [
            path,
            "-n",
            "-c",
            str(spec.count),
            "-i",
            f"{spec.interval_s:g}",
            "-W",
            f"{spec.timeout_s:g}",
            "-s",
            str(spec.size),
            "-M",
            "do" if spec.df else "dont",
        ]
        if spec.pattern:
            argv += ["-p", spec.pattern]
        return [*argv, target]

    async def ping(self, target: str, spec: ProbeSpec) -> EngineResult:
        argv = self.argv(target, spec)
        rc, text = await run_tool(argv, budget_s=spec.budget_s(), tool="iputils ping")
        parsed = parse_iputils(text)
        if (parsed.transmitted is None and not parsed.garbled) or rc not in (0, 1):
            if "cannot flood" in text:
                raise CollectorError(
                    f"iputils ping: interval {spec.interval_s:g} s is too short "
                    f"for a non-root user: {text.strip()}"
                )
            failure = _common_failure("iputils ping", argv[0], target, text)
            if failure is not None:
                raise failure
            if parsed.transmitted is None and not parsed.garbled:
                lines = len(parsed.replies) + len(parsed.errors) + len(parsed.no_answer)
                raise _unreadable("iputils ping", rc, text, lines, "reply")
            raise CollectorError(f"iputils ping exited with status {rc}: {text.strip()[-400:]}")
        return iputils_result(parsed, spec, argv, text)


def iputils_result(
    parsed: IputilsOutput, spec: ProbeSpec, argv: list[str], text: str
) -> EngineResult:
    """The engine's result from a parsed iputils run (CollectorParseError when unreadable)."""
    rtts, dups, errors = iputils_probes(parsed, spec.count)
    return EngineResult(IputilsEngine.name, rtts, dups, errors, f"$ {' '.join(argv)}\n{text}")


def read_iputils(text: str, spec: ProbeSpec, argv: list[str]) -> EngineResult:
    """What an iputils run printed -> the engine's result; raises only CollectorParseError."""
    return iputils_result(parse_iputils(text), spec, argv, text)
