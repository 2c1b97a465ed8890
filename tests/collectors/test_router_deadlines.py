"""Router deadlines that hold (issue 9): lab routers that hang, drop, stall and refuse.

No test asserts how long anything took.  Each asserts what the router saw (which lines reached
it after it stopped answering, whether the client closed the connection while a call was still
pending) and what the error says happened.  Where an error reports its elapsed time, the test
gives a timeout far above it (30 s), so a regression that waits the timeout out fails by its
message, not by a clock.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar

import asyncssh
import pytest

from diag.collectors.cli.deadline import MARGIN_S
from diag.collectors.router import RouterReading, read_router
from diag.credentials import LAB_SECRETS
from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.lab.routers.server import RouterServer, host_key, lab_known_hosts_line
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.inventory import Device
from diag.model.observations import DeviceAccessObservation, InterfaceObservation, LogObservation
from diag.settings import CollectorSettings

pytestmark = pytest.mark.lab

USER = "noc"
PASSWORD = LAB_SECRETS["router-password"]
SECRET = LAB_SECRETS["router-secret"]
WAN = "Serial0/0/0:0"


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    thread = LabThread()
    yield thread
    thread.close()


@pytest.fixture
def known_hosts(tmp_path: Path) -> Path:
    return tmp_path / "known_hosts"


def pin(known_hosts: Path, name: str, port: int) -> None:
    with known_hosts.open("a", encoding="utf-8") as fh:
        fh.write(lab_known_hosts_line(name, "127.0.0.1", port))


def settings(known_hosts: Path, **changes: Any) -> CollectorSettings:
    base = CollectorSettings(
        ssh_timeout_s=5,
        command_timeout_s=1,
        crc_sample_interval_s=0,
        router_ping=False,
        known_hosts=str(known_hosts),
    )
    return base.model_copy(update=changes)


def device(name: str, port: int) -> Device:
    return Device.model_validate(
        {
            "name": name,
            "role": "router",
            "vendor": "cisco",
            "device_type": "cisco_ios",
            "mgmt": {"address": "127.0.0.1", "port": port},
            "login": {
                "username": USER,
                "password": "lab:router-password",
                "secret": "lab:router-secret",
            },
        }
    )


def accesses(reading: RouterReading) -> list[DeviceAccessObservation]:
    return [o for o in reading.observations if isinstance(o, DeviceAccessObservation)]


def reported_elapsed(error: str) -> float:
    m = re.search(r"after (\d+(?:\.\d+)?) s", error)
    assert m, error
    return float(m.group(1))


def eventually(check: Callable[[], bool], within: float = 10.0) -> None:
    """Wait for something the router observes asynchronously (not a timing assert)."""
    end = time.monotonic() + within
    while not check():
        assert time.monotonic() < end, "the router never observed it"
        time.sleep(0.02)


class Faulty(RouterServer):
    """A lab router with one fault, keeping every line its shell receives.

    `hang_at`: from this command on the CLI never answers (it still reads: `after_hang` keeps
    what arrived).  `slow`: command prefix -> seconds before its output.  `drop_at`: the whole
    connection is dropped when this line arrives.
    """

    def __init__(
        self,
        *args: Any,
        hang_at: str | None = None,
        slow: dict[str, float] | None = None,
        drop_at: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.hang_at, self.slow, self.drop_at = hang_at, slow or {}, drop_at
        self.lines: list[str] = []
        self.after_hang: list[str] = []
        self.closed = False

    async def _shell(self, process: asyncssh.SSHServerProcess[str], session: Session) -> None:
        write = process.stdout.write
        write(session.prompt())
        hung = False
        try:
            while line := await process.stdin.readline():
                cmd = line.strip()
                self.lines.append(cmd)
                if hung:
                    self.after_hang.append(cmd)
                    continue
                if self.drop_at is not None and cmd == self.drop_at:
                    process.get_extra_info("connection").abort()
                    return
                if self.hang_at is not None and cmd.startswith(self.hang_at):
                    hung = True
                    continue
                delay = next((s for p, s in self.slow.items() if cmd.startswith(p)), 0.0)
                if delay:
                    await asyncio.sleep(delay)
                out = session.feed(line)
                write(out.text)
                write(session.prompt())
        except (asyncssh.Error, ConnectionError, asyncssh.TerminalSizeChanged):
            pass
        finally:
            self.closed = True


def faulty(lab: LabThread, known_hosts: Path, **fault: Any) -> Faulty:
    state = load_scenario(shipped_scenarios_dir() / "healthy-e1").state.routers["ok1-rtr-a"]
    srv = Faulty(
        "dl-rtr",
        state.model_copy(deep=True),
        "127.0.0.1",
        0,
        USER,
        PASSWORD,
        SECRET,
        ManualClock(),
        **fault,
    )
    lab.run(srv.start())
    pin(known_hosts, srv.name, srv.port)
    return srv


def test_a_router_that_hangs_mid_reading_is_given_up(lab: LabThread, known_hosts: Path) -> None:
    """Before: every remaining command waited its own command_timeout_s (about 298 s with the
    default 30 s).  Now the hung session is checked with RETURNs, closed, and nothing more is
    sent."""
    srv = faulty(lab, known_hosts, hang_at="show processes cpu")
    try:
        reading = read_router(device(srv.name, srv.port), WAN, None, settings(known_hosts))
        eventually(lambda: srv.closed)
    finally:
        lab.run(srv.stop())
    assert srv.after_hang and set(srv.after_hang) == {""}  # only RETURNs, no more commands
    assert len(srv.after_hang) <= 2
    failed = [(a.stage, a.error or "") for a in accesses(reading) if not a.ok]
    (hung_stage, hung), (rest_stage, rest) = failed
    assert hung_stage == "timeout"
    assert "'show processes cpu' gave no prompt back within 1 s (command_timeout_s)" in hung
    assert "did not answer a RETURN either: it is hung" in hung and "not sent" in hung
    assert rest_stage == "command"
    assert "'show processes cpu history' not sent: 'show processes cpu' hung" in rest
    # What was read before the hang is kept.
    assert [o for o in reading.observations if isinstance(o, InterfaceObservation)]
    assert "show interfaces Serial0/0/0:0" in reading.raw


def test_a_command_that_is_only_slow_does_not_end_the_session(
    lab: LabThread, known_hosts: Path
) -> None:
    srv = faulty(lab, known_hosts, slow={"show logging": 1.5})
    try:
        reading = read_router(
            device(srv.name, srv.port),
            WAN,
            "10.9.0.2",
            settings(known_hosts, router_ping=True, ping_count=2, crc_sample_interval_s=1),
            sleep=lambda s: None,
        )
    finally:
        lab.run(srv.stop())
    failed = [a.error or "" for a in accesses(reading) if not a.ok]
    (slow,) = failed
    assert "'show logging' gave no prompt back within 1 s" in slow
    assert "though the session still answers a RETURN" in slow
    # The reading went on: the second CRC sample and the ping were sent and read.
    assert srv.lines.count("show interfaces Serial0/0/0:0") == 2
    assert any(ln.startswith("ping 10.9.0.2") for ln in srv.lines)
    assert not [o for o in reading.observations if isinstance(o, LogObservation)]
    assert accesses(reading)[-1].ok


def test_a_connection_dropped_during_enable_is_not_a_wrong_secret(
    lab: LabThread, known_hosts: Path
) -> None:
    srv = faulty(lab, known_hosts, drop_at="enable")
    try:
        reading = read_router(
            device(srv.name, srv.port), WAN, None, settings(known_hosts, ssh_timeout_s=30)
        )
    finally:
        lab.run(srv.stop())
    (acc,) = accesses(reading)
    assert not acc.ok and acc.stage == "connect" and acc.error
    assert "the connection closed during enable" in acc.error
    assert "refused" not in acc.error and "secret" not in acc.error.split("(")[0]
    assert reported_elapsed(acc.error) < 30  # seen when it happened, not at ssh_timeout_s
    assert srv.lines[-1] == "enable" and srv.passwords_received == 1


def test_a_router_that_closes_at_once_is_not_reported_as_slow(
    lab: LabThread, tmp_path: Path
) -> None:
    async def start() -> asyncio.Server:
        async def close_now(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            writer.close()

        return await asyncio.start_server(close_now, "127.0.0.1", 0)

    server = lab.run(start())
    port = server.sockets[0].getsockname()[1]
    try:
        reading = read_router(
            device("fast-rtr", port), WAN, None, settings(tmp_path / "kh", ssh_timeout_s=30)
        )
    finally:
        server.close()
    (acc,) = accesses(reading)
    assert not acc.ok and acc.stage == "connect" and acc.error
    assert "closed the connection during the SSH handshake" in acc.error
    assert "did not complete within" not in acc.error
    assert reported_elapsed(acc.error) < 30


class _NoShell(asyncssh.SSHServer):
    """Accepts the login, then never answers the request for a shell channel: paramiko waits
    for that answer with no timeout of netmiko's (its channel timeout is an hour)."""

    opened: ClassVar[list[str]] = []
    lost: ClassVar[list[str]] = []

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost.append("lost")

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return True

    def session_requested(self) -> Any:
        async def never() -> Any:
            await asyncio.sleep(3600)
            self.opened.append("shell")  # never reached

        return never()


