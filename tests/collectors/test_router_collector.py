"""The router collector over SSH against lab routers (real asyncssh servers, netmiko clients).

Routers come from the shipped scenarios (V.35, E1 and Ethernet WANs, Cisco and Huawei), with
CRC growth added on the WAN.  The wait between the two CRC samples is an injected `sleep` that
advances the lab's ManualClock, so growth per minute is exact and no test waits.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh
import pytest

from diag.collectors.router import (
    CrcSample,
    RouterReading,
    crc_growth,
    parse_capture,
    read_router,
    uptime_s,
)
from diag.credentials import LAB_SECRETS
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.lab.routers.server import RouterServer, host_key, lab_known_hosts_line
from diag.lab.routers.state import InterfaceState, PingResult, RouterState
from diag.lab.routers.timeline import interface_counters, uptime_minutes
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.inventory import Device
from diag.model.observations import (
    CpuObservation,
    CrcGrowthObservation,
    DeviceAccessObservation,
    E1ControllerObservation,
    InterfaceObservation,
    LogObservation,
    PingObservation,
)
from diag.settings import CollectorSettings

pytestmark = pytest.mark.lab

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


@pytest.fixture(scope="module", autouse=True)
def _known_hosts_folder() -> Iterator[None]:
    yield
    shutil.rmtree(KNOWN_HOSTS.parent, ignore_errors=True)


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


@pytest.fixture(scope="module")
def lab() -> Iterator[Lab]:
    thread = LabThread()
    yield Lab(thread, ManualClock())
    thread.close()


@dataclass
class Served:
    case: Case
    state: RouterState
    server: RouterServer

    @property
    def device(self) -> Device:
        dt = "cisco_ios" if self.state.vendor == "cisco_ios" else "huawei"
        return device(self.case.router, dt, self.server.port)


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


# --- full readings --------------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_full_reading(case: Case, lab: Lab, routers: dict[str, Served]) -> None:
    served = routers[case.id]
    wan = wan_iface(served.state, case.wan)
    before = lab.clock.moment()
    first_crc = interface_counters(wan, before).crc

    reading = read_router(served.device, case.wan, case.far_end, SETTINGS, sleep=lab.sleep)

    assert [(a.ok, a.stage) for a in access(reading)] == [(True, "done")], access(reading)
    iface, *others = of(reading, InterfaceObservation)
    assert iface.interface == case.wan and iface.device == case.router
    assert iface.crc == first_crc and iface.crc_source
    assert iface.device_uptime_s == 60 * uptime_minutes(served.state.uptime, before)
    assert iface.collector == f"router:{case.router}"
    if case.kind == "v35" and served.state.vendor == "cisco_ios":
        # show controllers serial: the cable and clocking, as a second interface reading
        (ctrl,) = others
        assert "show controllers serial 0/1/0" in reading.raw
        assert ctrl.cable and "V.35" in ctrl.cable
    else:
        assert not others
    if case.kind == "e1":
        (e1,) = of(reading, E1ControllerObservation)
        assert e1.device == case.router
    else:
        assert not of(reading, E1ControllerObservation)
    assert of(reading, CpuObservation) and of(reading, LogObservation)

    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.first, growth.second) == (first_crc, first_crc + 2 * CRC_PER_MIN)
    assert (growth.delta, growth.per_min, growth.interval_s) == (2 * CRC_PER_MIN, 12.0, INTERVAL_S)
    assert not growth.wrapped and not growth.reset and growth.note is None

    (ping,) = of(reading, PingObservation)
    plan = next(p for p in served.state.ping if p.target == case.far_end)
    assert (ping.origin, ping.origin_kind, ping.target) == (case.router, "router", case.far_end)
    assert (ping.sent, ping.received) == (5, round(5 * plan.success_pct / 100))

    version = "show version" if served.state.vendor == "cisco_ios" else "display version"
    assert {case.wan in k for k in reading.raw} == {True, False}
    assert f"{version} #2" in reading.raw
    assert "[diag] waiting 120 s before the second CRC sample" in reading.transcript
    no_secret_anywhere(reading)


def test_enable_secret_is_used_and_redacted(routers: dict[str, Served], lab: Lab) -> None:
    served = routers["cisco-e1"]
    reading = read_router(served.device, "Serial0/0/0:0", None, SETTINGS.model_copy(
        update={"crc_sample_interval_s": 0}), sleep=lab.sleep)  # fmt: skip
    assert "BR9-RTR#" in reading.transcript  # enabled
    assert "<lab:router-secret>" in reading.transcript or "********" in reading.transcript
    assert not of(reading, CrcGrowthObservation) and not of(reading, PingObservation)
    no_secret_anywhere(reading)


# --- CRC growth: resets, wraps, clearing ----------------------------------------------------------


def one_router(lab: Lab, state: RouterState) -> tuple[RouterServer, Device]:
    srv = lab.router(state)
    dt = "cisco_ios" if state.vendor == "cisco_ios" else "huawei"
    return srv, device(state.hostname, dt, srv.port)


def test_clear_between_samples_is_a_reset(lab: Lab) -> None:
    state = scenario_state(CASES[1])  # Cisco E1: "Last clearing ... never"
    srv, dev = one_router(lab, state)
    wan = wan_iface(state, "Serial0/0/0:0")

    def someone_clears(seconds: float) -> None:
        lab.sleep(seconds)
        wan.cleared_at_s = lab.clock.moment().elapsed_s - 30  # `clear counters` 30 s ago

    try:
        reading = read_router(dev, wan.name, None, SETTINGS, sleep=someone_clears)
    finally:
        lab.stop(srv)
    (growth,) = of(reading, CrcGrowthObservation)
    assert growth.reset and growth.delta is None and growth.per_min is None
    assert growth.second == 6  # 12/min for the 30 s since the clearing
    assert growth.note is not None
    assert "Last clearing: never -> 00:00:30" in growth.note
    assert "counter went down" in growth.note


def test_restart_between_samples_is_a_reset(lab: Lab) -> None:
    state = scenario_state(CASES[4])  # Huawei E1: VRP prints no "Last clearing"; uptime tells
    srv, dev = one_router(lab, state)
    wan = wan_iface(state, "Serial1/0/0:0")

    def router_reloads(seconds: float) -> None:
        lab.sleep(seconds)
        now = lab.clock.moment()
        state.uptime = "0 minutes"  # uptime = lab minutes since start: far below 12 weeks
        wan.cleared_at_s = now.elapsed_s  # a reload restarts every counter

    try:
        reading = read_router(dev, wan.name, None, SETTINGS, sleep=router_reloads)
    finally:
        lab.stop(srv)
    (growth,) = of(reading, CrcGrowthObservation)
    assert growth.reset and growth.delta is None and not growth.wrapped
    assert growth.note is not None and "restarted between the samples" in growth.note


def test_counter32_wrap(lab: Lab) -> None:
    state = scenario_state(CASES[0])  # Cisco V.35
    wan = wan_iface(state, "Serial0/1/0")
    wan.counter_bits = 32
    wan.growth_per_min["crc"] = 300
    minutes = lab.clock.moment().minutes
    wan.counters.crc = 2**32 - 100 - int(300 * minutes)  # reads 2**32 - 100 now
    srv, dev = one_router(lab, state)
    try:
        reading = read_router(dev, wan.name, None, SETTINGS, sleep=lab.sleep)
    finally:
        lab.stop(srv)
    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.first, growth.second) == (2**32 - 100, 500)
    assert growth.wrapped and not growth.reset
    assert (growth.delta, growth.per_min) == (600, 300.0)
    assert growth.note is not None and "Counter32 wrapped" in growth.note


@pytest.mark.parametrize("vendor_case", [CASES[1], CASES[4]], ids=["cisco", "huawei"])
def test_clear_counters_setting_clears_before_sampling(vendor_case: Case, lab: Lab) -> None:
    state = scenario_state(vendor_case)
    srv, dev = one_router(lab, state)
    settings = SETTINGS.model_copy(update={"clear_counters": True})
    try:
        reading = read_router(dev, vendor_case.wan, None, settings, sleep=lab.sleep)
    finally:
        lab.stop(srv)
    assert wan_iface(state, vendor_case.wan).cleared_at_s is not None
    (iface,) = of(reading, InterfaceObservation)
    assert iface.crc == 0
    if state.vendor == "cisco_ios":
        assert iface.last_clearing == "00:00:00"
        assert "[confirm]" in reading.transcript
    (growth,) = of(reading, CrcGrowthObservation)
    assert (growth.first, growth.delta, growth.reset) == (0, 2 * CRC_PER_MIN, False)


def test_counters_are_not_cleared_by_default(routers: dict[str, Served]) -> None:
    for served in routers.values():
        assert wan_iface(served.state, served.case.wan).cleared_at_s is None
        assert "clear counters" not in served.state.model_dump_json()


# crc_growth's rules, from data alone.


def sample(crc: int, clearing: str | None = "never", up: float | None = 1e6) -> CrcSample:
    return CrcSample(crc, "cli:show interfaces", clearing, up)


def growth_of(a: CrcSample, b: CrcSample, waited: float = 60.0) -> CrcGrowthObservation:
    from datetime import UTC, datetime

    return crc_growth(
        "r", "Se0", a, b, waited_s=waited, measured_s=0.2, at=datetime.now(UTC), collector="t"
    )


def test_growth_rules() -> None:
    plain = growth_of(sample(10, "1d02h"), sample(40, "1d02h"), waited=30)
    assert (plain.delta, plain.per_min, plain.reset, plain.interval_s) == (30, 60.0, False, 30.0)
    # Ages advance between samples at the printed resolution: not a clearing.
    aged = growth_of(sample(10, "00:10:00"), sample(20, "00:11:00"))
    assert not aged.reset
    recent = growth_of(sample(10, "00:10:00"), sample(20, "00:00:05"))
    assert recent.reset and recent.delta is None
    # Absolute clearing times (not ages) that change mean a clearing.
    stamped = growth_of(sample(10, "2026-03-01 10:00:00"), sample(3, "2026-03-02 09:00:00"))
    assert stamped.reset
    # Went down, no evidence, 64-bit sized: a reset with the reason, not a wrap.
    big = growth_of(sample(2**40, None, None), sample(5, None, None))
    assert big.reset and not big.wrapped and big.note and "too large for a 32-bit wrap" in big.note
    # The measured interval wins when it is longer than the wait (real sleeps + command time).
    slow = crc_growth("r", "Se0", sample(0), sample(61), waited_s=60, measured_s=61.0,
                      at=plain.at, collector="t")  # fmt: skip
    assert (slow.interval_s, slow.per_min) == (61.0, 60.0)


def test_uptime_parsing() -> None:
    assert uptime_s("R1 uptime is 1 week, 2 days, 3 hours, 4 minutes") == 788_640
    assert uptime_s("Huawei AR2220 Router uptime is 0 week, 0 day, 1 hour, 1 minute") == 3660
    assert uptime_s("no such line") is None


def test_parse_capture_wraps_the_parsers(routers: dict[str, Served]) -> None:
    from diag.lab.routers.cli import Session

    served = routers["cisco-e1"]
    text = Session(served.state, ManualClock()).feed("show interfaces Serial0/0/0:0").text
    (obs,) = parse_capture("cisco_ios", "show interfaces Serial0/0/0:0", text, "rtr")
    assert isinstance(obs, InterfaceObservation) and obs.device == "rtr"


# --- failures -------------------------------------------------------------------------------------


def only_failure(reading: RouterReading) -> tuple[str, str]:
    """(stage, error) of the one failed access record of a reading that got nowhere."""
    (failure,) = access(reading)
    assert not failure.ok and failure.via == "ssh" and failure.error
    return failure.stage, failure.error


def test_nothing_listening_is_a_connect_failure() -> None:
    dev = device("gone", "cisco_ios", free_port())
    reading = read_router(dev, "Serial0/0/0", "10.0.0.2", FAST_FAIL)
    stage, error = only_failure(reading)
    assert stage == "connect"
    assert "connection refused" in error and "mgmt.port" in error
    assert "[diag] FAILED (connect)" in reading.transcript
    no_secret_anywhere(reading)


def test_wrong_password_is_an_auth_failure(
    routers: dict[str, Served], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DIAG_TEST_ROUTER_PW", WRONG)
    served = routers["cisco-e1"]
    dev = device("ok1-rtr-a", "cisco_ios", served.server.port, password="env:DIAG_TEST_ROUTER_PW")
    reading = read_router(dev, "Serial0/0/0:0", None, FAST_FAIL)
    stage, error = only_failure(reading)
    assert stage == "auth"
    assert "refused" in error and "env:DIAG_TEST_ROUTER_PW" in error
    no_secret_anywhere(reading, WRONG)


def test_unset_password_variable_is_an_auth_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DIAG_TEST_UNSET_PW", raising=False)
    dev = device("r", "cisco_ios", free_port(), password="env:DIAG_TEST_UNSET_PW")
    stage, error = only_failure(read_router(dev, "Serial0/0/0", None, FAST_FAIL))
    assert stage == "auth" and "DIAG_TEST_UNSET_PW is not set" in error


def test_wrong_enable_secret_is_an_auth_failure(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIAG_TEST_ENABLE", WRONG)
    state = scenario_state(CASES[1])
    srv, dev = one_router(lab, state)
    assert dev.login is not None
    dev = dev.model_copy(
        update={"login": dev.login.model_copy(update={"secret": "env:DIAG_TEST_ENABLE"})}
    )
    try:
        reading = read_router(dev, "Serial0/0/0:0", None, FAST_FAIL)
    finally:
        lab.stop(srv)
    stage, error = only_failure(reading)
    assert stage == "auth" and "enable was refused" in error
    no_secret_anywhere(reading, WRONG)


class _AnyLogin(asyncssh.SSHServer):
    """The test peers' SSH server: any user, any password."""

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return True


