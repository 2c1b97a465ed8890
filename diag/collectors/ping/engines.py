"""Ways of sending pings from this host, one class per engine, behind a small registry.

Every engine is asyncio-native (subprocesses or non-blocking sockets, no threads) and returns the
same thing: one entry per probe sent, in order, holding the RTT of its first reply or None, plus
duplicate replies, ICMP errors and the raw evidence.  Statistics are not taken from the tools
(see `stats.py`).

Engines (bench/ping_engines.py, 100 probes, 30 ms reply delay, 10 % reply loss by nftables):
every engine counted loss exactly (received = sent − dropped in 16/16 runs each) and their mean
RTTs agree within 0.5 ms; they differ in cost and in what else they can see.
- `iputils`: `/usr/bin/ping` (apt iputils-ping).  Per-reply lines by icmp_seq.  DF set or cleared,
  payload patterns, duplicates, ICMP errors and local errors (DF + too big) all reported.  Needs
  ≥ 16 bytes of payload to time replies.  Stops 2·max-RTT after the last probe, so it finishes
  first (at 20 ms spacing: 2.2 s vs 2.8 s fping, 3.0 s icmplib).
- `fping`: `fping -C` (apt fping).  Per-probe list, any payload size, but no payload pattern, no way
  to clear DF (kernel path-MTU default), silent when DF + size exceeds the MTU or there is no
  route, and no duplicates (5.1 prints them only with -q, which hides ICMP errors; diag keeps the
  errors).  Waits the full timeout for a lost probe before exiting.
- `icmplib`: pure Python (PyPI icmplib), pipelined here: probes leave on schedule while a loop
  reader takes the replies, so a loss costs no more than the timeout at the end.  Raw socket when
  permitted (root/CAP_NET_RAW), else an unprivileged ICMP datagram socket (needs
  `net.ipv4.ping_group_range` to cover the user's group; then ICMP errors are not seen).

`auto` takes the first engine of `AUTO_ORDER` that is usable here and can honour the settings.

Reading the tools' text (`read_iputils`, `read_fping`): numbers are ASCII digits within the
ranges of diag/collectors/numbers.py (at most MAX_PROBES probes, and never more than were asked
for; RTTs up to MAX_RTT_MS).  A reply line whose time is garbled is not a timed reply; a summary
line whose counts are garbled or out of range makes the run unreadable: CollectorParseError, the
one error these readers raise, saying which line.  No list is sized by a printed number beyond
the probes asked for.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import os
import random
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, ClassVar

from diag.collectors.numbers import (
    COUNTER64_MAX,
    MAX_PROBES,
    MAX_RTT_MS,
    PERCENT_MAX,
    NumberError,
    read_float,
    read_int,
)
from diag.errors import CollectorError, CollectorParseError, CollectorTimeout
from diag.settings import CollectorSettings

AUTO_ORDER: tuple[str, ...] = ("iputils", "fping", "icmplib")
GROUP_RANGE_FILE = "/proc/sys/net/ipv4/ping_group_range"
WIDE_GROUP_RANGE = "0 2147483647"
# Slack on top of count·interval + timeout before a tool is killed (start-up, scheduling).
RUN_SLACK_S = 10.0
# Most output a tool may print: a 100,000-probe iputils run prints about 7 MB.  A tool that
# prints on past this (a wrapper in a loop) is stopped, not read into memory for ever.
MAX_OUTPUT_BYTES = 16 << 20


# ============================================================================ what to send
@dataclass(frozen=True)
class ProbeSpec:
    count: int
    interval_s: float
    size: int
    timeout_s: float
    df: bool = False
    pattern: str | None = None  # hex, 1..16 bytes, lower case, no 0x

    @classmethod
    def from_settings(cls, settings: CollectorSettings) -> ProbeSpec:
        pattern = settings.ping_pattern
        if pattern is not None:
            pattern = pattern.strip().lower().removeprefix("0x")
            if not re.fullmatch(r"(?:[0-9a-f]{2}){1,16}", pattern):
                raise CollectorError(
                    f"ping_pattern {settings.ping_pattern!r}: give 1 to 16 bytes in hex, e.g. ff00"
                )
        return cls(
            count=settings.ping_count,
            interval_s=settings.ping_interval_s,
            size=settings.ping_size,
            timeout_s=settings.ping_timeout_s,
            df=settings.ping_df,
            pattern=pattern,
        )

    def budget_s(self) -> float:
        """Longest a run may take before the tool is killed."""
        return self.count * self.interval_s + self.timeout_s + RUN_SLACK_S

    def payload(self) -> bytes | None:
        """The payload bytes when a pattern is set (the pattern repeated to `size`)."""
        if self.pattern is None:
            return None
        unit = bytes.fromhex(self.pattern)
        return (unit * (self.size // len(unit) + 1))[: self.size]


@dataclass
class EngineResult:
    engine: str
    rtts_ms: list[float | None]  # one per probe sent, in order; None = no reply
    duplicates: int = 0
    unreachables: int = 0  # ICMP errors about our probes + local send errors (DF, too big)
    raw: str = ""


# ============================================================================ permissions
def _group_range() -> tuple[int, int] | None:
    try:
        with open(GROUP_RANGE_FILE, encoding="ascii") as f:
            lo, hi = f.read().split()
        return int(lo), int(hi)
    except (OSError, ValueError):
        return None


def _group_range_text() -> str:
    r = _group_range()
    return "unknown" if r is None else f"{r[0]} {r[1]}"


def unprivileged_icmp_allowed() -> bool:
    """Whether this process's groups may open unprivileged ICMP (datagram) sockets."""
    r = _group_range()
    if r is None:
        return False
    return any(r[0] <= g <= r[1] for g in {os.getegid(), *os.getgroups()})


