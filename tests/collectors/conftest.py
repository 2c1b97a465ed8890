"""Shared real peers for the SNMP collector tests: one event loop, one lab NMS agent, one client.

No pytest-asyncio here: a session event loop runs each coroutine (`arun`), which also keeps the
SnmpEngine (expensive to build, bound to its loop) alive across tests, as in production.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta, timezone

import pytest

from diag.collectors.snmp import SnmpClient, SnmpTarget
from diag.lab.ne_state import NeAlarm
from diag.lab.nms_agent import NmsAgent
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.model.inventory import Nms, SnmpSettings
from tests.collectors.router_lab import CASES, KNOWN_HOSTS, Lab, Served, scenario_state
from tests.collectors.snmp_helpers import Run

CST = timezone(timedelta(hours=8))
IST = timezone(timedelta(hours=5, minutes=30))

# One station chain with the alarm types the procedure cares about, plus one name no table has.
LAB_ALARMS: dict[str, list[NeAlarm]] = {
    "SDH-A": [
        NeAlarm(
            name="UP_E1_AIS",
            port="1-PQ1-3",
            severity="minor",
            raised=datetime(2024, 5, 1, 10, 20, 30, 500_000, tzinfo=CST),
        )
    ],
    "SDH-B": [
        NeAlarm(
            name="R_LOS",
            port="1-SL1-1",
            severity="critical",
            raised=datetime(2024, 5, 1, 9, 59, 58, tzinfo=IST),
        ),
        NeAlarm(name="POWER_FAIL", severity="major", raised=datetime(2024, 5, 1, 2, 0, tzinfo=UTC)),
    ],
    "PDH-2": [
        NeAlarm(
            name="ZZ_VENDOR_SPECIAL",
            port="E1-1",
            severity="warning",
            raised=datetime(2024, 4, 30, 23, 0, tzinfo=UTC),
        )
    ],
}
NE_PORTS: dict[str, list[str]] = {
    "SDH-A": ["1-PQ1-3", "1-SL1-1"],
    "SDH-B": ["1-SL1-1", "1-PQ1-1"],
    "SDH-C": ["1-PQ1-1"],
    "PDH-2": ["E1-1"],
}

V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=1.0, retries=0)
V3 = SnmpSettings(
    version="v3",
    user="diag-lab",
    auth_protocol="SHA",
    auth_key="lab:nms-auth-key",
    priv_protocol="AES",
    priv_key="lab:nms-priv-key",
    timeout=1.0,
    retries=0,
)


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _nms_entry(port: int, snmp: SnmpSettings, name: str = "lab-nms") -> Nms:
    return Nms(name=name, driver="alarm-mib", address="127.0.0.1", port=port, snmp=snmp)


@pytest.fixture
def free_udp_port() -> Callable[[], int]:
    """Returns a function giving a loopback UDP port nothing listens on."""
    return _free_udp_port


@pytest.fixture
def nms_entry() -> Callable[..., Nms]:
    """Returns a function building an inventory Nms (alarm-mib) on 127.0.0.1:port."""
    return _nms_entry


@pytest.fixture
def v2c_settings() -> SnmpSettings:
    return V2C


@pytest.fixture
def v3_settings() -> SnmpSettings:
    return V3


@pytest.fixture
def lab_scenario() -> tuple[dict[str, list[NeAlarm]], dict[str, list[str]]]:
    """(alarms per NE, ports per NE) the session lab NMS serves."""
    return LAB_ALARMS, NE_PORTS


@pytest.fixture(scope="session")
def snmp_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.run_until_complete(loop.shutdown_asyncgens())
    loop.close()


@pytest.fixture(scope="session")
def arun(snmp_loop: asyncio.AbstractEventLoop) -> Run:
    return snmp_loop.run_until_complete


@pytest.fixture(scope="session")
def lab_nms(arun: Run) -> Iterator[NmsAgent]:
    """The lab NMS with LAB_ALARMS, on a free loopback port, for the whole session."""
    agent = NmsAgent("lab-nms", "127.0.0.1", 0, LAB_ALARMS, NE_PORTS)
    arun(agent.start())
    yield agent
    arun(agent.stop())


@pytest.fixture(scope="session")
def client(arun: Run) -> Iterator[SnmpClient]:
    c = SnmpClient()
    yield c
    c.close()


@pytest.fixture
def v2c_target(lab_nms: NmsAgent) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", lab_nms.port, V2C, label="NMS lab-nms")


@pytest.fixture
def v3_target(lab_nms: NmsAgent) -> SnmpTarget:
    return SnmpTarget("127.0.0.1", lab_nms.port, V3, label="NMS lab-nms")


# --- the router collector's peers (tests/collectors/router_lab.py) ------------------------------


@pytest.fixture(scope="session", autouse=True)
def router_known_hosts() -> Iterator[None]:
    """Removes the router tests' known-hosts folder (made when router_lab is imported, here)
    once every file that pins in it is done."""
    yield
    shutil.rmtree(KNOWN_HOSTS.parent, ignore_errors=True)


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    thread = LabThread()
    yield Lab(thread, ManualClock())
    thread.close()


@pytest.fixture(scope="module")
def routers(lab: Lab) -> Iterator[dict[str, Served]]:
    """One SSH server per case, shared by the module."""
    served: dict[str, Served] = {}
    for case in CASES:
        state = scenario_state(case)
        served[case.id] = Served(case, state, lab.router(state, case.router))
    yield served
    for s in served.values():
        lab.stop(s.server)