class _Silent:
    """Peers that accept and then never answer."""

    def __init__(self, thread: LabThread) -> None:
        self.thread = thread
        self.tcp_port = 0
        self.ssh_port = 0
        self._servers: list[Any] = []

    async def start(self) -> None:
        # TCP accepted, no SSH banner ever.
        async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.read()  # until the client gives up
            writer.close()

        tcp = await asyncio.start_server(hold, "127.0.0.1", 0)
        self.tcp_port = tcp.sockets[0].getsockname()[1]

        # SSH login accepted, the shell never prints a prompt.
        async def mute(process: asyncssh.SSHServerProcess[str]) -> None:
            await process.stdin.read()

        ssh = await asyncssh.create_server(
            _AnyLogin, "127.0.0.1", 0, server_host_keys=[host_key()], process_factory=mute
        )
        self.ssh_port = ssh.sockets[0].getsockname()[1]
        pin("diag-lab-test-peer", self.ssh_port)
        self._servers = [tcp, ssh]

    async def stop(self) -> None:
        for s in self._servers:
            s.close()


@pytest.fixture(scope="module")
def silent(lab: Lab) -> Iterator[_Silent]:
    peers = _Silent(lab.thread)
    lab.thread.run(peers.start())
    yield peers
    lab.thread.run(peers.stop())


