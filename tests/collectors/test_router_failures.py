"""The router collector's failures over SSH: nothing listening, refused logins and enable
secrets, peers that never answer or answer line noise, a slow enable, and a sweep's second
reading of a router that timed out.  The peers are in tests/collectors/router_lab.py.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest

from diag.collectors.router import RouterReading, read_router
from diag.lab.routers.harness import LabThread
from diag.lab.routers.server import host_key
from diag.model.observations import (
    CrcGrowthObservation,
    DeviceAccessObservation,
    InterfaceObservation,
)
from tests.collectors.router_lab import (
    CASES,
    FAST_FAIL,
    SETTINGS,
    WRONG,
    Lab,
    Served,
    access,
    device,
    free_port,
    no_secret_anywhere,
    of,
    one_router,
    only_failure,
    pin,
    scenario_state,
)

pytestmark = pytest.mark.lab


# --- failures -------------------------------------------------------------------------------------


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
