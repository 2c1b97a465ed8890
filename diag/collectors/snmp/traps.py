"""An asyncio SNMP notification receiver (traps and informs, v1/v2c/v3) on pysnmp 7.

Collectors that need an NMS to *push* to us (the Huawei iMAP active-alarm query answers with
traps) start one for the duration of a collection:

    async with TrapReceiver("0.0.0.0:16162", [nms.snmp], engine_ids=[nms_engine_id],
                            sources=["10.30.0.7"]) as rx:
        trap = await rx.get(timeout=5.0)

What it accepts: a notification whose datagram comes from one of `sources` (addresses, networks
or host names; None: any source) and that carries the community of a v2c credential (v1 too),
or that a v3 credential's user signed and encrypted (authPriv).  Everything else is refused
before anyone sees it, and counted (`rejected()`, `rejected_sources()`, `rejections()`):

- another source address: dropped as the datagram arrives, before pysnmp parses it (an inform
  from there is not acknowledged either);
- a wrong community, an unknown v3 user, a wrong auth or priv key: pysnmp drops it without a
  callback and counts it in the engine's counters, which `rejected()` reads;
- v3 below authPriv (noAuthNoPriv or authNoPriv under the right user name): pysnmp's USM
  accepts these, since a user name is no secret; refused here, in the callback.

Why it looks like this (TESTING.md §2):
- the socket is bound by us, without SO_REUSEADDR, so a port already held by another receiver
  (a second diag run, snmptrapd) fails loudly instead of silently sharing the datagrams;
- a v3 *trap* is authenticated with keys localised to the *sender's* engine ID (the sender is
  authoritative, RFC 3414 §3.2), so the receiver must be told that engine ID up front
  (`engine_ids`, `add_engine_id`: pysnmp 7's `add_v3_user(..., securityEngineId=...)`); a v3
  *inform* uses the receiver's own engine ID, so the same user is also registered without one;
- the source check is only as strong as UDP: an address can be spoofed.  With v2c the community
  (clear text on the wire) is the only other proof; v3 authPriv is the one that authenticates.

The listen address and source checks are in diag.collectors.snmp.trap_sources, the refusal
counts in diag.collectors.snmp.trap_rejections (mixed into TrapReceiver); both re-exported here.
"""

from __future__ import annotations

import asyncio
import errno
import socket
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pysnmp.carrier.asyncio.dgram import udp, udp6
from pysnmp.entity import config
from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import ntfrcv
from pysnmp.proto import rfc1905
from pysnmp.proto.rfc1902 import OctetString

from diag.collectors.snmp.client import (
    AUTH_PROTOCOLS,
    PRIV_PROTOCOLS,
    Oid,
    SnmpValue,
    oid_str,
    parse_oid,
)
from diag.collectors.snmp.trap_rejections import (
    NOT_FROM_SOURCE,
    REJECT_WORDS,
    V3_NOT_AUTHPRIV,
    Rejections,
)
from diag.collectors.snmp.trap_sources import (
    TRAP_RCVBUF,
    Network,
    _CheckedUdp,
    _CheckedUdp6,
    _host_of,
    _ip,
    _large_receive_buffer,
    _network,
    parse_listen,
)
from diag.credentials import resolve
from diag.errors import CollectorError
from diag.model.inventory import SnmpSettings, SnmpVersion

SYS_UPTIME_0: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)  # SNMPv2-MIB::sysUpTime.0
SNMP_TRAP_OID_0: Oid = (1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0)  # SNMPv2-MIB::snmpTrapOID.0
_VERSIONS = {0: "v1", 1: "v2c", 3: "v3"}  # messageProcessingModel -> version
AUTH_PRIV = 3  # snmpSecurityLevel authPriv (RFC 3411)