def test_no_ssh_banner_is_a_timeout(silent: _Silent) -> None:
    reading = read_router(device("mute", "cisco_ios", silent.tcp_port), "Se0/0/0", None, FAST_FAIL)
    stage, error = only_failure(reading)
    assert stage == "timeout" and "SSH did not complete within 1 s" in error


@pytest.mark.parametrize("device_type", ["cisco_ios", "huawei"])
def test_no_prompt_after_login_is_a_timeout(silent: _Silent, device_type: str) -> None:
    dev = device("mute", device_type, silent.ssh_port)
    reading = read_router(dev, "Serial0/0/0", None, FAST_FAIL)
    stage, error = only_failure(reading)
    assert stage == "timeout"
    assert "gave no prompt within 1 s" in error and "congested" in error
    no_secret_anywhere(reading)


class _Garbage:
    """An SSH 'router' with a proper prompt whose every output is line noise."""

    def __init__(self) -> None:
        self.port = 0
        self._server: Any = None

    async def start(self) -> None:
        async def noisy(process: asyncssh.SSHServerProcess[str]) -> None:
            process.stdout.write("NOISE#")
            while line := await process.stdin.readline():
                cmd = line.strip()
                if cmd and not cmd.startswith("terminal"):
                    process.stdout.write("~~}}{{ 0x7f #@!% garbage ###\n" * 3)
                process.stdout.write("NOISE#")
            process.exit(0)

        self._server = await asyncssh.create_server(
            _AnyLogin, "127.0.0.1", 0, server_host_keys=[host_key()], process_factory=noisy
        )
        self.port = self._server.sockets[0].getsockname()[1]
        pin("diag-lab-test-peer", self.port)

    async def stop(self) -> None:
        self._server.close()


