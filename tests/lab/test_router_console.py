"""The simulated serial console on a pty: netmiko cisco_ios_serial and pyserial as clients."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import netmiko.base_connection
import pytest
import serial
from ntc_templates.parse import parse_output

from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.console import ConsoleServer
from diag.lab.routers.state import RouterState
from tests.console_login import serial_login
from tests.lab.router_helpers import (
    CRC_PER_MIN,
    PASSWORD,
    SECRET,
    USERNAME,
    LoopThread,
    cisco_state,
    huawei_state,
)

pytestmark = pytest.mark.lab


@pytest.fixture
def serial_ports_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # netmiko only accepts ports that pyserial's comports() lists, never /dev/pts/N or links;
    # base_connection imported the checker by name, so patch it there.
    monkeypatch.setattr(netmiko.base_connection, "check_serial_port", lambda name: name)


def _console(
    lab_loop: LoopThread, clock: ManualClock, path: Path, state: RouterState
) -> Iterator[ConsoleServer]:
    con = ConsoleServer(state.hostname, state, path, USERNAME, PASSWORD, SECRET, clock)
    lab_loop.run(con.start())
    yield con
    lab_loop.run(con.stop())


@pytest.fixture
def cisco_console(
    lab_loop: LoopThread, lab_clock: ManualClock, tmp_path: Path
) -> Iterator[ConsoleServer]:
    yield from _console(lab_loop, lab_clock, tmp_path / "tty" / "cpe-acme-01", cisco_state())


def _read_until(port: serial.Serial, pattern: str, timeout: float = 3.0) -> str:
    buf = ""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        chunk: bytes = port.read(port.in_waiting or 1)
        buf += chunk.decode(errors="replace")
        if re.search(pattern, buf):
            return buf
    raise AssertionError(f"no {pattern!r} in {buf!r}")


def test_netmiko_serial_login_enable_and_crc_growth(
    cisco_console: ConsoleServer, lab_clock: ManualClock, serial_ports_allowed: None
) -> None:
    assert cisco_console.link_path.resolve() == Path(cisco_console.tty_path)
    conn = serial_login(
        device_type="cisco_ios_serial",
        username=USERNAME,
        password=PASSWORD,
        secret=SECRET,
        serial_settings={"port": str(cisco_console.link_path), "baudrate": 9600, "timeout": 1},
    )
    try:
        assert conn.find_prompt() == "CPE-ACME-01>"
        conn.enable()
        assert conn.find_prompt() == "CPE-ACME-01#"

        def crc() -> int:
            out = conn.send_command("show interfaces Serial0/0/0:0")
            (rec,) = parse_output(platform="cisco_ios", command="show interfaces", data=out)
            return int(rec["crc"])

        first = crc()
        lab_clock.advance(minutes=2)
        assert crc() - first == 2 * CRC_PER_MIN
    finally:
        conn.disconnect()


def test_pyserial_login_rejects_bad_password_and_hides_passwords(
    cisco_console: ConsoleServer,
) -> None:
    with serial.Serial(str(cisco_console.link_path), 9600, timeout=0.2) as port:
        port.write(b"\r")
        _read_until(port, r"Username: $")
        port.write(USERNAME.encode() + b"\r")
        _read_until(port, r"Password: $")
        port.write(b"wrong\r")
        failed = _read_until(port, r"Username: $")
        assert "% Login invalid" in failed and "wrong" not in failed
        port.write(USERNAME.encode() + b"\r")
        _read_until(port, r"Password: $")
        port.write(PASSWORD.encode() + b"\r")
        banner = _read_until(port, r"CPE-ACME-01>$")
        assert PASSWORD not in banner
        port.write(b"enable\r")
        _read_until(port, r"Password: $")
        port.write(SECRET.encode() + b"\r")
        assert SECRET not in _read_until(port, r"CPE-ACME-01#$")
        port.write(b"show foo\r")
        out = _read_until(port, r"CPE-ACME-01#$")
        assert "\r\n                 ^\r\n% Invalid input detected at '^' marker.\r\n" in out
        port.write(b"exit\r")
        assert "Press RETURN to get started." in _read_until(port, r"started\.\r\n")


def test_huawei_console_login(lab_loop: LoopThread, lab_clock: ManualClock, tmp_path: Path) -> None:
    for con in _console(lab_loop, lab_clock, tmp_path / "hw", huawei_state()):
        with serial.Serial(str(con.link_path), 9600, timeout=0.2) as port:
            port.write(b"\r\n")
            assert "Login authentication" in _read_until(port, r"Username:$")
            port.write(USERNAME.encode() + b"\r\n")
            _read_until(port, r"Password:$")
            port.write(PASSWORD.encode() + b"\r\n")
            _read_until(port, r"<CPE-BETA-02>$")
            port.write(b"display version\r\n")
            out = _read_until(port, r"<CPE-BETA-02>$")
            assert "Huawei AR2220 Router uptime is" in out


def test_drop_pct_loses_output_lines_deterministically(
    lab_loop: LoopThread, lab_clock: ManualClock, tmp_path: Path
) -> None:
    def session_lines(name: str) -> list[str]:
        state = cisco_state().model_copy(update={"console_drop_pct": 30.0})
        for con in _console(lab_loop, lab_clock, tmp_path / name, state):
            with serial.Serial(str(con.link_path), 9600, timeout=0.2) as port:
                port.write(b"\r")
                _read_until(port, r"Username: $")
                port.write(USERNAME.encode() + b"\r")
                _read_until(port, r"Password: $")
                port.write(PASSWORD.encode() + b"\r")
                _read_until(port, r"CPE-ACME-01>$")
                port.write(b"show interfaces\r")
                out = _read_until(port, r"CPE-ACME-01>$")
        return out.splitlines()

    full = Session(cisco_state(), ManualClock()).feed("show interfaces").text.splitlines()
    a = session_lines("a")
    b = session_lines("b")
    assert a == b  # same router name -> same seed -> same lost lines
    lost = len(full) - (len(a) - 1)  # minus the echoed command line
    assert 0.15 * len(full) < lost < 0.45 * len(full)


def test_stop_removes_the_link(
    lab_loop: LoopThread, lab_clock: ManualClock, tmp_path: Path
) -> None:
    link = tmp_path / "tty" / "r9"
    link.parent.mkdir()
    link.symlink_to("/dev/null")  # a stale link from an earlier lab is replaced
    con = ConsoleServer("r9", cisco_state(), link, USERNAME, PASSWORD, None, lab_clock)
    lab_loop.run(con.start())
    assert link.resolve() == Path(con.tty_path)
    lab_loop.run(con.stop())
    assert not link.exists() and not link.is_symlink()