def test_a_deadline_holds_where_netmiko_would_wait(lab: LabThread, known_hosts: Path) -> None:
    """netmiko's own timeouts do not cover every wait (here paramiko's wait for a shell channel,
    bounded by nothing netmiko sets): the session's deadline is enforced outside netmiko, the
    connection closed and the call abandoned."""

    async def start() -> asyncssh.SSHAcceptor:
        return await asyncssh.create_server(_NoShell, "127.0.0.1", 0, server_host_keys=[host_key()])

    server = lab.run(start())
    port = server.sockets[0].getsockname()[1]
    pin(known_hosts, "diag-lab-test-peer", port)
    try:
        reading = read_router(
            device("noshell-rtr", port), WAN, None, settings(known_hosts, ssh_timeout_s=0.5)
        )
        eventually(lambda: bool(_NoShell.lost))  # the client closed the connection
    finally:
        server.close()
    assert not _NoShell.opened  # the call never completed on its own
    (acc,) = accesses(reading)
    assert not acc.ok and acc.stage == "timeout" and acc.error
    limit = 0.5 + MARGIN_S
    assert (
        f"connect and login did not complete within {limit:g} s (ssh_timeout_s 0.5 s + "
        f"{MARGIN_S:g} s margin)" in acc.error
    )
    assert "the connection closed" in acc.error