def permission_hint(binary: str | None = None) -> str:
    grant = f"CAP_NET_RAW (setcap cap_net_raw+ep {binary})" if binary else "CAP_NET_RAW"
    return (
        f"run as root, or grant {grant}, or set "
        f"net.ipv4.ping_group_range='{WIDE_GROUP_RANGE}' (sysctl -w; now '{_group_range_text()}')"
    )


CAP_NET_RAW = 13


def _has_net_raw(path: str) -> bool:
    """The file is setuid root or carries cap_net_raw in its permitted set (file capabilities)."""
    try:
        st = os.stat(path)
        if st.st_uid == 0 and st.st_mode & 0o4000:
            return True
        data = os.getxattr(path, "security.capability")
    except OSError:
        return False
    if len(data) < 8:
        return False
    _magic, permitted_lo = struct.unpack_from("<II", data)
    return bool(permitted_lo & (1 << CAP_NET_RAW))


def _binary_unavailable(path: str) -> str | None:
    if os.geteuid() == 0 or _has_net_raw(path) or unprivileged_icmp_allowed():
        return None
    return f"{path} cannot open ICMP sockets as uid {os.geteuid()}: {permission_hint(path)}"


# ============================================================================ subprocess helper
async def run_tool(argv: list[str], *, budget_s: float, tool: str) -> tuple[int, str]:
    """Run a ping tool (C locale, stderr merged into stdout); kill it on timeout or cancel."""
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
    except FileNotFoundError as exc:
        raise CollectorError(f"{tool}: {argv[0]} not found: {exc}") from exc
    except PermissionError as exc:
        raise CollectorError(f"{tool}: cannot execute {argv[0]}: {exc}") from exc
    try:
        out = await asyncio.wait_for(_read_bounded(proc, tool), budget_s)
    except TimeoutError as exc:
        raise CollectorTimeout(
            f"{tool}: {' '.join(argv)} did not finish within {budget_s:.1f} s; killed"
        ) from exc
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            with contextlib.suppress(Exception):
                await asyncio.shield(proc.wait())
    assert proc.returncode is not None
    return proc.returncode, out.decode("utf-8", errors="replace")


async def _read_bounded(proc: asyncio.subprocess.Process, tool: str) -> bytes:
    """The tool's whole output, once it has exited; CollectorError past MAX_OUTPUT_BYTES."""
    assert proc.stdout is not None
    chunks: list[bytes] = []
    size = 0
    while chunk := await proc.stdout.read(1 << 16):
        size += len(chunk)
        if size > MAX_OUTPUT_BYTES:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            while await proc.stdout.read(1 << 16):  # drain to EOF: the pipe then closes
                pass
            raise CollectorError(
                f"{tool} printed more than {MAX_OUTPUT_BYTES >> 20} MiB without finishing "
                "(far more than any ping run diag asks for): stopped; this is not a ping tool's "
                "output diag can read"
            )
        chunks.append(chunk)
    await proc.wait()
    return b"".join(chunks)


