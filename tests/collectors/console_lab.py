"""Shared lab consoles and reading helpers for the console collector tests."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from diag.collectors.router import RouterReading
from diag.credentials import LAB_SECRETS
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.console import ConsoleServer
from diag.lab.routers.harness import LabThread
from diag.lab.routers.state import RouterState
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.inventory import Device
from diag.model.observations import (
    ConsoleObservation,
    DeviceAccessObservation,
)
from diag.settings import CollectorSettings

USER = "noc"
PASSWORD = LAB_SECRETS["router-password"]
SECRET = LAB_SECRETS["router-secret"]
PROBES = 6
SETTINGS = CollectorSettings(
    ssh_timeout_s=5,
    # Also caps the probe timeout: a lost prompt costs one second here.
    command_timeout_s=1,
    crc_sample_interval_s=60,
    console_probes=PROBES,
    ping_count=5,
    ping_timeout_s=1,
)


def router_state(scenario: str, router: str, **changes: Any) -> RouterState:
    state = load_scenario(shipped_scenarios_dir() / scenario).state.routers[router]
    state = state.model_copy(deep=True, update=changes)
    wan = state.interfaces[-1]
    wan.growth_per_min["crc"] = 6
    return state


def cisco(**changes: Any) -> RouterState:
    """BR9-RTR: Cisco 2901 on an E1 (Serial0/0/0:0 is its last interface)."""
    return router_state("healthy-e1", "ok1-rtr-a", **changes)


def huawei(**changes: Any) -> RouterState:
    """HO-RTR-9: Huawei AR2220 on an E1 (Serial1/0/0:0)."""
    return router_state("healthy-e1", "ok1-rtr-b", **changes)


def console_device(
    state: RouterState, console: str, password: str = "lab:router-password"
) -> Device:
    dt = "cisco_ios" if state.vendor == "cisco_ios" else "huawei"
    login = {"username": USER, "password": password}
    if dt == "cisco_ios":
        login["secret"] = "lab:router-secret"
    return Device.model_validate(
        {
            "name": state.hostname.lower(),
            "role": "router",
            "vendor": dt,
            "device_type": dt,
            "console": console,
            "login": login,
        }
    )


@dataclass
class Lab:
    thread: LabThread
    clock: ManualClock
    tty_dir: Path

    def console(self, state: RouterState, tcp: bool = False) -> ConsoleServer:
        secret = SECRET if state.vendor == "cisco_ios" else None
        link = self.tty_dir / state.hostname.lower()
        con = ConsoleServer(state.hostname, state, link, USER, PASSWORD, secret, self.clock)
        self.thread.run(con.start())
        if tcp:
            self.thread.run(con.serve_tcp())
        return con

    def stop(self, con: ConsoleServer) -> None:
        self.thread.run(con.stop())

    def sleep(self, seconds: float) -> None:
        self.clock.advance(seconds=seconds)


def of(reading: RouterReading, cls: type[Any]) -> list[Any]:
    return [o for o in reading.observations if isinstance(o, cls)]


def console_of(reading: RouterReading) -> ConsoleObservation:
    (obs,) = of(reading, ConsoleObservation)
    assert isinstance(obs, ConsoleObservation)
    return obs


def accesses(reading: RouterReading) -> list[tuple[bool, str]]:
    return [(a.ok, a.stage) for a in of(reading, DeviceAccessObservation)]


def no_secrets(reading: RouterReading, *more: str) -> None:
    for text in [reading.transcript, *(o.model_dump_json() for o in reading.observations)]:
        for secret in (PASSWORD, SECRET, *more):
            assert secret not in text
