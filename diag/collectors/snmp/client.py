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
"""

from __future__ import annotations

import asyncio
import weakref
from collections import Counter
from collections.abc import Awaitable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar, TypeVar

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
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

from diag.credentials import Secret, redact, resolve
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout, CollectorTruncated
from diag.model.inventory import Nms, SnmpSettings, SnmpVersion

Oid = tuple[int, ...]
_NULL = Null("")  # a request's value (RFC 3416: the agent ignores it)
_T = TypeVar("_T")
# A value as pysnmp decoded it (pyasn1 object: OctetString, Integer32, ObjectName, TimeTicks, ...).
# Kept as the library's type so callers can tell an OID from a string; `.prettyPrint()` renders it.
SnmpValue = Any

# SNMPv2-MIB system group (RFC 3418)
SYS_DESCR: Oid = (1, 3, 6, 1, 2, 1, 1, 1, 0)  # SNMPv2-MIB::sysDescr.0
SYS_OBJECT_ID: Oid = (1, 3, 6, 1, 2, 1, 1, 2, 0)  # SNMPv2-MIB::sysObjectID.0
SYS_UPTIME: Oid = (1, 3, 6, 1, 2, 1, 1, 3, 0)  # SNMPv2-MIB::sysUpTime.0
SYS_NAME: Oid = (1, 3, 6, 1, 2, 1, 1, 5, 0)  # SNMPv2-MIB::sysName.0

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


# --------------------------------------------------------------------------- OIDs and TCs


def parse_oid(oid: str | Sequence[int]) -> Oid:
    """'1.3.6.1' / '.1.3.6.1' / (1, 3, 6, 1) -> (1, 3, 6, 1)."""
    if isinstance(oid, str):
        text = oid.strip().lstrip(".")
        try:
            return tuple(int(part) for part in text.split(".")) if text else ()
        except ValueError as exc:
            raise ValueError(f"{oid!r} is not a numeric OID") from exc
    return tuple(int(part) for part in oid)


def oid_str(oid: Sequence[int]) -> str:
    return ".".join(str(part) for part in oid)


def string_index(value: str | bytes) -> Oid:
    """Encode a variable-length string table index (RFC 2578 §7.7: length, then octets)."""
    raw = value.encode("utf-8") if isinstance(value, str) else value
    return (len(raw), *raw)


def take_string_index(oid: Oid, pos: int) -> tuple[bytes, int]:
    """Decode a length-prefixed string index at `pos`; returns (octets, next position)."""
    if pos >= len(oid):
        raise ValueError(f"index of {oid_str(oid)} ends before a string length at {pos}")
    n = oid[pos]
    end = pos + 1 + n
    if end > len(oid) or any(b > 255 for b in oid[pos + 1 : end]):
        raise ValueError(f"bad string index in {oid_str(oid)} at {pos}")
    return bytes(oid[pos + 1 : end]), end


def encode_date_and_time(when: datetime) -> bytes:
    """SNMPv2-TC DateAndTime, 11 octets with the UTC offset (naive times are taken as UTC)."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    offset = when.utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds()) // 60
    sign = b"+" if minutes >= 0 else b"-"
    minutes = abs(minutes)
    return (
        when.year.to_bytes(2, "big")
        + bytes([when.month, when.day, when.hour, when.minute, when.second])
        + bytes([when.microsecond // 100_000])
        + sign
        + bytes([minutes // 60, minutes % 60])
    )


def decode_date_and_time(octets: bytes) -> datetime:
    """SNMPv2-TC DateAndTime (8 or 11 octets) -> timezone-aware datetime.

    8 octets carry no UTC offset; RFC 3877 calls that NOT RECOMMENDED, and we read it as UTC.
    Raises ValueError on anything that is not a valid DateAndTime.
    """
    if len(octets) not in (8, 11):
        raise ValueError(f"DateAndTime has 8 or 11 octets, got {len(octets)}")
    year = int.from_bytes(octets[0:2], "big")
    month, day, hour, minute, second, deci = octets[2:8]
    if deci > 9:
        raise ValueError(f"DateAndTime deci-seconds {deci} out of range 0..9")
    if second == 60:  # leap second, allowed by the TC; datetime has no room for it
        second = 59
    tz: timezone = UTC
    if len(octets) == 11:
        direction = chr(octets[8])
        hours, mins = octets[9], octets[10]
        if direction not in "+-" or hours > 13 or mins > 59:
            raise ValueError(f"DateAndTime UTC offset {direction}{hours}:{mins} is invalid")
        delta = timedelta(hours=hours, minutes=mins)
        tz = timezone(-delta if direction == "-" else delta)
    return datetime(year, month, day, hour, minute, second, deci * 100_000, tzinfo=tz)


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


class WalkTruncated(CollectorTruncated):
    """A walk stopped at a bound (rows, time) or at an agent whose OIDs stopped increasing.

    `rows` are the (oid, value) pairs read before the stop, in order; `reason` says which stop.
    """

    def __init__(self, message: str, rows: list[tuple[str, SnmpValue]], reason: str) -> None:
        super().__init__(message, rows)
        self.rows = rows
        self.reason = reason


@dataclass
class _Auth:
    data: CommunityData | UsmUserData
    context: ContextData
    secrets: list[Secret]


# --------------------------------------------------------------------------- client


class SnmpClient:
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
            except Exception as exc:  # pysnmp/pyasn1 raise anything on undecodable input
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
            auth = _Auth(CommunityData(community.reveal(), mpModel=1), context, [community])
        else:
            assert settings.user and settings.auth_key and settings.priv_key
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

    async def get(
        self, target: SnmpTarget, oids: Iterable[str | Sequence[int]]
    ) -> dict[str, SnmpValue]:
        """GET the OIDs (split into several PDUs when many); absent instances are left out."""
        wanted = list(dict.fromkeys(parse_oid(o) for o in oids))
        chunks = [
            wanted[i : i + self.oids_per_request]
            for i in range(0, len(wanted), self.oids_per_request)
        ]
        answers = await _together([self._request("get", target, c) for c in chunks])
        out: dict[str, SnmpValue] = {}
        for answer in answers:
            for oid, value in answer:
                if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView):
                    continue
                out[oid_str(oid)] = value
        return out

    async def walk(
        self,
        target: SnmpTarget,
        root_oid: str | Sequence[int],
        bulk: bool = True,
        *,
        deadline: float | None = None,
    ) -> list[tuple[str, SnmpValue]]:
        """Every (oid, value) under root_oid in order; GETBULK unless bulk=False (GETNEXT).

        Bounded by the target's `walk_max_rows` and `walk_timeout_s` (or `deadline`, a loop
        time), and stopped when the agent's next OID does not increase: each raises
        WalkTruncated with the rows read before it.
        """
        s = target.settings
        loop = asyncio.get_running_loop()
        if deadline is None:
            deadline = loop.time() + s.walk_timeout_s
        root = parse_oid(root_oid)
        current = root
        rows: list[tuple[str, SnmpValue]] = []
        kind = "bulk" if bulk else "next"
        while True:
            if loop.time() >= deadline:
                raise self._cut(target, root, rows, _time_limit(s))
            try:
                async with asyncio.timeout_at(deadline):
                    answer = await self._request(kind, target, [current])
            except TimeoutError:
                raise self._cut(target, root, rows, _time_limit(s)) from None
            if not answer:
                return rows
            for oid, value in answer:
                if isinstance(value, EndOfMibView) or oid[: len(root)] != root:
                    return rows
                if oid <= current:
                    # An agent looping on one OID (or going back) would walk forever.
                    raise self._cut(
                        target,
                        root,
                        rows,
                        f"the agent returned OID {oid_str(oid)} after {oid_str(current)}: "
                        "OIDs must increase (a broken agent or a table changing under the walk)",
                    )
                if len(rows) >= s.walk_max_rows:
                    raise self._cut(
                        target,
                        root,
                        rows,
                        f"the row limit ({s.walk_max_rows} rows, snmp.walk_max_rows) was reached "
                        "and the agent had more",
                    )
                rows.append((oid_str(oid), value))
                current = oid

    def _cut(
        self, target: SnmpTarget, root: Oid, rows: list[tuple[str, SnmpValue]], why: str
    ) -> WalkTruncated:
        return WalkTruncated(
            f"{target.name}: walk of {oid_str(root)} stopped after {len(rows)} rows: {why}",
            rows,
            why,
        )

    async def walk_many(
        self, target: SnmpTarget, roots: Iterable[str | Sequence[int]], bulk: bool = True
    ) -> list[tuple[str, SnmpValue]]:
        """Walk several subtrees side by side (bounded by the in-flight cap); merged in order.

        Walking a table column by column this way costs one round trip per
        `max_repetitions` rows instead of one per `max_repetitions` cells.  The subtrees share
        one time limit (`walk_timeout_s`); each has its own row limit.  When any walk stops
        early, the others still finish and WalkTruncated carries every row read, merged.
        """
        subtrees = list(roots)
        deadline = asyncio.get_running_loop().time() + target.settings.walk_timeout_s

        async def one(
            root: str | Sequence[int],
        ) -> tuple[list[tuple[str, SnmpValue]], WalkTruncated | None]:
            try:
                return await self.walk(target, root, bulk, deadline=deadline), None
            except WalkTruncated as cut:
                return cut.rows, cut

        walks = await _together([one(r) for r in subtrees])
        merged_map = {oid: value for rows, _ in walks for oid, value in rows}
        # The keys are oid_str's own text (no leading dot, no spaces): split is enough, and
        # twice as fast as parse_oid on the thousands of rows of a table.
        merged = sorted(merged_map.items(), key=lambda item: tuple(map(int, item[0].split("."))))
        cuts = [cut for _, cut in walks if cut is not None]
        if cuts:
            more = (
                f" (and {len(cuts) - 1} more of the {len(subtrees)} subtrees)" if cuts[1:] else ""
            )
            raise WalkTruncated(f"{cuts[0]}{more}", merged, cuts[0].reason)
        return merged


def _time_limit(s: SnmpSettings) -> str:
    return f"the time limit ({s.walk_timeout_s:g} s, snmp.walk_timeout_s) ran out"


async def _together(aws: list[Awaitable[_T]]) -> list[_T]:
    """Await all side by side; the first failure cancels the rest and waits for them (so nothing
    keeps running, or later fails unobserved, after the caller has its error), then raises."""
    tasks = [asyncio.ensure_future(a) for a in aws]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
