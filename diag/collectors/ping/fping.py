"""The fping engine: `fping -C N`, a per-probe list (see engines.py)."""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field

from diag.collectors.numbers import (
    MAX_PROBES,
    MAX_RTT_MS,
    NumberError,
    read_float,
)
from diag.collectors.ping.base import (
    EngineResult,
    PingEngine,
    ProbeSpec,
    _binary_unavailable,
    _common_failure,
    _unreadable,
    register,
    run_tool,
)
from diag.errors import CollectorError, CollectorParseError


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
                    raise NumberError(f"{len(values)} probes (more than {MAX_PROBES})")  # noqa: TRY301
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
