"""netmiko's serial login, with a recovery for the race it loses on a loaded machine.

netmiko's `serial_login()` sends RETURN and reads the port at once; if the console has already
answered (the test thread was descheduled between the write and the read), that read holds the
`Username:` prompt and is dropped: `telnet_login()` then waits for a prompt that never comes
again, and its later RETURNs answer `Password:` with nothing and `Username:` with the password,
one step out of phase until it gives up ("Login failed: serial").  Seen on the lab console under
CPU load (a session log shows the prompt read and the username never sent).

So: netmiko's own login first; if that fails, log the console in over the raw port, answering
whatever prompt shows last, and let netmiko find the logged-in console (its other documented
path).  A console that never logs in still fails: the raw login raises, and the last netmiko
attempt's error is raised.
"""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING, Any

import serial

if TYPE_CHECKING:
    from netmiko import BaseConnection

_PROMPT = re.compile(r"[\w.()/-]+[>#]\s*$")
_USER = re.compile(r"(user ?name|login):\s*$", re.IGNORECASE)
_PASSWORD = re.compile(r"password:\s*$", re.IGNORECASE)


def raw_console_login(port: str, username: str, password: str, timeout_s: float = 20.0) -> None:
    """Answer the console's prompts until its shell prompt shows; AssertionError if it does not."""
    with serial.Serial(port, baudrate=9600, timeout=0.1) as tty:
        tty.write(b"\r")
        buf, quiet_since = "", time.monotonic()
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            chunk = tty.read(tty.in_waiting or 1).decode(errors="replace")
            if chunk:
                buf, quiet_since = buf + chunk, time.monotonic()
                continue
            if time.monotonic() - quiet_since < 0.3:
                continue  # answer only the last prompt of a quiet line
            tail = buf.rstrip("\r\n ").rsplit("\n", 1)[-1] + " "
            if _PROMPT.search(tail):
                return
            if _USER.search(tail):
                tty.write(username.encode() + b"\r")
            elif _PASSWORD.search(tail):
                tty.write(password.encode() + b"\r")
            else:
                tty.write(b"\r")
            buf, quiet_since = "", time.monotonic()
    raise AssertionError(f"console {port}: no shell prompt in {timeout_s} s")


def serial_login(**kw: Any) -> BaseConnection:
    """ConnectHandler(**kw) for a serial device_type, recovering from netmiko's login race."""
    from netmiko import ConnectHandler
    from netmiko.exceptions import NetmikoAuthenticationException

    for attempt in range(3):
        try:
            return ConnectHandler(**kw)
        except NetmikoAuthenticationException:
            if attempt == 2:
                raise
            raw_console_login(kw["serial_settings"]["port"], kw["username"], kw["password"])
    raise AssertionError("unreachable")