def test_garbage_output_is_a_parse_failure_and_the_reading_returns(lab: Lab) -> None:
    peer = _Garbage()
    lab.thread.run(peer.start())
    try:
        reading = read_router(
            device("noise", "cisco_ios", peer.port, secret=False),
            "Serial0/0/0:0",
            "10.0.0.2",
            SETTINGS,
            sleep=lab.sleep,
        )
    finally:
        lab.thread.run(peer.stop())
    stages = [(a.ok, a.stage) for a in access(reading)]
    assert stages.count((False, "parse")) >= 5  # interface, controller, cpu, history, log, ping
    assert stages[-1] == (True, "done")  # connected: the output, not the access, is the problem
    parse_errors = [a.error or "" for a in access(reading) if a.stage == "parse"]
    assert all("cannot read the output of" in e or "does not read" in e for e in parse_errors)
    assert "show interfaces Serial0/0/0:0" in reading.raw  # what was read is kept
    assert not of(reading, InterfaceObservation) and not of(reading, CrcGrowthObservation)
    # SSH does not lose lines: an unreadable output is a format, read once (only a console
    # re-reads an incomplete output).
    assert not [k for k in reading.raw if "re-read" in k]


def test_readings_run_concurrently_in_the_callers_pool(
    routers: dict[str, Served], lab: Lab
) -> None:
    """The runner's pattern: several routers at once in its own thread pool."""
    from concurrent.futures import ThreadPoolExecutor

    from diag.collectors.router import read_router_in

    quick = SETTINGS.model_copy(update={"crc_sample_interval_s": 0})
    chosen = [routers["cisco-e1"], routers["huawei-eth"], routers["cisco-v35"]]

    async def all_of() -> list[RouterReading]:
        with ThreadPoolExecutor(max_workers=3) as pool:
            return list(
                await asyncio.gather(
                    *(read_router_in(pool, s.device, s.case.wan, None, quick) for s in chosen)
                )
            )

    readings = asyncio.run(all_of())
    assert [access(r)[-1].ok for r in readings] == [True, True, True]
    assert threading.active_count() < 50


