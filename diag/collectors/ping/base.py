"""The ping engines' common ground: what to send (ProbeSpec), what comes back (EngineResult),
running a tool within a budget, permissions, and the registry (`get_engine`, `choose_engine`).

The engines themselves: iputils.py, fping.py, icmp.py (see engines.py for how they compare).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import struct
import subprocess
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import cache
from typing import ClassVar

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
    import diag.collectors.ping.engines  # noqa: F401  (imports, so registers, every engine)

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


@cache
def _tool_version(path: str, flag: str) -> str:
    try:
        proc = subprocess.run(  # noqa: PLW1510, S603
            [path, flag],
            capture_output=True,
            text=True,
            timeout=5,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return proc.stdout + proc.stderr
