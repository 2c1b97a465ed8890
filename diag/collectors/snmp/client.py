"""One asyncio SNMP layer for every diag collector, on pysnmp 7 (`pysnmp.hlapi.v3arch.asyncio`).

Why it looks like this (see docs in TESTING.md §1):
- an SnmpEngine costs ~130 ms to build and binds its UDP socket to the loop it first runs on,
  so a client owns exactly one engine, bound to one event loop, and reuses it;
- more than ~256 requests in flight on one engine overflow the UDP receive buffer and replies
  are silently lost, so a semaphore caps requests in flight (default 64);
- a wrong community or an unknown v3 context makes agents stay silent, so a timeout message
  names every usual cause (address/port, credentials, firewall) and never the secret itself.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import Any, ClassVar

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
from pysnmp.proto import errind
from pysnmp.proto.rfc1905 import EndOfMibView, NoSuchInstance, NoSuchObject

from diag.credentials import Secret, redact, resolve
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.model.inventory import Nms, SnmpSettings, SnmpVersion

Oid = tuple[int, ...]
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
    ) -> None:
        if not 1 <= max_in_flight <= 128:
            # Above ~256 the loopback receive buffer drops replies; keep a safety margin.
            raise ValueError("max_in_flight must be between 1 and 128")
        self.max_in_flight = max_in_flight
        self.max_repetitions = max_repetitions
        self.oids_per_request = oids_per_request
        self._loop: asyncio.AbstractEventLoop | None = None
        self._engine: SnmpEngine | None = None
        self._sem: asyncio.Semaphore | None = None
        self._auth: dict[SnmpSettings, _Auth] = {}
        self._transports: dict[tuple[str, int, float, int], Any] = {}

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
            self._sem = asyncio.Semaphore(self.max_in_flight)
        elif self._loop is not loop:
            raise RuntimeError(
                "this SnmpClient is bound to another event loop; use one client per loop "
                "(SnmpClient.shared())"
            )
        return self._engine

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
        var_binds = [ObjectType(ObjectIdentity(oid_str(o))) for o in oids]
        s = target.settings
        # pysnmp enforces timeout/retries itself; this outer bound only guards against a
        # stalled dispatcher so a collector can never hang a diagnosis.
        deadline = s.timeout * (s.retries + 1) + 5.0
        async with self._sem:
            try:
                if kind == "get":
                    coro = get_cmd(
                        engine, auth.data, transport, auth.context, *var_binds, lookupMib=False
                    )
                elif kind == "next":
                    coro = next_cmd(
                        engine, auth.data, transport, auth.context, *var_binds, lookupMib=False
                    )
                else:
                    coro = bulk_cmd(
                        engine,
                        auth.data,
                        transport,
                        auth.context,
                        0,
                        self.max_repetitions,
                        *var_binds,
                        lookupMib=False,
                    )
                err_ind, err_status, err_index, answer = await asyncio.wait_for(coro, deadline)
            except TimeoutError as exc:
                raise CollectorTimeout(self._timeout_message(target, kind)) from exc
            except Exception as exc:  # pysnmp raises PySnmpError and friends for local faults
                raise CollectorError(
                    redact(f"{target.name}: SNMP {kind} failed: {exc}", auth.secrets)
                ) from exc
        if err_ind:
            self._raise_indication(target, kind, err_ind, auth)
        if err_status and int(err_status):
            idx = int(err_index)
            where = oid_str(oids[idx - 1]) if 0 < idx <= len(oids) else "?"
            status = err_status.prettyPrint() if hasattr(err_status, "prettyPrint") else err_status
            raise CollectorError(
                f"{target.name}: agent answered {kind} with error-status {status} at {where}"
            )
        return [(parse_oid(tuple(vb[0])), vb[1]) for vb in answer]

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

    def _raise_indication(self, target: SnmpTarget, kind: str, ind: Any, auth: _Auth) -> None:
        if isinstance(ind, errind.RequestTimedOut):
            raise CollectorTimeout(self._timeout_message(target, kind))
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
        answers = await asyncio.gather(*(self._request("get", target, c) for c in chunks))
        out: dict[str, SnmpValue] = {}
        for answer in answers:
            for oid, value in answer:
                if isinstance(value, NoSuchObject | NoSuchInstance | EndOfMibView):
                    continue
                out[oid_str(oid)] = value
        return out

    async def walk(
        self, target: SnmpTarget, root_oid: str | Sequence[int], bulk: bool = True
    ) -> list[tuple[str, SnmpValue]]:
        """Every (oid, value) under root_oid in order; GETBULK unless bulk=False (GETNEXT)."""
        root = parse_oid(root_oid)
        current = root
        rows: list[tuple[str, SnmpValue]] = []
        while True:
            answer = await self._request("bulk" if bulk else "next", target, [current])
            if not answer:
                return rows
            for oid, value in answer:
                if isinstance(value, EndOfMibView) or oid[: len(root)] != root:
                    return rows
                if oid <= current:
                    # A broken agent looping on one OID would otherwise walk forever.
                    raise CollectorError(
                        f"{target.name}: agent returned non-increasing OID {oid_str(oid)} "
                        f"after {oid_str(current)} while walking {oid_str(root)}"
                    )
                rows.append((oid_str(oid), value))
                current = oid

    async def walk_many(
        self, target: SnmpTarget, roots: Iterable[str | Sequence[int]], bulk: bool = True
    ) -> list[tuple[str, SnmpValue]]:
        """Walk several subtrees side by side (bounded by the in-flight cap); merged in order.

        Walking a table column by column this way costs one round trip per
        `max_repetitions` rows instead of one per `max_repetitions` cells.
        """
        walks = await asyncio.gather(*(self.walk(target, r, bulk) for r in roots))
        merged = {oid: value for rows in walks for oid, value in rows}
        return sorted(merged.items(), key=lambda item: parse_oid(item[0]))