def _unreadable(tool: str, rc: int, text: str, lines_read: int, what: str) -> CollectorError:
    """Why a run's output cannot be read: killed by a signal, cut short, or not the tool's."""
    tail = text.strip()[-200:]
    if rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return CollectorError(
            f"{tool} was killed by {name} before it finished: its output stops after "
            f"{lines_read} {what} line(s), with no statistics; the run cannot be read"
        )
    if lines_read:
        return CollectorParseError(
            f"{tool} (exit status {rc}) printed {lines_read} {what} line(s) and then stopped: "
            f"no statistics, the output is cut short; cannot read the run. It ends: {tail!r}"
        )
    return CollectorParseError(
        f"{tool} (exit status {rc}) printed nothing diag can read as its output (no {what} "
        f"line, no statistics): unreadable; is it the real tool? It printed: {tail!r}"
    )


def _common_failure(tool: str, binary: str | None, target: str, text: str) -> CollectorError | None:
    """The run failures every tool words alike (permission, name, route)."""
    low = text.lower()
    if "operation not permitted" in low or "permission denied" in low or "must run as root" in low:
        return CollectorError(
            f"{tool}: not allowed to open an ICMP socket: {permission_hint(binary)}. "
            f"Tool said: {text.strip()}"
        )
    if (
        "name or service not known" in low
        or "temporary failure in name resolution" in low
        or "no address associated" in low
    ):
        return CollectorError(
            f"{tool}: cannot resolve {target!r}: check the name or use an IP address"
        )
    if "network is unreachable" in low:
        return CollectorError(
            f"{tool}: this host has no route to {target} (network unreachable): "
            "check the host's routes / VPN to the management network"
        )
    return None


# ============================================================================ registry
class PingEngine(ABC):
    name: ClassVar[str]

    @abstractmethod
    def unavailable(self) -> str | None:
        """None when this engine can run here, else why not and what to install or grant."""

    def unsupported(self, spec: ProbeSpec) -> str | None:
        """None when the engine can honour `spec`, else why not."""
        return None

    @abstractmethod
    async def ping(self, target: str, spec: ProbeSpec) -> EngineResult:
        """Ping one (already resolved) address; raises CollectorError when it cannot run."""


ENGINES: dict[str, type[PingEngine]] = {}


def register(cls: type[PingEngine]) -> type[PingEngine]:
    ENGINES[cls.name] = cls
    return cls


def get_engine(name: str) -> PingEngine:
    try:
        return ENGINES[name]()
    except KeyError:
        known = ", ".join(["auto", *sorted(ENGINES)])
        raise CollectorError(f"unknown ping_engine {name!r}: use one of {known}") from None


def choose_engine(name: str, spec: ProbeSpec) -> PingEngine:
    """The engine to use for `spec`: the named one, or the first usable one for `auto`."""
    if name != "auto":
        engine = get_engine(name)
        why = engine.unavailable() or engine.unsupported(spec)
        if why:
            raise CollectorError(why if why.startswith(name) else f"ping_engine={name}: {why}")
        return engine
    reasons = []
    for candidate in AUTO_ORDER:
        engine = get_engine(candidate)
        why = engine.unavailable() or engine.unsupported(spec)
        if why is None:
            return engine
        reasons.append(f"{candidate}: {why}")
    raise CollectorError("no ping engine can run here: " + "; ".join(reasons))


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
            assert transmitted is not None and received is not None
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


@cache
def _tool_version(path: str, flag: str) -> str:
    try:
        proc = subprocess.run(
            [path, flag],
            capture_output=True,
            text=True,
            timeout=5,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout + proc.stderr


# ============================================================================ fping
@dataclass
class FpingOutput:
    """What one `fping -C N` run printed (stdout and stderr merged)."""

    per_probe: dict[str, list[float | None]] = field(default_factory=dict)  # -C summary by target
    replies: list[tuple[int, float]] = field(default_factory=list)  # [index], ms
    duplicates: list[tuple[int, float]] = field(default_factory=list)
    timeouts: list[int] = field(default_factory=list)
    icmp_errors: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)


