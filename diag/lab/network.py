"""Serve a lab network: one SNMP agent per lab NMS (or a silent port), one DS1-MIB agent per NE
polled directly, and per lab router an SSH server (or a closed port), a pty console or a console
server port, and an SNMP agent when the inventory polls it.

Only loopback addresses are served.  `LabNetwork` runs on an asyncio loop the caller owns;
`LabThread` gives it a loop of its own in a background thread (for `diag demo` and tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import ipaddress
import itertools
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from diag.credentials import resolve
from diag.errors import LabPortInUse
from diag.lab import refusals
from diag.lab.ne_state import E1LineState, NeAlarm
from diag.lab.routers.clock import LabClock
from diag.lab.scenario import Scenario
from diag.model.inventory import Device, Inventory


class _Service(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@dataclass(frozen=True)
class Served:
    """One thing the lab serves, for `diag lab status` and the demo banner."""

    kind: str  # "nms" | "ne-snmp" | "router-ssh" | "router-console" | "router-snmp"
    name: str
    where: str  # udp/127.0.0.1:16161, tcp/127.0.0.1:16201, /tmp/diag-lab/tty/x


def _loopback(address: str) -> bool:
    if address == "localhost":
        return True
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


class _SilentNms:
    """An NMS that does not answer: its UDP port is bound and every datagram is dropped, as when
    the NMS host is down behind a firewall that drops (not rejects) SNMP."""

    def __init__(self, name: str, host: str, port: int) -> None:
        self.name, self.host, self.port = name, host, port
        self.dropped = 0  # requests received and not answered
        self._sock: socket.socket | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        from diag.lab.snmp_engine import bind_udp

        self._sock = bind_udp(
            self.host,
            self.port,
            f"NMS {self.name} (silent)",
            "check the NMS address in the scenario's inventory",
        )
        self._loop = asyncio.get_running_loop()
        self._loop.add_reader(self._sock.fileno(), self._drop)

    def _drop(self) -> None:
        assert self._sock is not None
        while True:
            try:
                self._sock.recv(65535)
            except (BlockingIOError, InterruptedError):
                return
            except OSError:
                return
            self.dropped += 1

    async def stop(self) -> None:
        if self._sock is not None:
            if self._loop is not None:
                self._loop.remove_reader(self._sock.fileno())
            self._sock.close()
            self._sock = None


class _Closed:
    """Nothing listens (a router whose SSH is closed): served for `lab status` only."""

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


class _SocketConsole:
    """A router console reached through a console server port (`console: socket://host:port`):
    the router's pty console, bridged byte for byte to that TCP port."""

    def __init__(self, console: Any, host: str, port: int) -> None:
        self.console, self.host, self.port = console, host, port

    async def start(self) -> None:
        await self.console.start()
        try:
            await self.console.serve_tcp(self.host, self.port)
        except OSError as exc:
            await self.console.stop()
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                raise LabPortInUse(
                    what=f"router {self.console.name} (console server)",
                    proto="tcp",
                    host=self.host,
                    port=self.port,
                ) from exc
            raise refusals.console_unserved(
                self.console.name, self.host, self.port, exc.strerror
            ) from exc

    async def stop(self) -> None:
        await self.console.stop()


def _socket_console(console: str) -> tuple[str, int]:
    host, _, port = console.removeprefix("socket://").rpartition(":")
    return host, int(port)


@dataclass
class _Ne:
    """What the lab serves about one NE: its ports and boards in the NMS, its alarms."""

    ports: list[str] = field(default_factory=list)
    boards: list[str] = field(default_factory=list)
    alarms: list[NeAlarm] = field(default_factory=list)

    def add_ports(self, names: Iterable[str | None]) -> None:
        self.ports.extend(p for p in names if p and p not in self.ports)

    def add_boards(self, names: Iterable[str]) -> None:
        self.boards.extend(b for b in names if b not in self.boards)


