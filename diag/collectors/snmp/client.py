"""One asyncio SNMP layer for every diag collector, on pysnmp 7 (`pysnmp.hlapi.v3arch.asyncio`).

Why it looks like this (see docs in TESTING.md §1):
- an SnmpEngine costs ~130 ms to build and binds its UDP socket to the loop it first runs on,
  so a client owns exactly one engine, bound to one event loop, and reuses it;
- more than ~256 requests in flight on one engine overflow the UDP receive buffer and replies
  are silently lost, so a semaphore caps requests in flight (default 64);
- a wrong community or an unknown v3 context makes agents stay silent, so a timeout message
  names every usual cause (address/port, credentials, firewall) and never the secret itself.

Bounds (an agent is a peer diag does not control):
- a walk reads at most `snmp.walk_max_rows` rows per subtree (default 50,000) and runs at most
  `snmp.walk_timeout_s` seconds (default 120, all the columns of a `walk_many` together), and
  stops when the agent's next OID does not increase (one repeated, or going back): an agent
  that always has one more row would otherwise keep a walk going until the run is killed.  Each
  stop raises `WalkTruncated` (a CollectorError) holding the rows read before it, with a
  message naming the stop and the setting; a caller that can report an incomplete list (the
  alarm-mib driver) keeps them and marks its result partial, the others report the error;
- datagrams the engine cannot decode (garbage, truncated BER) are dropped by a guard on the
  engine's receive path, counted per source, and named in the error of a request that then
  gets no answer, instead of pysnmp's traceback on stderr;
- requests run side by side (`walk_many`, `get` of many OIDs) are one unit: the first failure
  cancels the others and waits for them, so no walk goes on unawaited after an error (such a
  walk's late replies used to hit a closed engine and print tracebacks).

The OID and DateAndTime codec is in diag.collectors.snmp.codec, GET and the walks (with their
bounds) in diag.collectors.snmp.walk (mixed into SnmpClient); this module re-exports both.
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from pysnmp.carrier.asyncio.dispatch import AsyncioDispatcher
from pysnmp.entity.rfc3413 import cmdgen as native_cmdgen
from pysnmp.hlapi.v3arch.asyncio import (
    CommunityData,
    ContextData,
    ObjectIdentity,
    ObjectType,
    SnmpEngine,
    Udp6TransportTarget,
    UdpTransportTarget,
    UsmUserData,
    bulk_cmd,
    get_cmd,
    next_cmd,
    usm3DESEDEPrivProtocol,
    usmAesCfb128Protocol,
    usmAesCfb192Protocol,
    usmAesCfb256Protocol,
    usmDESPrivProtocol,
    usmHMAC128SHA224AuthProtocol,
    usmHMAC192SHA256AuthProtocol,
    usmHMAC256SHA384AuthProtocol,
    usmHMAC384SHA512AuthProtocol,
    usmHMACMD5AuthProtocol,
    usmHMACSHAAuthProtocol,
)
from pysnmp.hlapi.v3arch.asyncio.cmdgen import LCD
from pysnmp.proto import errind
from pysnmp.proto.rfc1902 import Null, ObjectName

from diag.collectors.snmp.codec import (
    Oid,
    SnmpValue,
    decode_date_and_time,
    encode_date_and_time,
    oid_str,
    parse_oid,
    string_index,
    take_string_index,
)
from diag.collectors.snmp.walk import Walks, WalkTruncated
from diag.credentials import Secret, redact, resolve
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.model.inventory import Nms, SnmpSettings, SnmpVersion

__all__ = [
    "AUTH_PROTOCOLS",
    "PRIV_PROTOCOLS",
    "Oid",
    "SnmpClient",
    "SnmpTarget",
    "SnmpValue",
    "WalkTruncated",
    "decode_date_and_time",
    "encode_date_and_time",
    "oid_str",
    "parse_oid",
    "string_index",
    "take_string_index",
]

_NULL = Null("")  # a request's value (RFC 3416: the agent ignores it)

AUTH_PROTOCOLS: dict[str, Any] = {
    "MD5": usmHMACMD5AuthProtocol,
    "SHA": usmHMACSHAAuthProtocol,
    "SHA224": usmHMAC128SHA224AuthProtocol,
    "SHA256": usmHMAC192SHA256AuthProtocol,
    "SHA384": usmHMAC256SHA384AuthProtocol,
    "SHA512": usmHMAC384SHA512AuthProtocol,
}
# AES192/AES256 use the "Reeder" key extension (what Cisco and most NMS vendors ship);
# net-snmp calls that variant AES-192-C / AES-256-C.
PRIV_PROTOCOLS: dict[str, Any] = {
    "DES": usmDESPrivProtocol,
    "3DES": usm3DESEDEPrivProtocol,
    "AES": usmAesCfb128Protocol,
    "AES128": usmAesCfb128Protocol,
    "AES192": usmAesCfb192Protocol,
    "AES256": usmAesCfb256Protocol,
}

# pysnmp reports these when the agent answered but refused our v3 credentials.
_AUTH_INDICATIONS = (
    errind.UnknownUserName,
    errind.WrongDigest,
    errind.AuthenticationFailure,
    errind.AuthenticationError,
    errind.DecryptionError,
    errind.UnsupportedSecurityLevel,
    errind.UnknownSecurityName,
    errind.UnsupportedAuthProtocol,
    errind.UnsupportedPrivProtocol,
)


# --------------------------------------------------------------------------- targets


@dataclass(frozen=True)
class SnmpTarget:
    """Where and how to reach one agent; `label` names it in messages ("NMS nms-east")."""

    host: str
    port: int
    settings: SnmpSettings
    label: str = ""

    @classmethod
    def for_nms(cls, nms: Nms) -> SnmpTarget:
        return cls(host=nms.address, port=nms.port, settings=nms.snmp, label=f"NMS {nms.name}")

    @property
    def name(self) -> str:
        where = f"{self.host}:{self.port}"
        return f"{self.label} ({where})" if self.label else f"SNMP agent {where}"


@dataclass
class _Auth:
    data: CommunityData | UsmUserData
    context: ContextData
    secrets: list[Secret]


# --------------------------------------------------------------------------- client


class SnmpClient(Walks):
    """Async SNMP GET / walk over one reused SnmpEngine bound to one event loop.

    Use `async with SnmpClient() as client:` or `SnmpClient.shared()` (one per running loop).
    All calls must run on the loop the client first ran on.
    """

    _shared: ClassVar[weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, SnmpClient]] = (
        weakref.WeakKeyDictionary()
    )

    def __init__(
        self,
        max_in_flight: int = 64,
        max_repetitions: int = 25,
        oids_per_request: int = 32,
        *,
        mib_lookup: bool = False,
    ) -> None:
        if not 1 <= max_in_flight <= 128:
            # Above ~256 the loopback receive buffer drops replies; keep a safety margin.
            raise ValueError("max_in_flight must be between 1 and 128")
        self.max_in_flight = max_in_flight
        self.max_repetitions = max_repetitions
        self.oids_per_request = oids_per_request
        # True: requests through the hlapi, which resolves every OID through the MIB view
        # (the slower path, kept as the benchmark's baseline and the tests' reference).
        self.mib_lookup = mib_lookup
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: SnmpEngine | None = None
        self._sem: asyncio.Semaphore | None = None
        self._auth: dict[SnmpSettings, _Auth] = {}
        self._transports: dict[tuple[str, int, float, int], Any] = {}
        # Undecodable datagrams per source address, and the last decoder error of each.
        self.undecodable: Counter[tuple[str, int]] = Counter()
        self._undecodable_why: dict[tuple[str, int], str] = {}

    @classmethod
    def shared(cls) -> SnmpClient:
        """The client of the running loop (created on first use)."""
        loop = asyncio.get_running_loop()
        client = cls._shared.get(loop)
        if client is None:
            client = cls._shared[loop] = cls()
        return client

    async def __aenter__(self) -> SnmpClient:
        self._bind()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the engine's UDP socket and timer."""
        if self._engine is not None:
            self._engine.close_dispatcher()
            self._engine = None
        self._transports.clear()
        self._auth.clear()
        if self._loop is not None and SnmpClient._shared.get(self._loop) is self:
            del SnmpClient._shared[self._loop]

    def _bind(self) -> SnmpEngine:
        loop = asyncio.get_running_loop()
        if self._loop is None or self._engine is None:
            self._loop = loop
            self._engine = SnmpEngine()
            self._guard_receive(self._engine)
            self._sem = asyncio.Semaphore(self.max_in_flight)
        elif self._loop is not loop:
            raise RuntimeError(
                "this SnmpClient is bound to another event loop; use one client per loop "
                "(SnmpClient.shared())"
            )
        return self._engine

    def _guard_receive(self, engine: SnmpEngine) -> None:
        """Route every datagram the engine receives through a guard that counts the ones it
        cannot use (per source, see `undecodable`) and keeps their errors off stderr.

        pysnmp decodes a datagram in a loop callback: a decoder error there escapes to the loop,
        which prints "Exception in callback ..." with a traceback (garbage from the agent's
        port, a reply arriving after the client closed); a datagram that fails more quietly
        (BER cut short, a wrong version) is only counted in the engine's own MIB counters
        (SNMPv2-MIB snmpInASNParseErrs, snmpInBadVersions, SNMP-MPD-MIB snmpInvalidMsgs) and
        dropped, so the request just times out.  The guard sees both.  The engine's dispatcher
        is created here, before any transport registers with it, so each transport calls it.
        """
        builder = engine.get_mib_builder()
        counters = [
            *builder.import_symbols("__SNMPv2-MIB", "snmpInASNParseErrs", "snmpInBadVersions"),
            *builder.import_symbols("__SNMP-MPD-MIB", "snmpInvalidMsgs"),
        ]

        def dropped() -> int:
            return sum(int(c.syntax) for c in counters)

        dispatcher = AsyncioDispatcher()
        engine.register_transport_dispatcher(dispatcher)
        deliver = dispatcher._callback_function

        def received(transport: Any, address: Any, datagram: Any) -> None:
            before = dropped()
            try:
                deliver(transport, address, datagram)
            except Exception as exc:  # pysnmp/pyasn1 raise anything on undecodable input  # noqa: BLE001
                self._received_garbage(address, f"{type(exc).__name__}: {str(exc)[:120]}")
                return
            if dropped() > before:
                self._received_garbage(
                    address, f"not a well-formed SNMP message ({len(datagram)} bytes)"
                )

        dispatcher._callback_function = received

    def _received_garbage(self, address: Any, why: str) -> None:
        try:
            source = (str(address[0]), int(address[1]))
        except (TypeError, ValueError, IndexError):
            source = (repr(address), 0)
        self.undecodable[source] += 1
        self._undecodable_why[source] = why

    def _garbage_note(self, target: SnmpTarget, before: int) -> str:
        """A sentence for an error when undecodable datagrams came from the target meanwhile."""
        source = (target.host, target.port)
        n = self.undecodable[source] - before
        if n <= 0:
            return ""
        return (
            f" Meanwhile {n} datagram{'s' if n > 1 else ''} from {target.host}:{target.port} "
            f"could not be decoded as SNMP ({self._undecodable_why.get(source, '?')}): what "
            "answers on that port is not a working SNMP agent, or the replies are corrupted on "
            "the way."
        )

    # -- credentials and transport

    def _auth_for(self, settings: SnmpSettings) -> _Auth:
        cached = self._auth.get(settings)
        if cached is not None:
            return cached
        context = ContextData(contextName=settings.context)
        if settings.version is SnmpVersion.v2c:
            assert settings.community is not None  # enforced by SnmpSettings
            community = resolve(settings.community)
            auth = _Auth(CommunityData(community.reveal(), mpModel=1), context, [community])  # noqa: S508
        else:
            assert settings.user and settings.auth_key and settings.priv_key  # noqa: PT018
            auth_key = resolve(settings.auth_key)
            priv_key = resolve(settings.priv_key)
            data = UsmUserData(
                settings.user,
                authKey=auth_key.reveal(),
                privKey=priv_key.reveal(),
                authProtocol=AUTH_PROTOCOLS[settings.auth_protocol],
                privProtocol=PRIV_PROTOCOLS[settings.priv_protocol],
            )
            auth = _Auth(data, context, [auth_key, priv_key])
        self._auth[settings] = auth
        return auth

    async def _transport(self, target: SnmpTarget) -> Any:
        s = target.settings
        key = (target.host, target.port, s.timeout, s.retries)
        transport = self._transports.get(key)
        if transport is None:
            cls = Udp6TransportTarget if ":" in target.host else UdpTransportTarget
            try:
                transport = await cls.create(
                    (target.host, target.port), timeout=s.timeout, retries=s.retries
                )
            except Exception as exc:  # pysnmp wraps resolver errors in PySnmpError
                raise CollectorError(
                    f"{target.name}: cannot resolve {target.host}:{target.port} ({exc}); "
                    "check the address in the inventory"
                ) from exc
            self._transports[key] = transport
        return transport

    # -- requests

    async def _request(
        self, kind: str, target: SnmpTarget, oids: Sequence[Oid]
    ) -> list[tuple[Oid, SnmpValue]]:
        engine = self._bind()
        assert self._sem is not None
        auth = self._auth_for(target.settings)
        transport = await self._transport(target)
        s = target.settings
        # pysnmp enforces timeout/retries itself; this outer bound only guards against a
        # stalled dispatcher so a collector can never hang a diagnosis.
        deadline = s.timeout * (s.retries + 1) + 5.0
        garbage = self.undecodable[(target.host, target.port)]
        async with self._sem:
            try:
                if self.mib_lookup:
                    coro = self._send_hlapi(kind, engine, auth, transport, oids)
                else:
                    coro = self._send(kind, engine, auth, transport, oids)
                # asyncio.timeout, not wait_for: no inner task that could end with an error
                # nobody reads when this request is cancelled (walk_many's siblings).
                async with asyncio.timeout(deadline):
                    err_ind, err_status, err_index, answer = await coro
            except TimeoutError as exc:
                raise CollectorTimeout(
                    self._timeout_message(target, kind) + self._garbage_note(target, garbage)
                ) from exc
            except Exception as exc:  # pysnmp raises PySnmpError and friends for local faults
                raise CollectorError(
                    redact(f"{target.name}: SNMP {kind} failed: {exc}", auth.secrets)
                ) from exc
        if err_ind:
            self._raise_indication(target, kind, err_ind, auth, garbage)
        if err_status and int(err_status):
            idx = int(err_index)
            where = oid_str(oids[idx - 1]) if 0 < idx <= len(oids) else "?"
            status = err_status.prettyPrint() if hasattr(err_status, "prettyPrint") else err_status
            raise CollectorError(
                f"{target.name}: agent answered {kind} with error-status {status} at {where}"
            )
        return [(parse_oid(tuple(vb[0])), vb[1]) for vb in answer]

    def _send(
        self, kind: str, engine: SnmpEngine, auth: _Auth, transport: Any, oids: Sequence[Oid]
    ) -> asyncio.Future[tuple[Any, Any, Any, Sequence[Any]]]:
        """The request through pysnmp's command generators themselves (RFC 3413), with the
        OIDs as plain ObjectNames.

        The hlapi's get_cmd / next_cmd / bulk_cmd resolve every requested OID through the MIB
        view first (make_varbinds -> resolve_with_mib -> get_node_name_by_oid), whatever
        lookupMib says (that option only covers the response): ~25 % of the CPU of a
        60-circuit run, for names nobody reads.  The reply is what the hlapi hands back with
        lookupMib=False: the PDU's (ObjectName, value) pairs, untouched.
        """
        addr_name, _ = LCD.configure(engine, auth.data, transport, auth.context.contextName)
        future: asyncio.Future[tuple[Any, Any, Any, Sequence[Any]]] = (
            asyncio.get_running_loop().create_future()
        )

        def done(
            _engine: Any, _handle: Any, ind: Any, status: Any, index: Any, vbs: Any, _ctx: Any
        ) -> None:
            if not future.done():  # cancelled by a timeout or a sibling's failure
                future.set_result((ind, status, index, vbs))

        var_binds = [(ObjectName(o), _NULL) for o in oids]
        ctx_engine, ctx_name = auth.context.contextEngineId, auth.context.contextName
        if kind == "get":
            generator: Any = native_cmdgen.GetCommandGenerator()
            generator.send_varbinds(engine, addr_name, ctx_engine, ctx_name, var_binds, done)
        elif kind == "next":
            generator = native_cmdgen.NextCommandGenerator()
            generator.send_varbinds(engine, addr_name, ctx_engine, ctx_name, var_binds, done)
        else:
            generator = native_cmdgen.BulkCommandGenerator()
            generator.send_varbinds(
                engine, addr_name, ctx_engine, ctx_name, 0, self.max_repetitions, var_binds, done
            )
        return future

    def _send_hlapi(
        self, kind: str, engine: SnmpEngine, auth: _Auth, transport: Any, oids: Sequence[Oid]
    ) -> Awaitable[Any]:
        """The same request through the hlapi, every OID resolved through the MIB view (the
        baseline bench/snmp_client.py measures; `SnmpClient(mib_lookup=True)`)."""
        var_binds = [ObjectType(ObjectIdentity(oid_str(o))) for o in oids]
        args = (engine, auth.data, transport, auth.context)
        request: Awaitable[Any]
        if kind == "get":
            request = get_cmd(*args, *var_binds, lookupMib=False)
        elif kind == "next":
            request = next_cmd(*args, *var_binds, lookupMib=False)
        else:
            request = bulk_cmd(*args, 0, self.max_repetitions, *var_binds, lookupMib=False)
        return request

    def _timeout_message(self, target: SnmpTarget, kind: str) -> str:
        s = target.settings
        if s.version is SnmpVersion.v2c:
            creds = f"the v2c community ({s.community})"
        else:
            creds = (
                f"the v3 user {s.user!r}, its {s.auth_protocol}/{s.priv_protocol} keys "
                f"({s.auth_key}, {s.priv_key}) and context {s.context!r}"
            )
        return (
            f"{target.name}: no SNMP response to {kind} within {s.timeout:g} s "
            f"({s.retries} retries). Check the address and UDP port, {creds} "
            "(agents silently drop requests with wrong credentials), and any firewall or ACL "
            "between this host and the agent."
        )

    def _raise_indication(
        self, target: SnmpTarget, kind: str, ind: Any, auth: _Auth, garbage: int = 0
    ) -> None:
        if isinstance(ind, errind.RequestTimedOut):
            raise CollectorTimeout(
                self._timeout_message(target, kind) + self._garbage_note(target, garbage)
            )
        text = redact(str(ind), auth.secrets)
        if isinstance(ind, _AUTH_INDICATIONS):
            s = target.settings
            raise CollectorAuthError(
                f"{target.name}: the agent refused our SNMPv3 credentials ({text}). Check "
                f"user {s.user!r}, auth {s.auth_protocol} key {s.auth_key}, priv "
                f"{s.priv_protocol} key {s.priv_key}."
            )
        raise CollectorError(f"{target.name}: SNMP {kind} failed: {text}")
