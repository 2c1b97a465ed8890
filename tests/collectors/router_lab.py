"""The router collector tests' peers: lab routers from the shipped scenarios (with CRC growth on
the WAN), their SSH servers pinned in a known-hosts file, and the readings' helpers.

KNOWN_HOSTS is one folder for the test session (every file's servers are pinned in it);
tests/collectors/conftest.py removes it at the end (`router_known_hosts`) and holds the `lab`
and `routers` fixtures (one lab thread and one set of routers per test file).
"""

from __future__ import annotations

import socket
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diag.collectors.router import RouterReading
from diag.credentials import LAB_SECRETS
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.lab.routers.server import RouterServer, lab_known_hosts_line
from diag.lab.routers.state import InterfaceState, PingResult, RouterState
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.inventory import Device
from diag.model.observations import DeviceAccessObservation
from diag.settings import CollectorSettings

USER = "noc"
PASSWORD = LAB_SECRETS["router-password"]
SECRET = LAB_SECRETS["router-secret"]
WRONG = "Wr0ng-but-secret-42"
CRC_PER_MIN = 12
INTERVAL_S = 120.0

# Host keys are checked as in production (ssh_host_keys=strict): every server a test starts
# is pinned in this file first (`pin`).
KNOWN_HOSTS = Path(tempfile.mkdtemp(prefix="diag-test-known-hosts-")) / "known_hosts"
SETTINGS = CollectorSettings(
    ssh_timeout_s=5,
    command_timeout_s=5,
    crc_sample_interval_s=INTERVAL_S,
    ping_count=5,
    ping_timeout_s=1,
    known_hosts=str(KNOWN_HOSTS),
)
FAST_FAIL = SETTINGS.model_copy(update={"ssh_timeout_s": 1.0, "command_timeout_s": 1.0})


# --- peers ----------------------------------------------------------------------------------------


def pin(name: str, port: int) -> None:
    """Pin the host key the server for `name` (a lab router, or `host_key()`'s peer) presents."""
    with KNOWN_HOSTS.open("a", encoding="utf-8") as fh:
        fh.write(lab_known_hosts_line(name, "127.0.0.1", port))


@dataclass(frozen=True)
class Case:
    id: str
    scenario: str
    router: str
    wan: str
    far_end: str
    kind: str  # what the WAN is: v35 | e1 | ethernet


CASES = [
    Case("cisco-v35", "v35-converter", "v35-rtr-a", "Serial0/1/0", "172.20.1.2", "v35"),
    Case("cisco-e1", "healthy-e1", "ok1-rtr-a", "Serial0/0/0:0", "10.9.0.2", "e1"),
    Case("cisco-eth", "ethernet-converter", "eth-rtr-b", "GigabitEthernet0/1", "192.168.40.1", "ethernet"),
    Case("huawei-v35", "v35-converter", "v35-rtr-b", "Serial2/0/0", "172.20.2.1", "v35"),
    Case("huawei-e1", "healthy-e1", "ok1-rtr-b", "Serial1/0/0:0", "10.9.0.1", "e1"),
    Case("huawei-eth", "ethernet-converter", "eth-rtr-a", "GigabitEthernet0/0/1", "192.168.40.2", "ethernet"),
]  # fmt: skip


def scenario_state(case: Case) -> RouterState:
    """The shipped router state, with CRC growth on the WAN (and a V.35 port on the Huawei)."""
    scn = load_scenario(shipped_scenarios_dir() / case.scenario)
    state = scn.state.routers[case.router].model_copy(deep=True)
    if case.id == "huawei-v35":
        # The shipped Huawei of this circuit is on E1; the same router with a V.35 card.
        state.interfaces.append(
            InterfaceState(
                name="Serial2/0/0",
                kind="serial",
                description="WAN V.35 (adapted)",
                ip="172.20.2.2/30",
                encapsulation="PPP",
                cable="V.35 DTE cable",
                bandwidth_kbit=2048,
            )
        )
        state.ping.append(PingResult(target="172.20.2.1", success_pct=60, rtt_ms=(10, 12, 20)))
    wan_iface(state, case.wan).growth_per_min["crc"] = CRC_PER_MIN
    return state


def wan_iface(state: RouterState, name: str) -> InterfaceState:
    return next(i for i in state.interfaces if i.name == name)


def device(
    name: str,
    device_type: str,
    port: int,
    *,
    secret: bool = True,
    password: str = "lab:router-password",
) -> Device:
    login: dict[str, str] = {"username": USER, "password": password}
    if secret and device_type == "cisco_ios":
        login["secret"] = "lab:router-secret"
    return Device.model_validate(
        {
            "name": name,
            "role": "router",
            "vendor": "cisco" if device_type == "cisco_ios" else "huawei",
            "device_type": device_type,
            "mgmt": {"address": "127.0.0.1", "port": port},
            "login": login,
        }
    )


@dataclass
class Lab:
    thread: LabThread
    clock: ManualClock

    def router(self, state: RouterState, name: str = "r") -> RouterServer:
        secret = SECRET if state.vendor == "cisco_ios" else None
        srv = RouterServer(name, state, "127.0.0.1", 0, USER, PASSWORD, secret, self.clock)
        self.thread.run(srv.start())
        pin(name, srv.port)
        return srv

    def stop(self, srv: RouterServer) -> None:
        self.thread.run(srv.stop())

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)


@dataclass
class Served:
    case: Case
    state: RouterState
    server: RouterServer

    @property
    def device(self) -> Device:
        dt = "cisco_ios" if self.state.vendor == "cisco_ios" else "huawei"
        return device(self.case.router, dt, self.server.port)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def of(reading: RouterReading, cls: type[Any]) -> list[Any]:
    return [o for o in reading.observations if isinstance(o, cls)]


def access(reading: RouterReading) -> list[DeviceAccessObservation]:
    return of(reading, DeviceAccessObservation)


def no_secret_anywhere(reading: RouterReading, *secrets: str) -> None:
    texts = [reading.transcript, *(o.model_dump_json() for o in reading.observations)]
    for secret in (PASSWORD, SECRET, *secrets):
        for text in texts:
            assert secret not in text


def one_router(lab: Lab, state: RouterState) -> tuple[RouterServer, Device]:
    srv = lab.router(state)
    dt = "cisco_ios" if state.vendor == "cisco_ios" else "huawei"
    return srv, device(state.hostname, dt, srv.port)


def only_failure(reading: RouterReading) -> tuple[str, str]:
    """(stage, error) of the one failed access record of a reading that got nowhere."""
    (failure,) = access(reading)
    assert not failure.ok and failure.via == "ssh" and failure.error
    return failure.stage, failure.error