_FPING_REPLY = re.compile(r"^\S+\s+: \[(\d{1,10})\], \d+ bytes, ([\d.]+) ms", re.ASCII)
_FPING_DUP = re.compile(r"^\S+\s+: duplicate for \[(\d{1,10})\], \d+ bytes, ([\d.]+) ms", re.ASCII)
_FPING_TIMEOUT = re.compile(r"^\S+\s+: \[(\d{1,10})\], timed out", re.ASCII)
_FPING_ICMP = re.compile(r"^ICMP .+ from \S+ for ICMP Echo sent to \S+")
_FPING_SUMMARY = re.compile(r"^(\S+)\s+:((?:\s+(?:\d+(?:\.\d+)?|-))+)\s*$", re.ASCII)


def parse_fping(text: str) -> FpingOutput:
    """Parse `fping -C` output.  A line holding a garbled time (not a number, or beyond
    MAX_RTT_MS), or a summary of more than MAX_PROBES probes, is kept in `other`, not read."""
    out = FpingOutput()
    for line in text.splitlines():
        line = line.rstrip()
        if not line:
            continue
        try:
            if m := _FPING_REPLY.match(line):
                out.replies.append((int(m[1]), _fping_ms(m[2])))
            elif m := _FPING_DUP.match(line):
                out.duplicates.append((int(m[1]), _fping_ms(m[2])))
            elif m := _FPING_TIMEOUT.match(line):
                out.timeouts.append(int(m[1]))
            elif _FPING_ICMP.match(line):
                out.icmp_errors.append(line)
            elif m := _FPING_SUMMARY.match(line):
                values = m[2].split()
                if len(values) > MAX_PROBES:
                    raise NumberError(f"{len(values)} probes (more than {MAX_PROBES})")
                out.per_probe[m[1]] = [None if v == "-" else _fping_ms(v) for v in values]
            else:
                out.other.append(line)
        except NumberError:
            out.other.append(line)
    return out


def _fping_ms(text: str) -> float:
    value = read_float(text, MAX_RTT_MS, what="time (ms)")
    assert value is not None
    return value


def read_fping(text: str, spec: ProbeSpec, argv: list[str]) -> EngineResult:
    """What an `fping -C N` run printed -> the engine's result; raises only CollectorParseError
    (no readable per-probe summary, or more probes in it than were asked for)."""
    parsed = parse_fping(text)
    if not parsed.per_probe:
        raise CollectorParseError("fping printed no readable per-probe summary line")
    rtts = next(iter(parsed.per_probe.values()))
    if len(rtts) > spec.count:
        raise CollectorParseError(
            f"fping's summary lists {len(rtts)} probes but it was asked for {spec.count}: "
            "the summary line is garbled"
        )
    return EngineResult(
        FpingEngine.name,
        list(rtts),
        len(parsed.duplicates),
        len(parsed.icmp_errors),
        f"$ {' '.join(argv)}\n{text}",
    )


@register
class FpingEngine(PingEngine):
    name = "fping"

    def binary(self) -> str | None:
        return shutil.which("fping")

    def unavailable(self) -> str | None:
        path = self.binary()
        if path is None:
            return "fping not found: apt-get install fping"
        return _binary_unavailable(path)

    def unsupported(self, spec: ProbeSpec) -> str | None:
        if spec.pattern:
            return "fping cannot set a payload pattern: use ping_engine=iputils or icmplib"
        return None

    def argv(self, target: str, spec: ProbeSpec) -> list[str]:
        path = self.binary() or "fping"
        argv = [
            path,
            "-C",
            str(spec.count),
            "-p",
            f"{spec.interval_s * 1000:g}",
            "-t",
            f"{spec.timeout_s * 1000:g}",
            "-b",
            str(spec.size),
        ]
        if spec.df:
            argv.append("-M")
        return [*argv, target]

    async def ping(self, target: str, spec: ProbeSpec) -> EngineResult:
        argv = self.argv(target, spec)
        rc, text = await run_tool(argv, budget_s=spec.budget_s(), tool="fping")
        parsed = parse_fping(text)
        # fping: 0 all answered, 1 some target unreachable; 2 address not found, 3 bad args, 4 syscall
        if rc not in (0, 1) or not parsed.per_probe:
            failure = _common_failure("fping", argv[0], target, text)
            if failure is not None:
                raise failure
            if not parsed.per_probe and (rc in (0, 1) or rc < 0):
                lines = len(parsed.replies) + len(parsed.timeouts) + len(parsed.icmp_errors)
                raise _unreadable("fping", rc, text, lines, "probe")
            raise CollectorError(f"fping exited with status {rc}: {text.strip()[-400:]}")
        return read_fping(text, spec, argv)


