"""Hostile peers for the fault matrix, all on loopback, all real sockets, ptys and processes.

- `UdpFault`: an SNMP "agent" that drops every request (black hole), answers every request with
  bytes that are not SNMP (garbage), forwards to a real agent and cuts every answer in half
  (truncated), forwards a few answers and then falls silent (dropped mid-session), or answers
  every GETNEXT / GETBULK with one more row, for ever (endless).
- `TcpFault`: a TCP port that accepts and never says a word (black hole), answers with bytes
  that are no protocol at all (garbage), or relays to a real server and cuts the connection
  after the client's Nth line (dropped mid-session).
- `HostileSsh`: a real SSH server (asyncssh) that logs in like the lab router (its real CLI
  session behind it) and then answers the show commands with garbage, with the outputs cut
  short, or drops the connection after a couple of commands (in `tests.faults.peers_ssh`).
- `SilentPty`: a pty nobody serves (a console cable plugged into a dead router).
- `TrapRelay`: forwards the huawei-imap NMS's traps to diag, losing some on the way.
- `fake_ping_tools()`: `ping` / `fping` executables that print garbage, stop mid-output, die
  mid-run, print absurd counts or never stop printing.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import stat
import threading
import tty
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, Literal, TypeGuard, TypeVar, get_args

from pyasn1.codec.ber import decoder, encoder
from pysnmp.proto import api

T = TypeVar("T")


class PeerLoop:
    """An asyncio loop in a daemon thread that the hostile peers run on."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="fault-peers", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)


# --------------------------------------------------------------------------- SNMP (UDP)

UdpMode = Literal["blackhole", "garbage", "truncated", "dropped", "endless"]


def is_udp_mode(fault: str) -> TypeGuard[UdpMode]:
    return fault in get_args(UdpMode)


def junk(rng: random.Random, n: int) -> bytes:
    """Bytes that are no protocol: half plain noise, half BER-looking (a SEQUENCE header with a
    length that lies), the kind a decoder has to refuse rather than trust."""
    body = bytes(rng.randrange(256) for _ in range(n))
    if n % 2:
        return b"\x30\x82\x7f\xff\x02\x01\x01" + body
    return body


def snmp_junk(rng: random.Random) -> list[bytes]:
    """What the garbage agent answers each request with: noise, and noise framed as a
    constructed context-tagged BER value (first byte 0xa0-0xbe, a length that fits), on which
    pyasn1 fails with a TypeError inside pysnmp's receive callback: an exception pysnmp leaves
    to the event loop, which printed a traceback before the runner handled it."""
    n = 20 + rng.randrange(100)
    return [
        junk(rng, 40 + rng.randrange(120)),
        bytes([0xA0 | rng.randrange(31), n]) + bytes(rng.randrange(256) for _ in range(n)),
    ]


class _Endless:
    """SNMPv2c answers with one more row for ever: GETNEXT / GETBULK of any OID goes one row
    further down (the OID with one more sub-identifier the first time, the next row after)."""

    def __init__(self) -> None:
        self.rows: set[tuple[int, ...]] = set()
        self.answered = 0

    def _next(self, oid: tuple[int, ...]) -> tuple[int, ...]:
        nxt = (*oid[:-1], oid[-1] + 1) if oid in self.rows else (*oid, 1)
        self.rows.add(nxt)
        return nxt

    def answer(self, data: bytes) -> bytes | None:
        try:
            version = int(api.decodeMessageVersion(data))
        except Exception:
            return None
        if version != api.SNMP_VERSION_2C:
            return None
        p = api.PROTOCOL_MODULES[version]
        req, _ = decoder.decode(data, asn1Spec=p.Message())
        rsp = p.apiMessage.get_response(req)
        req_pdu = p.apiMessage.get_pdu(req)
        rsp_pdu = p.apiMessage.get_pdu(rsp)
        asked = [tuple(oid) for oid, _ in p.apiPDU.get_varbinds(req_pdu)]
        out: list[tuple[Any, Any]] = []
        if req_pdu.isSameTypeWith(p.GetBulkRequestPDU()):
            reps = max(1, int(p.apiBulkPDU.get_max_repetitions(req_pdu)))
            cur = list(asked)
            for _ in range(reps):
                cur = [self._next(o) for o in cur]
                out += [(p.ObjectIdentifier(o), p.Integer(1)) for o in cur]
        elif req_pdu.isSameTypeWith(p.GetNextRequestPDU()):
            out = [(p.ObjectIdentifier(self._next(o)), p.Integer(1)) for o in asked]
        else:  # GET / SET: every object exists and is 1
            out = [(p.ObjectIdentifier(o), p.Integer(1)) for o in asked]
        p.apiPDU.set_varbinds(rsp_pdu, out)
        self.answered += 1
        return bytes(encoder.encode(rsp))