class LabNetwork:
    def __init__(self, inventory: Inventory, scenarios: Sequence[Scenario]) -> None:
        self.inventory = inventory
        self.scenarios = list(scenarios)
        self._services: list[tuple[Served, _Service]] = []
        self._started: list[_Service] = []
        self._console_dir: Path | None = None

    def _circuit_elements(self) -> list[tuple[str, list[str | None], list[str]]]:
        """(device, its ports on a served circuit, boards) for every NE/CPE of those circuits."""
        inv = self.inventory
        out: list[tuple[str, list[str | None], list[str]]] = []
        for cid in sorted({cid for s in self.scenarios for cid in s.expect}):
            c = inv.circuits[cid]
            out += [
                (c.a.cpe, [c.a.cpe_port, c.a.cpe_line], list(c.a.cpe_boards)),
                (c.b.cpe, [c.b.cpe_port, c.b.cpe_line], list(c.b.cpe_boards)),
                *((h.ne, [h.a_port, h.b_port], list(h.boards)) for h in c.transport),
            ]
        return out

    def plan(self) -> list[tuple[Served, Any]]:
        """Build (not start) every service the scenarios need."""
        clock = LabClock()
        return [*self._plan_nms(), *self._plan_nes(clock), *self._plan_routers(clock)]

    def _plan_nms(self) -> list[tuple[Served, Any]]:
        from diag.lab.imap import ImapOptions
        from diag.lab.nms_agent import NmsAgent

        inv = self.inventory
        nes: dict[str, dict[str, _Ne]] = {}  # NMS -> NE name in it -> what it serves
        for name, ports, boards in self._circuit_elements():
            dev = inv.devices[name]
            if dev.nms is None or dev.ne_name is None:
                continue
            ne = nes.setdefault(dev.nms, {}).setdefault(dev.ne_name, _Ne())
            ne.add_ports(ports)
            ne.add_boards(boards)
        for scn in self.scenarios:
            for name, state in scn.state.nes.items():
                dev = inv.devices[name]
                if dev.nms is None or dev.ne_name is None:
                    continue  # an NE polled directly only (checked by scenario.check_against)
                ne = nes.setdefault(dev.nms, {}).setdefault(dev.ne_name, _Ne())
                ne.alarms.extend(state.alarms)
                # An alarm may sit on any port of the NE (another circuit's, a board): it exists.
                ne.add_ports(a.port for a in state.alarms)
        silent = {n for s in self.scenarios for n, st in s.state.nms.items() if st.silent}
        out: list[tuple[Served, Any]] = []
        for nms_name in sorted(nes):
            nms = inv.nms[nms_name]
            if not _loopback(nms.address):
                raise refusals.nms_not_loopback(nms_name, nms.address)
            if nms_name in silent:
                where = f"udp/{nms.address}:{nms.port} ({nms.driver}, silent: drops every request)"
                out.append(
                    (Served("nms", nms_name, where), _SilentNms(nms_name, nms.address, nms.port))
                )
                continue
            imap = None
            if nms.driver == "huawei-imap" and nms.trap_listen:
                # answers an alarm query with traps to its registered northbound trap targets
                imap = ImapOptions(trap_targets=[nms.trap_listen])
            served = nes[nms_name]
            agent = NmsAgent(
                nms_name,
                nms.address,
                nms.port,
                {ne: x.alarms for ne, x in served.items()},
                {ne: x.ports for ne, x in served.items()},
                imap=imap,
                ne_boards={ne: x.boards for ne, x in served.items() if x.boards},
            )
            where = f"udp/{nms.address}:{nms.port} ({nms.driver})"
            out.append((Served("nms", nms_name, where), agent))
        return out

    def _plan_nes(self, clock: LabClock) -> list[tuple[Served, Any]]:
        """A DS1-MIB agent for every NE with `snmp` and `mgmt` (polled directly)."""
        from diag.lab.device_agent import DeviceAgent
        from diag.lab.ne_agent import E1Port
        from diag.model.inventory import TRANSMISSION_ROLES

        inv = self.inventory
        ports: dict[str, list[str]] = {}
        for name, plist, _ in self._circuit_elements():
            dev = inv.devices[name]
            if dev.role in TRANSMISSION_ROLES and dev.snmp is not None and dev.mgmt is not None:
                have = ports.setdefault(name, [])
                have.extend(p for p in plist if p and p not in have)
        lines: dict[str, dict[str, E1LineState]] = {}
        for scn in self.scenarios:
            for name, state in scn.state.nes.items():
                for line in state.e1_lines:
                    lines.setdefault(name, {})[line.port] = line
                    have = ports.setdefault(name, [])
                    if line.port not in have:
                        have.append(line.port)
        out: list[tuple[Served, Any]] = []
        for name in sorted(ports):
            dev = inv.devices[name]
            assert dev.snmp is not None and dev.mgmt is not None  # scenario.check_against  # noqa: PT018
            if not _loopback(dev.mgmt.address):
                raise refusals.ne_not_loopback(name, dev.mgmt.address)
            if dev.snmp.port is None:
                raise refusals.ne_no_snmp_port(name)
            given = lines.get(name, {})
            taken = {ln.if_index for ln in given.values() if ln.if_index}
            free = (n for n in itertools.count(1) if n not in taken)
            e1: list[E1Port] = []
            for port in ports[name]:
                st = given.get(port)
                e1.append(
                    E1Port(
                        name=port,
                        if_index=(st.if_index if st and st.if_index else next(free)),
                        status=tuple(st.status) if st else (),
                        counters=dict(st.counters) if st else {},
                        growth_per_min=dict(st.growth_per_min) if st else {},
                    )
                )
            agent = DeviceAgent.for_ne(
                dev.ne_name or name,
                dev.mgmt.address,
                dev.snmp.port,
                e1,
                clock=clock,
                **_snmp_credentials(dev),
            )
            where = f"udp/{dev.mgmt.address}:{dev.snmp.port} (DS1-MIB, {len(e1)} E1 ports)"
            out.append((Served("ne-snmp", name, where), agent))
        return out

    def _plan_routers(self, clock: LabClock) -> list[tuple[Served, Any]]:
        from diag.lab.device_agent import DeviceAgent
        from diag.lab.routers.console import ConsoleServer
        from diag.lab.routers.server import RouterServer

        inv = self.inventory
        out: list[tuple[Served, Any]] = []
        for scn in self.scenarios:
            for name, state in scn.state.routers.items():
                dev = inv.devices[name]
                if dev.login is None:
                    raise refusals.router_no_login(name)
                # a reference that does not resolve stops the lab: said in the reader's words
                password = resolve(dev.login.password, shown=True).reveal()
                secret = (
                    resolve(dev.login.secret, shown=True).reveal() if dev.login.secret else None
                )
                if dev.mgmt is not None:
                    if not _loopback(dev.mgmt.address):
                        raise refusals.router_not_loopback(name, dev.mgmt.address)
                    where = f"tcp/{dev.mgmt.address}:{dev.mgmt.port}"
                    if state.ssh == "closed":
                        out.append(
                            (
                                Served("router-ssh", name, f"{where} (closed: nothing listens)"),
                                _Closed(),
                            )
                        )
                    else:
                        refuse = state.ssh == "bad-credentials"
                        out.append(
                            (
                                Served(
                                    "router-ssh",
                                    name,
                                    f"{where} (refuses every login)" if refuse else where,
                                ),
                                RouterServer(
                                    name,
                                    state,
                                    dev.mgmt.address,
                                    dev.mgmt.port,
                                    dev.login.username,
                                    password,
                                    secret,
                                    clock,
                                    refuse_logins=refuse,
                                ),
                            )
                        )
                    if dev.snmp is not None:
                        if dev.snmp.port is None:
                            raise refusals.router_no_snmp_port(name)
                        out.append(
                            (
                                Served(
                                    "router-snmp", name, f"udp/{dev.mgmt.address}:{dev.snmp.port}"
                                ),
                                DeviceAgent.for_router(
                                    state,
                                    dev.mgmt.address,
                                    dev.snmp.port,
                                    clock=clock,
                                    **_snmp_credentials(dev),
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
                elif dev.console and dev.console.startswith("socket://"):
                    host, port = _socket_console(dev.console)
                    if not _loopback(host):
                        raise refusals.console_not_loopback(name, host)
                    if self._console_dir is None:
                        # The pty behind the console server port needs a link path of its own.
                        self._console_dir = Path(tempfile.mkdtemp(prefix="diag-lab-consoles-"))
                    console = ConsoleServer(
                        name,
                        state,
                        self._console_dir / name,
                        dev.login.username,
                        password,
                        secret,
                        clock,
                    )
                    out.append(
                        (
                            Served("router-console", name, f"tcp/{host}:{port} (console server)"),
                            _SocketConsole(console, host, port),
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
        if self._console_dir is not None:
            shutil.rmtree(self._console_dir, ignore_errors=True)
            self._console_dir = None

    def service(self, kind: str, name: str) -> Any:
        """The running service behind a served entry (tests look inside: requests dropped)."""
        for served, svc in self._services:
            if (served.kind, served.name) == (kind, name):
                return svc
        raise KeyError((kind, name))


def _snmp_credentials(dev: Device) -> dict[str, Any]:
    """The device agent answers the credentials the inventory gives diag for it."""
    assert dev.snmp is not None
    s = dev.snmp
    out: dict[str, Any] = {}
    if s.community:
        out["community"] = resolve(s.community, shown=True).reveal()
    if s.user:
        out["v3_user"] = s.user
    if s.auth_key:
        out["auth_key"] = resolve(s.auth_key, shown=True).reveal()
    if s.priv_key:
        out["priv_key"] = resolve(s.priv_key, shown=True).reveal()
    return out


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