# ============================================================================ icmplib
# Linux socket options Python's socket module does not name.
IP_MTU_DISCOVER, IPV6_MTU_DISCOVER = 10, 23
PMTUDISC_DONT, PMTUDISC_DO = 0, 2
ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
ICMP_ERRORS = {4: {3, 11, 12}, 6: {1, 2, 3, 4}}
_ids = itertools.count(random.randrange(1 << 16))


@dataclass(frozen=True)
class IcmpMessage:
    type: int
    code: int
    id: int
    seq: int  # of our echo request (for errors: the one quoted in the error)


def parse_icmp(packet: bytes, family: int, *, ip_header: bool) -> IcmpMessage | None:
    """An echo reply or an ICMP error quoting an echo request; None for anything else.

    Raw IPv4 sockets deliver the IP header, IPv4 datagram sockets and IPv6 sockets do not.
    """
    if family == 4 and ip_header:
        if not packet:
            return None
        packet = packet[(packet[0] & 0x0F) * 4 :]
    if len(packet) < 8:
        return None
    kind, code = packet[0], packet[1]
    if kind == ECHO_REPLY[family]:
        ident, seq = struct.unpack_from("!HH", packet, 4)
        return IcmpMessage(kind, code, ident, seq)
    if kind in ICMP_ERRORS[family]:
        inner = packet[8:]
        if family == 4:
            if not inner:
                return None
            inner = inner[(inner[0] & 0x0F) * 4 :]
        else:
            inner = inner[40:]
        if len(inner) < 8 or inner[0] != ECHO_REQUEST[family]:
            return None
        ident, seq = struct.unpack_from("!HH", inner, 4)
        return IcmpMessage(kind, code, ident, seq)
    return None


def _icmplib_socket(family: int) -> tuple[Any, bool]:
    """An icmplib socket: raw when permitted, else unprivileged datagram; CollectorError if neither."""
    try:
        import icmplib
    except ImportError as exc:
        raise CollectorError("icmplib is not installed: pip install icmplib") from exc
    cls: Callable[..., Any] = icmplib.ICMPv6Socket if family == 6 else icmplib.ICMPv4Socket
    try:
        return cls(privileged=True), True
    except icmplib.SocketPermissionError:
        pass
    try:
        return cls(privileged=False), False
    except icmplib.SocketPermissionError as exc:
        raise CollectorError(
            f"icmplib: cannot open an ICMP socket as uid {os.geteuid()} (gid {os.getegid()}): "
            "raw sockets need root or CAP_NET_RAW, and unprivileged ICMP sockets are not allowed "
            f"for this group (net.ipv4.ping_group_range = '{_group_range_text()}'); "
            f"{permission_hint()}"
        ) from exc