class _SlowEnable:
    """An IOS-like router that takes the enable secret and then stays silent past the timeout
    (a congested router), or says the secret is wrong."""

    def __init__(self, deny: bool, deny_from: int | None = None) -> None:
        self.deny = deny
        self.deny_from = deny_from  # deny from this connection on (1 = the first)
        self.connections = 0
        self.port = 0
        self._server: Any = None

    async def start(self) -> None:
        self.released = asyncio.Event()
        peer = self

        async def slow(process: asyncssh.SSHServerProcess[str]) -> None:
            peer.connections += 1
            deny = peer.deny or (peer.deny_from is not None and peer.connections >= peer.deny_from)
            process.stdout.write("slow>")
            while line := await process.stdin.readline():
                cmd = line.strip()
                if cmd == "enable":
                    # the secret is not echoed: until the router answers it, what the session
                    # last saw is this prompt, as with a real router
                    # asyncssh's line editor wraps the channel (line_editor=True): it has set_echo
                    editor: Any = process.channel
                    editor.set_echo(False)
                    process.stdout.write("Password: ")
                    await process.stdin.readline()
                    editor.set_echo(True)
                    if deny:
                        process.stdout.write("\n% Access denied\n\nslow>")
                        continue
                    # the privileged prompt comes too late: after the test, when stop() ends the
                    # wait (no task is left pending for the garbage collector to report)
                    await peer.released.wait()
                    process.stdout.write("\nslow#")
                    continue
                process.stdout.write("\nslow>")
            process.exit(0)

        self._server = await asyncssh.create_server(
            _AnyLogin,
            "127.0.0.1",
            0,
            server_host_keys=[host_key()],
            process_factory=slow,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        pin("diag-lab-test-peer", self.port)

    async def stop(self) -> None:
        self.released.set()
        self._server.close()
        await self._server.wait_closed()


@pytest.mark.parametrize("deny", [False, True], ids=["slow", "denied"])
def test_a_slow_enable_is_a_timeout_and_only_a_denial_blames_the_secret(
    lab: Lab, deny: bool
) -> None:
    peer = _SlowEnable(deny)
    lab.thread.run(peer.start())
    try:
        reading = read_router(
            device("slow", "cisco_ios", peer.port), "Serial0/0/0", None, FAST_FAIL
        )
    finally:
        lab.thread.run(peer.stop())
    stage, error = only_failure(reading)
    if deny:
        assert stage == "auth" and "enable was refused" in error
    else:
        assert stage == "timeout" and "not a wrong secret" in error
        assert "refused" not in error
    no_secret_anywhere(reading)


def test_a_sweep_reads_a_router_that_timed_out_once_more_and_keeps_the_second_reading(
    lab: Lab,
) -> None:
    """Reads.retry_timeouts (a sweep): the first reading times out (no privileged prompt in
    time), the second, behind the queue, is the one kept; the transcript says there were two.
    Without it (diag circuit), one reading."""
    from concurrent.futures import ThreadPoolExecutor

    from diag.runner import Context, Reads
    from diag.runner_jobs import _router_job

    class Retrying(Reads):
        retry_timeouts = True

    async def job(reads: Reads) -> Any:
        with ThreadPoolExecutor(2) as pool:
            ctx = Context(client=None, pool=pool, reads=reads)  # type: ignore[arg-type]
            dev = device("slow", "cisco_ios", peer.port)
            return await _router_job(dev, "Serial0/0/0", None, FAST_FAIL).run(ctx)

    for reads, readings in ((Retrying(), 2), (Reads(), 1)):
        peer = _SlowEnable(deny=False, deny_from=2)  # slow the first time, denies the second
        lab.thread.run(peer.start())
        try:
            outcome = asyncio.run(job(reads))
        finally:
            lab.thread.run(peer.stop())
        assert peer.connections == readings
        (failure,) = [o for o in outcome.observations if isinstance(o, DeviceAccessObservation)]
        if readings == 2:
            assert failure.stage == "auth" and "enable was refused" in (failure.error or "")
            assert "first reading over ssh timed out" in (outcome.transcript or "")
        else:
            assert failure.stage == "timeout"