@dataclass(frozen=True)
class Trap:
    """One received notification, with its varbinds in the order they arrived."""

    received: datetime  # UTC
    source: tuple[str, int]
    version: str  # v1 | v2c | v3 (v1 traps arrive translated to v2 form by pysnmp)
    security_name: str  # the community's security name, or the v3 user
    inform: bool
    varbinds: tuple[tuple[Oid, SnmpValue], ...]

    @property
    def trap_oid(self) -> Oid | None:
        value = self.get(SNMP_TRAP_OID_0)
        try:
            return tuple(value) if value is not None else None
        except TypeError:
            return None

    @property
    def uptime(self) -> int | None:
        value = self.get(SYS_UPTIME_0)
        try:
            return int(value) if value is not None else None
        except (TypeError, ValueError):
            return None

    def get(self, oid: str | Sequence[int]) -> SnmpValue | None:
        """The value of the first varbind named exactly `oid`, or None."""
        wanted = parse_oid(oid)
        for name, value in self.varbinds:
            if name == wanted:
                return value
        return None

    def under(self, prefix: Sequence[int]) -> dict[Oid, SnmpValue]:
        """Varbinds whose OID starts with prefix (later duplicates win)."""
        n = len(prefix)
        p = tuple(prefix)
        return {name: value for name, value in self.varbinds if name[:n] == p}

    @property
    def raw(self) -> dict[str, str]:
        """OID -> value as printed, the evidence kept in observations."""
        return {oid_str(name): value.prettyPrint() for name, value in self.varbinds}


@dataclass
class _Credentials:
    communities: list[str] = field(default_factory=list)
    users: list[SnmpSettings] = field(default_factory=list)