@dataclass
class _Run:
    """One icmplib run's book-keeping: per probe send time, deadline, RTT."""

    timeout_s: float
    send_at: list[float] = field(default_factory=list)  # wall clock (time.time())
    deadlines: list[float] = field(default_factory=list)  # non-decreasing
    settled: list[bool] = field(default_factory=list)  # answered, or the send failed
    rtts: list[float | None] = field(default_factory=list)
    events: list[str] = field(default_factory=list)
    duplicates: int = 0
    errors: int = 0

    def sent(self, at: float, failed: bool) -> None:
        self.send_at.append(at)
        self.deadlines.append(at + self.timeout_s)
        self.settled.append(failed)
        self.rtts.append(None)

    def reply(self, msg: IcmpMessage, family: int, at: float) -> None:
        if not self.send_at:
            return
        idx = unwrap_seq(msg.seq, len(self.send_at) - 1)
        if not 0 <= idx < len(self.send_at):
            return
        if msg.type == ECHO_REPLY[family]:
            if self.rtts[idx] is not None:
                self.duplicates += 1
                self.events.append(f"seq={idx} duplicate reply")
            else:
                self.rtts[idx] = (at - self.send_at[idx]) * 1000.0
                self.settled[idx] = True
        else:
            self.errors += 1
            self.events.append(f"seq={idx} ICMP error type={msg.type} code={msg.code}")

    def next_wait(self, now: float) -> float | None:
        """Seconds until the last unanswered probe times out, or None when all are settled."""
        first_live = bisect.bisect_right(self.deadlines, now)
        if all(self.settled[first_live:]):
            return None
        return max(0.001, self.deadlines[-1] - now)


@register
class IcmplibEngine(PingEngine):
    """Pipelined on icmplib's sockets: probes leave on schedule while replies are read from the
    socket by a loop reader (no per-probe wait, so a lost reply costs no time)."""

    name = "icmplib"

    def unavailable(self) -> str | None:
        try:
            sock, _ = _icmplib_socket(4)
        except CollectorError as exc:
            return str(exc)
        sock.close()
        return None

    async def ping(self, target: str, spec: ProbeSpec) -> EngineResult:
        import icmplib

        family = 6 if ":" in target else 4
        isock, privileged = _icmplib_socket(family)
        sock: socket.socket = isock.sock
        level, opt = (
            (socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER)
            if family == 6
            else (socket.IPPROTO_IP, IP_MTU_DISCOVER)
        )
        sock.setsockopt(level, opt, PMTUDISC_DO if spec.df else PMTUDISC_DONT)
        sock.setblocking(False)
        loop = asyncio.get_running_loop()
        run = _Run(spec.timeout_s)
        ident = next(_ids) & 0xFFFF
        payload = spec.payload()
        progress = asyncio.Event()

        def readable() -> None:
            while True:
                try:
                    packet = sock.recv(65535)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError as exc:  # e.g. a queued ICMP error on a datagram socket
                    run.events.append(f"receive error: {exc}")
                    break
                at = time.time()
                msg = parse_icmp(packet, family, ip_header=privileged)
                if msg is not None and msg.id == ident:
                    run.reply(msg, family, at)
            progress.set()

        loop.add_reader(sock.fileno(), readable)
        try:
            t0 = loop.time()
            for i in range(spec.count):
                delay = t0 + i * spec.interval_s - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                req = icmplib.ICMPRequest(
                    destination=target,
                    id=ident,
                    sequence=i & 0xFFFF,
                    payload=payload,
                    payload_size=spec.size,
                )
                try:
                    isock.send(req)
                    run.sent(req.time, failed=False)
                except icmplib.ICMPSocketError as exc:  # e.g. EMSGSIZE with DF set
                    if failure := _common_failure("icmplib", None, target, str(exc)):
                        raise failure from exc  # no route / not permitted: nothing can be sent
                    run.sent(time.time(), failed=True)
                    run.errors += 1
                    run.events.append(f"seq={i} local error: {exc}")
                ident = req.id  # unprivileged sockets: the kernel chose the id
            while (wait := run.next_wait(time.time())) is not None:
                progress.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(progress.wait(), wait)
        finally:
            loop.remove_reader(sock.fileno())
            isock.close()
        head = (
            f"icmplib {'raw' if privileged else 'unprivileged datagram'} socket, id={ident}, "
            f"target={target} count={spec.count} interval={spec.interval_s:g}s "
            f"size={spec.size} timeout={spec.timeout_s:g}s df={spec.df}"
        )
        lines = [head]
        lines += [
            f"seq={i} " + ("no reply" if r is None else f"time={r:.3f} ms")
            for i, r in enumerate(run.rtts)
        ]
        lines += run.events
        lines.append(
            f"{len(run.rtts)} sent, {sum(r is not None for r in run.rtts)} received, "
            f"+{run.duplicates} duplicates, +{run.errors} errors"
        )
        return EngineResult(
            self.name, run.rtts, run.duplicates, run.errors, "\n".join(lines) + "\n"
        )
