"""Nothing reaches a router outside the vendor's syntax (issue 9): a recording lab router proves it.

The lab router (a real asyncssh server with the simulated IOS CLI) is wrapped so that every line
its shell receives is recorded.  The router collector is then run with values that would inject
a second command (`Serial0/0/0:0\\nreload`) straight into `read_router`, bypassing the inventory
checks, so what is tested is the last check before the wire (CliSession.send ->
diag.model.syntax.check_command).  A control run with that check switched off shows the
recorder does see the injected line, so the main test can fail.
"""

from __future__ import annotations

import re
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
    # What reaches the router is the subject here; host keys: tests/collectors/test_ssh_host_keys.py
    ssh_host_keys="off",
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

        # wrap this one session's method: every line the lab router is fed is recorded
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
    return [o for o in reading.observations if isinstance(o, DeviceAccessObservation) and not o.ok]


def commands(lines: list[str]) -> list[str]:
    return [ln.rstrip("\r\n") for ln in lines]


def test_recorder_sees_an_injected_line_when_the_check_is_off(
    router: RecordingRouter, lab: tuple[LabThread, ManualClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Control: without the last check, `reload` arrives as its own line (the issue's bug)."""
    from diag.collectors.cli import session

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


# --- the last check lets every real command through ----------------------------------------------


def _shipped_interfaces() -> set[str]:
    from diag.inventory import load_inventory

    inv = load_inventory()
    return {e.wan_interface for c in inv.circuits.values() for e in (c.a, c.b) if e.wan_interface}


def test_every_command_diag_sends_passes_the_last_check() -> None:
    """Every command of every vendor's command set, for every WAN interface the shipped
    inventories name and the usual others, with every ping option: none is refused."""
    from diag.collectors.cli.parsers import VENDORS, commands_for
    from diag.collectors.router import clear_command, version_command
    from diag.model.syntax import check_command

    interfaces = _shipped_interfaces() | {
        "Serial 0/1/0", "Eth-Trunk1.100", "GigabitEthernet0/0/1.20", "Pos1/0/0", "Serial0/0/0:15",
    }  # fmt: skip
    sent = 0
    for device_type in VENDORS:
        for wan in sorted(interfaces):
            cs = commands_for(device_type, wan)
            lines = [*cs.reads, version_command(device_type)]
            clear = clear_command(device_type, wan)
            lines += [clear.command, clear.answer]
            for target in ("10.9.0.2", "2001:db8::2", "far-end.example"):
                for df in (False, True):
                    for pattern in (None, "abcd"):
                        lines.append(cs.ping(target, 5, 100, 2.0, df, pattern))
            for line in lines:
                check_command(line)
                sent += 1
    assert sent > 500


@pytest.mark.parametrize(
    "value,check",
    [
        ("Serial0/0/0:0", "interface_name"),
        ("Serial 0/1/0", "interface_name"),
        ("GigabitEthernet0/0/1", "interface_name"),
        ("10.9.0.2", "ping_target"),
        ("2001:db8::2", "ping_target"),
        ("far-end.example.", "ping_target"),
        ("fe80::1%eth0", "host"),
        ("socket://127.0.0.1:16713", "console"),
        ("socket://[::1]:7001", "console"),
        ("/dev/ttyUSB0", "console"),
        ("DOMAIN\\noc", "username"),
    ],
)
def test_field_syntax_accepts(value: str, check: str) -> None:
    from diag.model import syntax

    getattr(syntax, check)(value)


@pytest.mark.parametrize(
    "value,check,why",
    [
        ("Serial0/0/0:0\nreload", "interface_name", "line feed"),
        ("Serial0/0/0:0  x", "interface_name", "not an interface name"),
        ("0/0/0", "interface_name", "not an interface name"),
        ("-f", "ping_target", "starts with '-'"),
        ("10.9.0.2 ", "ping_target", "neither an IP address nor a host name"),
        ("fe80::1%eth0", "ping_target", "no %zone"),
        ("fe80::1%a;b", "host", "not an interface name of this host"),
        ("10.0.0.1%eth0", "host", "not an interface name of this host"),
        ("1.2.3", "host", "not a valid IPv4 address"),
        ("socket://h:1?logging=debug", "console", "no options"),
        ("/dev/../etc/passwd", "console", "no '..'"),
        ("noc\r", "username", "carriage return"),
        ("a\u200bb", "no_control", "U+200B"),
    ],
)
def test_field_syntax_refuses(value: str, check: str, why: str) -> None:
    from diag.model import syntax

    with pytest.raises(ValueError, match=re.escape(why)):
        getattr(syntax, check)(value)