class TrapReceiver(Rejections):
    """Receives SNMP traps and informs on one UDP address, on the caller's running loop.

    credentials: the SNMP settings whose community (v2c, also accepted for v1) or v3 user
    (authPriv only) the senders use.  engine_ids: the senders' snmpEngineIDs, needed for v3
    traps (not informs); more can be added with `add_engine_id` while running.  sources: the
    addresses (IPv4/IPv6, a network as 'addr/prefix', or a host name, resolved at start) the
    notifications may come from; None accepts any source.  Received traps queue up for `get()`.
    Port 0 picks a free port: read `.port` after start().
    """

    def __init__(
        self,
        listen: str | tuple[str, int],
        credentials: Iterable[SnmpSettings],
        engine_ids: Iterable[bytes] = (),
        label: str = "",
        max_queue: int = 100_000,
        sources: Iterable[str] | None = None,
    ) -> None:
        self.host, self.port = parse_listen(listen)
        self.label = label or "trap receiver"
        self.sources: list[str] | None = list(sources) if sources is not None else None
        self._allowed: list[Network] = []
        self._refused: Counter[str] = Counter()  # our own refusals, by reason
        self._refused_from: Counter[str] = Counter()  # sources refused, by address
        self._weak_from: Counter[str] = Counter()  # v3 below authPriv, by address
        self._creds = _Credentials()
        for s in credentials:
            if s.version is SnmpVersion.v2c:
                assert s.community is not None  # enforced by SnmpSettings
                self._creds.communities.append(resolve(s.community).reveal())
            else:
                self._creds.users.append(s)
        self._engine_ids: list[bytes] = list(dict.fromkeys(engine_ids))
        self._engine: SnmpEngine | None = None
        self._receiver: ntfrcv.NotificationReceiver | None = None
        self._sock: socket.socket | None = None
        self._queue: asyncio.Queue[Trap] = asyncio.Queue(max_queue)
        self._engine_counts: dict[str, int] = {}  # the engine's refusal counters at stop()
        self.dropped = 0  # traps lost because the queue was full

    # -- life cycle

    @property
    def running(self) -> bool:
        return self._engine is not None

    @property
    def where(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"UDP {host}:{self.port}"

    async def __aenter__(self) -> TrapReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _bind(self) -> socket.socket:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        try:
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as exc:
            raise CollectorError(f"{self.label}: cannot create a UDP socket: {exc}") from exc
        _large_receive_buffer(sock)
        try:
            # No SO_REUSEADDR: on Linux it would let two receivers share (and split) the traps.
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            where = self.where
            if exc.errno == errno.EADDRINUSE:
                raise CollectorError(
                    f"{self.label}: cannot receive traps on {where}: the port is already in use "
                    "(another diag run, or a trap daemon such as snmptrapd, holds it). Stop "
                    "that process, or change trap_listen in the inventory and register the new "
                    "address as a trap target on the NMS."
                ) from exc
            if exc.errno == errno.EACCES:
                raise CollectorError(
                    f"{self.label}: no permission to listen on {where} (ports below 1024 need "
                    "root or CAP_NET_BIND_SERVICE); use a port >= 1024 in trap_listen and "
                    "register it as the trap target on the NMS."
                ) from exc
            if exc.errno == errno.EADDRNOTAVAIL:
                raise CollectorError(
                    f"{self.label}: {self.host} in trap_listen is not an address of this host; "
                    "use one of its addresses or 0.0.0.0."
                ) from exc
            raise CollectorError(
                f"{self.label}: cannot listen for traps on {where}: {exc.strerror or exc}"
            ) from exc
        sock.setblocking(False)
        return sock

    async def _resolve_sources(self, specs: Iterable[str] | None = None) -> list[Network]:
        """The allowed source networks; a host name stands for every address it resolves to."""
        assert self.sources is not None
        loop = asyncio.get_running_loop()
        out: list[Network] = []
        for spec in self.sources if specs is None else specs:
            net = _network(spec)
            if net is not None:
                out.append(net)
                continue
            try:
                infos = await loop.getaddrinfo(spec, None, type=socket.SOCK_DGRAM)
            except OSError as exc:
                raise CollectorError(
                    f"{self.label}: trap source {spec!r} does not resolve ({exc}); without its "
                    "addresses no notification could be told genuine. Give its IP address in "
                    "trap_sources."
                ) from exc
            for info in infos:
                resolved = _network(str(info[4][0]))
                if resolved is not None and resolved not in out:
                    out.append(resolved)
        return out

    def _admit(self, address: object) -> bool:
        """Whether a datagram from `address` may be read (counted when not)."""
        host = _host_of(address)
        ip = _ip(host)
        if ip is not None and any(ip in net for net in self._allowed):
            return True
        self._refused[NOT_FROM_SOURCE] += 1
        self._refused_from[str(ip) if ip is not None else host or "?"] += 1
        return False

    async def start(self) -> None:
        """Bind the UDP port and start accepting notifications."""
        if self._engine is not None:
            return
        if self.sources is not None:
            self._allowed = await self._resolve_sources()
        sock = self._bind()
        self.port = sock.getsockname()[1]
        engine = SnmpEngine()
        transport: _CheckedUdp | _CheckedUdp6
        if sock.family == socket.AF_INET6:
            transport = _CheckedUdp6()
            domain = udp6.DOMAIN_NAME
        else:
            transport = _CheckedUdp()
            domain = udp.DOMAIN_NAME
        if self.sources is not None:
            transport.admit = self._admit
        config.add_transport(engine, domain, transport.open_server_mode(sock=sock))
        for n, community in enumerate(self._creds.communities, start=1):
            config.add_v1_system(engine, f"trap-community-{n}", community)
        for s in self._creds.users:
            self._add_user(engine, s, None)  # informs: we are authoritative
            for engine_id in self._engine_ids:
                self._add_user(engine, s, engine_id)
        self._receiver = ntfrcv.NotificationReceiver(engine, self._on_notification)
        self._engine, self._sock = engine, sock
        # Let the endpoint be created before anyone sends to it.
        await asyncio.sleep(0)

    def _add_user(self, engine: SnmpEngine, s: SnmpSettings, engine_id: bytes | None) -> None:
        assert s.user and s.auth_key and s.priv_key  # enforced by SnmpSettings  # noqa: PT018
        kwargs: dict[str, Any] = {}
        if engine_id is not None:
            kwargs["securityEngineId"] = OctetString(engine_id)
        config.add_v3_user(
            engine,
            s.user,
            AUTH_PROTOCOLS[s.auth_protocol],
            resolve(s.auth_key).reveal(),
            PRIV_PROTOCOLS[s.priv_protocol],
            resolve(s.priv_key).reveal(),
            **kwargs,
        )

    def add_engine_id(self, engine_id: bytes) -> None:
        """Accept v3 traps from one more sender engine (no-op if known)."""
        if engine_id in self._engine_ids:
            return
        self._engine_ids.append(engine_id)
        if self._engine is not None:
            for s in self._creds.users:
                self._add_user(self._engine, s, engine_id)

    async def accept(self, credentials: Iterable[SnmpSettings], sources: Iterable[str]) -> None:
        """Accept notifications from more senders, also while running (one receiver shared by
        several NMSs that send to one address): their communities or v3 users, from `sources`.
        A receiver made with sources=None keeps accepting any source."""
        for s in credentials:
            if s.version is SnmpVersion.v2c:
                assert s.community is not None  # enforced by SnmpSettings
                community = resolve(s.community).reveal()
                if community not in self._creds.communities:
                    self._creds.communities.append(community)
                    if self._engine is not None:
                        n = len(self._creds.communities)
                        config.add_v1_system(self._engine, f"trap-community-{n}", community)
            elif s not in self._creds.users:
                self._creds.users.append(s)
                if self._engine is not None:
                    for engine_id in (None, *self._engine_ids):
                        self._add_user(self._engine, s, engine_id)
        if self.sources is not None:
            new = [spec for spec in sources if spec not in self.sources]
            if new:
                nets = await self._resolve_sources(new) if self._engine is not None else []
                self.sources += new
                self._allowed += [n for n in nets if n not in self._allowed]

    def sent_with(self, trap: Trap, settings: SnmpSettings) -> bool:
        """Whether `trap` came with these credentials (its community, or its v3 user)."""
        if settings.version is SnmpVersion.v2c:
            assert settings.community is not None
            community = resolve(settings.community).reveal()
            if community not in self._creds.communities:
                return False
            n = self._creds.communities.index(community) + 1
            return trap.version in ("v1", "v2c") and trap.security_name == f"trap-community-{n}"
        return trap.version == "v3" and trap.security_name == settings.user

    async def stop(self) -> None:
        """Stop receiving and release the port (it can be bound again on return)."""
        if self._engine is not None:
            self._engine_counts = {
                k: v for k, v in self.rejected().items() if k not in self._refused
            }
        engine, sock, receiver = self._engine, self._sock, self._receiver
        self._engine = self._sock = self._receiver = None
        if engine is None:
            return
        if receiver is not None:
            receiver.close(engine)
        engine.close_dispatcher()
        # asyncio closes the socket from a call_soon callback; wait for it, then make sure.
        for _ in range(100):
            if sock is None or sock.fileno() == -1:
                break
            await asyncio.sleep(0)
        if sock is not None and sock.fileno() != -1:
            sock.close()

    # -- receiving

    def _on_notification(
        self,
        snmp_engine: SnmpEngine,
        state_ref: Any,
        ctx_engine_id: Any,
        ctx_name: Any,
        var_binds: Any,
        cb_ctx: Any,
    ) -> None:
        # Runs inside pysnmp's message processing, so the request's execution context is set.
        source: tuple[str, int] = ("", 0)
        try:
            _, addr = snmp_engine.message_dispatcher.get_transport_info(state_ref)
            source = (str(addr[0]), int(addr[1]))
        except Exception:  # transport info is best effort: the trap itself is what matters  # noqa: BLE001, S110
            pass
        exec_ctx = snmp_engine.observer.get_execution_context("rfc3412.receiveMessage:request")
        mp_model = int(exec_ctx.get("messageProcessingModel", 1))
        if mp_model == 3 and int(exec_ctx.get("securityLevel", 0)) != AUTH_PRIV:
            # USM takes noAuthNoPriv / authNoPriv under a known user name (no key needed for
            # the first): anyone could send it.  (An inform is already acknowledged by now.)
            self._refused[V3_NOT_AUTHPRIV] += 1
            self._weak_from[source[0] or "?"] += 1
            return
        pdu = exec_ctx.get("pdu")
        inform = pdu is not None and pdu.tagSet == rfc1905.InformRequestPDU.tagSet
        security_name = exec_ctx.get("securityName")
        trap = Trap(
            received=datetime.now(UTC),
            source=source,
            version=_VERSIONS.get(mp_model, str(mp_model)),
            security_name=str(security_name) if security_name is not None else "",
            inform=inform,
            varbinds=tuple((tuple(name), value) for name, value in var_binds),
        )
        try:
            self._queue.put_nowait(trap)
        except asyncio.QueueFull:
            self.dropped += 1

    async def get(self, timeout: float | None = None) -> Trap:  # noqa: ASYNC109
        """The next notification; raises TimeoutError when none arrives within timeout."""
        if timeout is None:
            return await self._queue.get()
        return await asyncio.wait_for(self._queue.get(), max(timeout, 0.0))

    def get_nowait(self) -> Trap | None:
        """The next queued notification, or None."""
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            return None


__all__ = [
    "NOT_FROM_SOURCE",
    "REJECT_WORDS",
    "SNMP_TRAP_OID_0",
    "SYS_UPTIME_0",
    "TRAP_RCVBUF",
    "V3_NOT_AUTHPRIV",
    "Trap",
    "TrapReceiver",
    "parse_listen",
]
