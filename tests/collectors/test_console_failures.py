"""The router collector over the serial console when the console fails: no device, refusals,
wrong credentials, silence (split from test_console_behaviour.py)."""

from __future__ import annotations

import os
import socket
import tty
from collections.abc import Iterator
from pathlib import Path

import pytest

from diag.collectors.router import RouterReading, read_router
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.model.observations import (
    DeviceAccessObservation,
)
from tests.collectors.console_lab import (
    SETTINGS,
    Lab,
    cisco,
    console_device,
    console_of,
    huawei,
    no_secrets,
    of,
)

pytestmark = pytest.mark.lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    thread = LabThread()
    yield Lab(thread, ManualClock(), tmp_path_factory.mktemp("tty"))
    thread.close()


# --- console failures ---------------------------------------------------------------------------


def only_failure(reading: RouterReading) -> tuple[str, str]:
    """(stage, error) of a console reading that got nowhere; the console record says so too."""
    (failure,) = of(reading, DeviceAccessObservation)
    assert not failure.ok and failure.via == "console" and failure.error
    obs = console_of(reading)
    assert not obs.login_ok and obs.probes == 0 and obs.error == failure.error
    return failure.stage, failure.error


def test_missing_console_device(tmp_path: Path) -> None:
    dev = console_device(cisco(), str(tmp_path / "ttyUSB9"))
    stage, error = only_failure(read_router(dev, "Serial0/0/0:0", None, SETTINGS, via="console"))
    assert stage == "connect" and "no such device" in error


def test_a_regular_file_is_not_a_console(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    dev = console_device(cisco(), str(path))
    stage, error = only_failure(read_router(dev, "Serial0/0/0:0", None, SETTINGS, via="console"))
    assert stage == "connect" and "not a serial device" in error


def test_console_server_refuses() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    dev = console_device(cisco(), f"socket://127.0.0.1:{port}")
    stage, error = only_failure(read_router(dev, "Serial0/0/0:0", None, SETTINGS, via="console"))
    assert stage == "connect" and "refused" in error


@pytest.mark.parametrize("vendor", ["cisco", "huawei"])
def test_wrong_console_password(lab: Lab, vendor: str, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "N0t-the-console-pw"
    monkeypatch.setenv("DIAG_TEST_CONSOLE_PW", wrong)
    state = cisco() if vendor == "cisco" else huawei()
    con = lab.console(state)
    try:
        dev = console_device(state, str(con.link_path), password="env:DIAG_TEST_CONSOLE_PW")
        reading = read_router(dev, "Serial0/0/0:0", None, SETTINGS, via="console")
    finally:
        lab.stop(con)
    stage, error = only_failure(reading)
    assert stage == "auth" and "env:DIAG_TEST_CONSOLE_PW" in error
    no_secrets(reading, wrong)


def test_wrong_enable_secret_on_the_console(lab: Lab, monkeypatch: pytest.MonkeyPatch) -> None:
    wrong = "N0t-the-enable-secret"
    monkeypatch.setenv("DIAG_TEST_ENABLE", wrong)
    state = cisco()
    con = lab.console(state)
    try:
        dev = console_device(state, str(con.link_path))
        assert dev.login is not None
        login = dev.login.model_copy(update={"secret": "env:DIAG_TEST_ENABLE"})
        dev = dev.model_copy(update={"login": login})
        reading = read_router(dev, "Serial0/0/0:0", None, SETTINGS, via="console")
    finally:
        lab.stop(con)
    stage, error = only_failure(reading)
    assert stage == "auth" and "enable was refused" in error and "env:DIAG_TEST_ENABLE" in error
    # The refused secret prompts were answered, so the logout really logged out.
    closing = reading.transcript.index("[diag] closing the session")
    assert "Press RETURN to get started." in reading.transcript[closing:]
    assert "% Bad secrets" not in reading.transcript[closing:]
    no_secrets(reading, wrong)


def test_a_console_that_never_answers_is_a_timeout(tmp_path: Path) -> None:
    """A pty with nothing behind it: the cable is in, the router says nothing."""
    master, slave = os.openpty()
    tty.setraw(slave)
    link = tmp_path / "dead-console"
    link.symlink_to(os.ttyname(slave))
    try:
        dev = console_device(cisco(), str(link))
        quick = SETTINGS.model_copy(update={"ssh_timeout_s": 1.5})
        reading = read_router(dev, "Serial0/0/0:0", None, quick, via="console")
    finally:
        os.close(master)
        os.close(slave)
    stage, error = only_failure(reading)
    assert stage == "timeout"
    assert "no prompt or login request within 1.5 s" in error
    assert "console_baudrate=9600" in error


def test_netmiko_is_not_patched(tmp_path: Path) -> None:
    """diag's console classes open ptys, symlinks and console-server URLs without replacing
    netmiko's port check: other netmiko users in the process keep netmiko's own behaviour."""
    import netmiko.base_connection as nbc
    import netmiko.utilities as nu
    from netmiko import ConnectHandler

    import diag.collectors.cli.session  # noqa: F401  (used to patch netmiko on import)

    # the name netmiko imported into base_connection, which it does not re-export
    assert nbc.check_serial_port is nu.check_serial_port  # type: ignore[attr-defined]
    master, slave = os.openpty()
    link = tmp_path / "console"
    link.symlink_to(os.ttyname(slave))
    try:
        with pytest.raises(ValueError, match="not found"):
            ConnectHandler(
                device_type="cisco_ios_serial",
                username="x",
                password="y",
                serial_settings={"port": str(link)},
                auto_connect=False,
            )
    finally:
        os.close(master)
        os.close(slave)