class UdpFault(asyncio.DatagramProtocol):
    """One hostile SNMP port; `upstream` is the real agent for truncated / dropped."""

    def __init__(
        self, mode: UdpMode, upstream: tuple[str, int] | None = None, forward: int = 2
    ) -> None:
        self.mode = mode
        self.upstream = upstream
        self.forward = forward  # dropped: answers relayed before falling silent
        self.received = 0
        self.relayed = 0
        self.port = 0
        self._rng = random.Random(9)
        self._endless = _Endless()
        self._transport: asyncio.DatagramTransport | None = None
        self._back: dict[tuple[str, int], asyncio.DatagramTransport] = {}

    async def start(self) -> int:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(
            lambda: self, local_addr=("127.0.0.1", 0)
        )
        self._transport = transport
        self.port = transport.get_extra_info("sockname")[1]
        return self.port

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.received += 1
        assert self._transport is not None
        if self.mode == "blackhole":
            return
        if self.mode == "garbage":
            for datagram in snmp_junk(self._rng):
                self._transport.sendto(datagram, addr)
            return
        if self.mode == "endless":
            answer = self._endless.answer(data)
            if answer is not None:
                self._transport.sendto(answer, addr)
            return
        if self.mode == "dropped" and self.relayed >= self.forward:
            return
        asyncio.get_running_loop().create_task(self._relay(data, addr))

    async def _relay(self, data: bytes, addr: tuple[str, int]) -> None:
        back = self._back.get(addr)
        if back is None:
            loop = asyncio.get_running_loop()
            back, _ = await loop.create_datagram_endpoint(
                lambda: _Back(self, addr), remote_addr=self.upstream
            )
            self._back[addr] = back
        back.sendto(data)

    def answer(self, data: bytes, addr: tuple[str, int]) -> None:
        assert self._transport is not None
        if self.mode == "dropped":
            if self.relayed >= self.forward:
                return
            self.relayed += 1
            self._transport.sendto(data, addr)
        else:  # truncated: the answer's first half
            self.relayed += 1
            self._transport.sendto(data[: len(data) // 2], addr)

    async def stop(self) -> None:
        for back in self._back.values():
            back.close()
        if self._transport is not None:
            self._transport.close()


class _Back(asyncio.DatagramProtocol):
    def __init__(self, front: UdpFault, client: tuple[str, int]) -> None:
        self.front, self.client = front, client

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        self.front.answer(data, self.client)


class TrapRelay(asyncio.DatagramProtocol):
    """Between the imap NMS and diag's trap receiver: `lose` decides, per trap (its position in
    this query, from 0), whether it is lost.  Retargeted per cell (`to`)."""

    def __init__(self) -> None:
        self.to: tuple[str, int] | None = None
        self.lose: Callable[[int, bytes], bool] = lambda _n, _d: False
        self.seen = 0
        self.lost = 0
        self._transport: asyncio.DatagramTransport | None = None

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        transport, _ = await loop.create_datagram_endpoint(lambda: self, local_addr=(host, port))
        self._transport = transport

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        n = self.seen
        self.seen += 1
        if self.to is None or self.lose(n, data):
            self.lost += 1
            return
        assert self._transport is not None
        self._transport.sendto(data, self.to)

    async def stop(self) -> None:
        if self._transport is not None:
            self._transport.close()


def trap_oid(data: bytes) -> tuple[int, ...] | None:
    """snmpTrapOID.0 of a v2c trap datagram (None when it is not one)."""
    try:
        p = api.PROTOCOL_MODULES[api.SNMP_VERSION_2C]
        msg, _ = decoder.decode(data, asn1Spec=p.Message())
        for oid, value in p.apiPDU.get_varbinds(p.apiMessage.get_pdu(msg)):
            if tuple(oid) == (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0):
                return tuple(value)
    except Exception:
        return None
    return None


# --------------------------------------------------------------------------- TCP

TcpMode = Literal["blackhole", "garbage", "dropped"]


class TcpFault:
    """Accepts and says nothing (blackhole), says nonsense (garbage), or relays to `upstream`
    and cuts the connection once the client has sent `after_lines` lines (dropped)."""

    def __init__(
        self, mode: TcpMode, upstream: tuple[str, int] | None = None, after_lines: int = 6
    ) -> None:
        self.mode = mode
        self.upstream = upstream
        self.after_lines = after_lines
        self.port = 0
        self.accepted = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    async def start(self) -> int:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self.port

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.accepted += 1
        self._writers.add(writer)
        try:
            if self.mode == "blackhole":
                while await reader.read(4096):
                    pass
            elif self.mode == "garbage":
                rng = random.Random(self.accepted)
                while True:
                    line = bytes(rng.randrange(32, 127) for _ in range(70))
                    writer.write(line + b"\r\n" + junk(rng, 30))
                    await writer.drain()
                    try:
                        if not await asyncio.wait_for(reader.read(4096), 0.2):
                            break
                    except TimeoutError:
                        pass
            else:
                await self._relay(reader, writer)
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            with contextlib.suppress(Exception):
                writer.close()

    async def _relay(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self.upstream is not None
        up_r, up_w = await asyncio.open_connection(*self.upstream)
        lines = 0

        async def down() -> None:
            while data := await up_r.read(4096):
                writer.write(data)
                await writer.drain()

        pump = asyncio.ensure_future(down())
        try:
            while data := await reader.read(4096):
                lines += data.count(b"\r") or data.count(b"\n")
                if lines >= self.after_lines:
                    break  # the console server drops the line mid-session
                up_w.write(data)
                await up_w.drain()
        finally:
            pump.cancel()
            up_w.close()
            writer.transport.abort()

    async def stop(self) -> None:
        for w in list(self._writers):
            w.transport.abort()
        if self._server is not None:
            self._server.close()


# --------------------------------------------------------------------------- console (pty)


class SilentPty:
    """A serial line with nothing alive at the far end: the pty's slave is linked at `path`,
    raw (no echo), and nobody ever reads or writes the master."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.master, self.slave = os.openpty()
        tty.setraw(self.slave)
        path.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        path.symlink_to(os.ttyname(self.slave))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        for fd in (self.master, self.slave):
            with contextlib.suppress(OSError):
                os.close(fd)


# --------------------------------------------------------------------------- ping tools

PING_TOOLS = {
    # a tool whose output is noise (a wrong binary, a wrapper printing its own banner)
    "garbage": """\
for i in 1 2 3 4 5; do echo "$(head -c 40 /dev/urandom | od -An -tx1 | tr -d ' \\n')"; done
exit 0
""",
    # the output stops mid-line: replies, no summary
    "truncated": """\
echo "PING $target ($target) 100(128) bytes of data."
echo "108 bytes from $target: icmp_seq=1 ttl=64 time=0.051 ms"
printf "108 bytes from $target: icmp_se"
exit 1
""",
    # the tool is killed mid-run (OOM killer, an operator's kill)
    "dropped": """\
echo "PING $target ($target) 100(128) bytes of data."
echo "108 bytes from $target: icmp_seq=1 ttl=64 time=0.051 ms"
kill -9 $$
""",
    # absurd numbers (a broken build, a corrupted wrapper)
    "huge": """\
echo "PING $target ($target) 100(128) bytes of data."
echo "--- $target ping statistics ---"
echo "99999999999 packets transmitted, 0 received, 100% packet loss, time 2ms"
exit 1
""",
    # never stops printing replies (one more row, for ever)
    "endless": """\
i=1
while :; do echo "108 bytes from $target: icmp_seq=$i ttl=64 time=0.051 ms"; i=$((i+1)); done
""",
}


def fake_ping_tools(folder: Path, fault: str) -> Path:
    """A folder holding `ping` (answers -V as iputils) and `fping` with the fault's behaviour."""
    folder.mkdir(parents=True, exist_ok=True)
    body = PING_TOOLS[fault]
    for name, version in (("ping", "ping from iputils 20221126"), ("fping", "fping: Version 5.1")):
        script = folder / name
        script.write_text(
            "#!/bin/sh\n"
            f'case "$1" in -V|-v) echo "{version}"; exit 0;; esac\n'
            'for a in "$@"; do target="$a"; done\n' + body
        )
        script.chmod(script.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return folder
