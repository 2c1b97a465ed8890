"""The lab's SNMP agent for one device (an NE or a router): pysnmp's command responder over a
sorted OID map, with the v3 users and views of the inventory.  What it serves: ne_agent.py
(NEs) and router_mib.py (routers)."""

from __future__ import annotations

import asyncio
import bisect
import socket
from collections.abc import Mapping, Sequence
from typing import Any

from pysnmp.entity.engine import SnmpEngine
from pysnmp.entity.rfc3413 import cmdrsp, context
from pysnmp.proto.rfc1902 import (
    ObjectName,
)
from pysnmp.proto.rfc1905 import endOfMibView, noSuchInstance, noSuchObject
from pysnmp.smi.instrum import AbstractMibInstrumController

from diag.credentials import LAB_SECRETS
from diag.lab.ne_agent import (
    V3_USER,
    E1Port,
    Oid,
    Reading,
    ne_oids,
)
from diag.lab.router_mib import router_oids
from diag.lab.routers.clock import Clock, LabClock, Moment
from diag.lab.routers.state import RouterState
from diag.lab.snmp_engine import bind_udp, responder_engine

# --------------------------------------------------------------------------- the agent


class _Map:
    """Sorted OID -> value map, answered at one moment per request."""

    def __init__(self, values: Mapping[Oid, Any]) -> None:
        self.values = dict(values)
        self.keys = sorted(self.values)

    def _resolve(self, value: Any, at: Moment) -> Any:
        return value.read(at) if isinstance(value, Reading) else value

    def get(self, oid: Oid, at: Moment) -> Any:
        if oid in self.values:
            return self._resolve(self.values[oid], at)
        # An instance of a known object (same column, other index) -> noSuchInstance.
        i = bisect.bisect_left(self.keys, oid[:-1])
        if i < len(self.keys) and self.keys[i][: len(oid) - 1] == oid[:-1]:
            return noSuchInstance
        return noSuchObject

    def next(self, oid: Oid, at: Moment) -> tuple[Oid, Any]:
        i = bisect.bisect_right(self.keys, oid)
        if i >= len(self.keys):
            return oid, endOfMibView
        nxt = self.keys[i]
        return nxt, self._resolve(self.values[nxt], at)


class _Instrum(AbstractMibInstrumController):  # type: ignore[misc]
    def __init__(self, agent: DeviceAgent) -> None:
        self._agent = agent

    @staticmethod
    def _check_access(name: ObjectName, idx: int, ctx: dict[str, Any]) -> None:
        # pysnmp's own VACM check (refuses e.g. a v3 request without privacy); the views are
        # the whole tree, so GETNEXT never has to skip an OID.
        ac = ctx.get("acFun")
        if ac is not None:
            ctx["idx"] = idx
            ac("read", (name, None), **ctx)

    def read_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[ObjectName, Any]]:
        snap, at = self._agent._map, self._agent.clock.moment()
        out = []
        for i, (name, _) in enumerate(var_binds):
            oid = tuple(name)
            self._check_access(ObjectName(oid), i, ctx)
            out.append((ObjectName(oid), snap.get(oid, at)))
        return out

    def read_next_variables(self, *var_binds: Any, **ctx: Any) -> list[tuple[ObjectName, Any]]:
        snap, at = self._agent._map, self._agent.clock.moment()
        out = []
        for i, (name, _) in enumerate(var_binds):
            oid, value = snap.next(tuple(name), at)
            self._check_access(ObjectName(oid), i, ctx)
            out.append((ObjectName(oid), value))
        return out


class DeviceAgent:
    """A lab device's SNMP agent on UDP host:port, on the caller's running event loop.

    oids: OID -> pyasn1 value or Reading (see the builders).  Port 0 picks a free port; read
    `.port` after start().  Credentials default to the lab's published ones (lab:nms-community,
    v3 user diag-lab with lab:nms-auth-key SHA / lab:nms-priv-key AES-128).
    """

    def __init__(
        self,
        name: str,
        host: str,
        port: int,
        oids: Mapping[Oid, Any],
        *,
        clock: Clock | None = None,
        community: str | None = None,
        v3_user: str = V3_USER,
        auth_key: str | None = None,
        priv_key: str | None = None,
    ) -> None:
        self.name = name
        self.host = host
        self.port = port
        self.clock: Clock = clock or LabClock()
        self.community = community or LAB_SECRETS["nms-community"]
        self.v3_user = v3_user
        self._auth_key = auth_key or LAB_SECRETS["nms-auth-key"]
        self._priv_key = priv_key or LAB_SECRETS["nms-priv-key"]
        self._map = _Map(oids)
        self._engine: SnmpEngine | None = None
        self._sock: socket.socket | None = None
        self._responders: list[cmdrsp.CommandResponderBase] = []

    @classmethod
    def for_ne(
        cls,
        name: str,
        host: str,
        port: int,
        ports: Sequence[E1Port],
        clock: Clock | None = None,
        **credentials: Any,
    ) -> DeviceAgent:
        """An NE with E1 ports (see ne_oids)."""
        return cls(name, host, port, ne_oids(name, ports), clock=clock, **credentials)

    @classmethod
    def for_router(
        cls,
        state: RouterState,
        host: str,
        port: int,
        clock: Clock | None = None,
        **credentials: Any,
    ) -> DeviceAgent:
        """A lab router; pass the clock its SSH/console servers use so the numbers agree."""
        return cls(state.hostname, host, port, router_oids(state), clock=clock, **credentials)

    # -- state

    def set_oids(self, oids: Mapping[Oid, Any]) -> None:
        """Replace everything served (takes effect for the next request)."""
        self._map = _Map(oids)

    def update(self, oids: Mapping[Oid, Any]) -> None:
        """Add or change some values."""
        self._map = _Map({**self._map.values, **oids})

    @property
    def oids(self) -> dict[Oid, Any]:
        return dict(self._map.values)

    # -- life cycle

    @property
    def running(self) -> bool:
        return self._engine is not None

    async def __aenter__(self) -> DeviceAgent:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def _bind(self) -> socket.socket:
        return bind_udp(
            self.host,
            self.port,
            f"device {self.name} (SNMP)",
            "check the device's mgmt address and snmp port in the scenario's inventory",
        )

    async def start(self) -> None:
        """Bind the UDP port and start answering."""
        if self._engine is not None:
            return
        sock = self._bind()
        self.port = sock.getsockname()[1]
        engine = responder_engine(
            sock,
            f"device|{self.name}|{self.host}|{self.port}",
            self.community,
            self.v3_user,
            self._auth_key,
            self._priv_key,
        )
        snmp_context = context.SnmpContext(engine)
        snmp_context.unregister_context_name(b"")
        snmp_context.register_context_name(b"", _Instrum(self))
        self._responders = [
            cmdrsp.GetCommandResponder(engine, snmp_context),
            cmdrsp.NextCommandResponder(engine, snmp_context),
            cmdrsp.BulkCommandResponder(engine, snmp_context),
        ]
        self._engine, self._sock = engine, sock

    async def stop(self) -> None:
        """Stop answering and release the UDP port (it can be bound again on return)."""
        engine, sock = self._engine, self._sock
        self._engine = self._sock = None
        if engine is None:
            return
        for responder in self._responders:
            responder.close(engine)
        self._responders = []
        engine.close_dispatcher()
        for _ in range(100):
            if sock is None or sock.fileno() == -1:
                break
            await asyncio.sleep(0)
        if sock is not None and sock.fileno() != -1:
            sock.close()


NeAgent = DeviceAgent  # the same agent, by the name of this module
