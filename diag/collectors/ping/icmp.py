"""The icmplib engine: pure Python, pipelined, raw or unprivileged ICMP sockets (see engines.py)."""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import itertools
import os
import random
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from diag.collectors.ping.base import (
    EngineResult,
    PingEngine,
    ProbeSpec,
    _common_failure,
    _group_range_text,
    permission_hint,
    register,
)
from diag.collectors.ping.iputils import unwrap_seq
from diag.errors import CollectorError

# ============================================================================ icmplib
# Linux socket options Python's socket module does not name.
IP_MTU_DISCOVER, IPV6_MTU_DISCOVER = 10, 23
PMTUDISC_DONT, PMTUDISC_DO = 0, 2
ECHO_REQUEST = {4: 8, 6: 128}
ECHO_REPLY = {4: 0, 6: 129}
ICMP_ERRORS = {4: {3, 11, 12}, 6: {1, 2, 3, 4}}
_ids = itertools.count(random.randrange(1 << 16))  # noqa: S311


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
