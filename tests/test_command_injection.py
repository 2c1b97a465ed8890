"""Nothing reaches a router outside the vendor's syntax (issue 9): a recording lab router proves it.

The lab router (a real asyncssh server with the simulated IOS CLI) is wrapped so that every line
its shell receives is recorded.  The router collector is then run with values that would inject
a second command (`Serial0/0/0:0\\nreload`) straight into `read_router`, bypassing the inventory
checks, so what is tested is the last check before the wire (CliSession.send ->
diag.model.syntax.check_command).  A control run with that check switched off shows the
recorder does see the injected line, so the main test can fail.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import asyncssh
import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.collectors.router import RouterReading, read_router
from diag.credentials import LAB_SECRETS
from diag.lab.routers.cli import Output, Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.lab.routers.server import RouterServer
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.inventory import Device
from diag.model.observations import DeviceAccessObservation, InterfaceObservation
from diag.settings import CollectorSettings

pytestmark = pytest.mark.lab

SETTINGS = CollectorSettings(
    ssh_timeout_s=5,
    command_timeout_s=5,
    crc_sample_interval_s=60,
    ping_count=2,
    ping_timeout_s=1,
)
WAN = "Serial0/0/0:0"
FAR = "10.9.0.2"


class RecordingRouter(RouterServer):
    """A lab router that keeps every line its shell is fed, in order."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lines: list[str] = []

    async def _shell(self, process: asyncssh.SSHServerProcess[str], session: Session) -> None:
        feed = session.feed

        def record(line: str) -> Output:
            self.lines.append(line)
            return feed(line)

        session.feed = record  # type: ignore[method-assign]
        await super()._shell(process, session)


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[LabThread, ManualClock]]:
    thread = LabThread()
    yield thread, ManualClock()
    thread.close()


@pytest.fixture
def router(lab: tuple[LabThread, ManualClock]) -> Iterator[RecordingRouter]:
    thread, clock = lab
    state = load_scenario(shipped_scenarios_dir() / "healthy-e1").state.routers["ok1-rtr-a"]
    srv = RecordingRouter(
        "ok1-rtr-a",
        state.model_copy(deep=True),
        "127.0.0.1",
        0,
        "noc",
        LAB_SECRETS["router-password"],
        LAB_SECRETS["router-secret"],
        clock,
    )
    thread.run(srv.start())
    yield srv
    thread.run(srv.stop())


def device(port: int) -> Device:
    return Device.model_validate(
        {
            "name": "ok1-rtr-a",
            "role": "router",
            "vendor": "cisco",
            "device_type": "cisco_ios",
            "mgmt": {"address": "127.0.0.1", "port": port},
            "login": {
                "username": "noc",
                "password": "lab:router-password",
                "secret": "lab:router-secret",
            },
        }
    )


def read(
    srv: RecordingRouter, lab: tuple[LabThread, ManualClock], wan: str, far: str | None
) -> RouterReading:
    clock = lab[1]
    return read_router(
        device(srv.port), wan, far, SETTINGS, sleep=lambda s: clock.advance(seconds=s)
    )


def failed(reading: RouterReading) -> list[DeviceAccessObservation]:
    return [
        o for o in reading.observations if isinstance(o, DeviceAccessObservation) and not o.ok
    ]


def commands(lines: list[str]) -> list[str]:
    return [ln.rstrip("\r\n") for ln in lines]


def test_recorder_sees_an_injected_line_when_the_check_is_off(
    router: RecordingRouter, lab: tuple[LabThread, ManualClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: without the last check, `reload` arrives as its own line (the issue's bug)."""
    import diag.collectors.cli.session as session

    monkeypatch.setattr(session, "check_command", lambda command: command)
    read(router, lab, f"{WAN}\nreload", FAR)
    sent = commands(router.lines)
    assert sent.count("reload") >= 2, sent  # show interfaces twice (CRC samples), controllers


PAYLOADS = [
    pytest.param(f"{WAN}\nreload", id="line-feed"),
    pytest.param(f"{WAN}\rreload", id="carriage-return"),
    pytest.param(f"{WAN}\r\nreload", id="crlf"),
    pytest.param(f"{WAN}\u2028reload", id="unicode-line-separator"),
    pytest.param(f"{WAN}\x1b[2Jreload", id="escape"),
    pytest.param(f"{WAN} | redirect flash:x", id="ios-pipe-redirect"),
    pytest.param(f"{WAN};reload", id="semicolon"),
    pytest.param(f"{WAN} ?", id="context-help"),
]


@pytest.mark.parametrize("wan", PAYLOADS)
def test_no_extra_line_reaches_the_router(
    router: RecordingRouter, lab: tuple[LabThread, ManualClock], wan: str
) -> None:
    reading = read(router, lab, wan, FAR)
    sent = commands(router.lines)
    assert not any("reload" in ln or "redirect" in ln or "?" in ln for ln in sent), sent
    assert not any(WAN in ln for ln in sent), sent  # no command carrying the value went out
    (acc,) = failed(reading)
    assert acc.stage == "command"
    assert acc.error is not None and "refusing to send the command line" in acc.error


def test_a_clean_reading_sends_the_commands_and_a_bad_far_end_stops_only_the_ping(
    router: RecordingRouter, lab: tuple[LabThread, ManualClock]
) -> None:
    """The recorder sees the real commands; an injected ping target is refused at the ping,
    after the readings before it went out whole."""
    reading = read(router, lab, WAN, "10.9.0.2\nreload")
    sent = commands(router.lines)
    assert f"show interfaces {WAN}" in sent and "show processes cpu" in sent
    assert not any("reload" in ln for ln in sent), sent
    assert not any(ln.startswith("ping") for ln in sent), sent
    assert [o for o in reading.observations if isinstance(o, InterfaceObservation)]
    (acc,) = failed(reading)
    assert acc.error is not None and "refusing to send" in acc.error and "line feed" in acc.error


# --- flags are checked when parsed, before anything connects ------------------------------------


@pytest.mark.parametrize(
    "args,flag",
    [
        (["router", "ok1-rtr-a", "--interface", f"{WAN}\nreload"], "--interface"),
        (["router", "ok1-rtr-a", "--interface", f"{WAN} | redirect flash:x"], "--interface"),
        (["ping", "127.0.0.1\nreload"], "ADDRESSES"),
        (["ping", "127.0.0.1;reboot"], "ADDRESSES"),
        (["ping", "127.0.0.1", "fe80::1%eth0"], "ADDRESSES"),
    ],
)
def test_flags_refused_at_parse(args: list[str], flag: str) -> None:
    r = CliRunner().invoke(cli, args)
    assert r.exit_code == 2, r.output
    assert flag in r.output and "Traceback" not in r.output
