"""Serve a lab network: one SNMP agent per lab NMS, one SSH server and console per lab router.

Only loopback addresses are served.  `LabNetwork` runs on an asyncio loop the caller owns;
`LabThread` gives it a loop of its own in a background thread (for `diag demo` and tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from diag.credentials import resolve
from diag.errors import LabError
from diag.lab.ne_state import NeAlarm
from diag.lab.scenario import Scenario
from diag.model.inventory import Inventory


class _Service(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Served:
    """One thing the lab serves, for `diag lab status` and the demo banner."""

    kind: str  # "nms" | "router-ssh" | "router-console"
    name: str
    where: str  # udp/127.0.0.1:16161, tcp/127.0.0.1:16201, /tmp/diag-lab/tty/x


def _loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class LabNetwork:
    def __init__(self, inventory: Inventory, scenarios: Sequence[Scenario]) -> None:
        self.inventory = inventory
        self.scenarios = list(scenarios)
        self._services: list[tuple[Served, _Service]] = []
        self._started: list[_Service] = []

    def plan(self) -> list[tuple[Served, Any]]:
        """Build (not start) every service the scenarios need."""
        from diag.lab.imap import ImapOptions
        from diag.lab.nms_agent import NmsAgent
        from diag.lab.routers.clock import LabClock
        from diag.lab.routers.console import ConsoleServer
        from diag.lab.routers.server import RouterServer

        inv = self.inventory
        clock = LabClock()
        served_circuits = {cid for s in self.scenarios for cid in s.expect}
        alarms: dict[str, dict[str, list[NeAlarm]]] = {}
        ports: dict[str, dict[str, list[str]]] = {}
        for cid in sorted(served_circuits):
            c = inv.circuits[cid]
            hops: list[tuple[str, list[str | None]]] = [
                (c.a.cpe, [c.a.cpe_port]),
                (c.b.cpe, [c.b.cpe_port]),
                *((h.ne, [h.a_port, h.b_port]) for h in c.transport),
            ]
            for name, plist in hops:
                dev = inv.devices[name]
                if dev.nms is None or dev.ne_name is None:
                    continue
                ne_ports = ports.setdefault(dev.nms, {}).setdefault(dev.ne_name, [])
                ne_ports.extend(p for p in plist if p and p not in ne_ports)
                alarms.setdefault(dev.nms, {}).setdefault(dev.ne_name, [])
        for scn in self.scenarios:
            for name, ne in scn.state.nes.items():
                dev = inv.devices[name]
                assert dev.nms and dev.ne_name  # checked by scenario.check_against
                alarms.setdefault(dev.nms, {}).setdefault(dev.ne_name, []).extend(ne.alarms)
                ne_ports = ports.setdefault(dev.nms, {}).setdefault(dev.ne_name, [])
                ne_ports.extend(a.port for a in ne.alarms if a.port and a.port not in ne_ports)

        out: list[tuple[Served, Any]] = []
        for nms_name in sorted(alarms):
            nms = inv.nms[nms_name]
            if not _loopback(nms.address):
                raise LabError(
                    f"lab: NMS {nms_name} is at {nms.address}; the lab serves only "
                    "loopback addresses (127.0.0.1)"
                )
            imap = None
            if nms.driver == "huawei-imap" and nms.trap_listen:
                # answers an alarm query with traps to its registered northbound trap targets
                imap = ImapOptions(trap_targets=[nms.trap_listen])
            agent = NmsAgent(
                nms_name,
                nms.address,
                nms.port,
                alarms[nms_name],
                ports.get(nms_name, {}),
                imap=imap,
            )
            where = f"udp/{nms.address}:{nms.port} ({nms.driver})"
            out.append((Served("nms", nms_name, where), agent))
        for scn in self.scenarios:
            for name, state in scn.state.routers.items():
                dev = inv.devices[name]
                if dev.login is None:
                    raise LabError(f"lab: router {name} has no 'login' in the inventory")
                password = resolve(dev.login.password).reveal()
                secret = resolve(dev.login.secret).reveal() if dev.login.secret else None
                if dev.mgmt is not None:
                    if not _loopback(dev.mgmt.address):
                        raise LabError(
                            f"lab: router {name} is at {dev.mgmt.address}; the lab "
                            "serves only loopback addresses"
                        )
                    out.append(
                        (
                            Served("router-ssh", name, f"tcp/{dev.mgmt.address}:{dev.mgmt.port}"),
                            RouterServer(
                                name,
                                state,
                                dev.mgmt.address,
                                dev.mgmt.port,
                                dev.login.username,
                                password,
                                secret,
                                clock,
                            ),
                        )
                    )
                if dev.console and dev.console.startswith("/"):
                    out.append(
                        (
                            Served("router-console", name, dev.console),
                            ConsoleServer(
                                name,
                                state,
                                dev.console,
                                dev.login.username,
                                password,
                                secret,
                                clock,
                            ),
                        )
                    )
        return out

    @property
    def served(self) -> list[Served]:
        return [s for s, _ in self._services]

    async def start(self) -> None:
        self._services = self.plan()
        try:
            for _, svc in self._services:
                await svc.start()
                self._started.append(svc)
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        while self._started:
            svc = self._started.pop()
            with contextlib.suppress(Exception):  # stopping must go on for the rest
                await svc.stop()


class LabThread:
    """Run a LabNetwork on its own event loop in a daemon thread."""

    def __init__(self, network: LabNetwork) -> None:
        self.network = network
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="diag-lab", daemon=True)

    def start(self, timeout: float = 30.0) -> list[Served]:
        self._thread.start()
        fut = asyncio.run_coroutine_threadsafe(self.network.start(), self._loop)
        try:
            fut.result(timeout)
        except BaseException:
            self._shutdown()
            raise
        return self.network.served

    def stop(self, timeout: float = 30.0) -> None:
        if not self._thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self.network.stop(), self._loop)
        try:
            fut.result(timeout)
        finally:
            self._shutdown()

    def _shutdown(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        if not self._loop.is_running():
            self._loop.close()

    def __enter__(self) -> LabThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
