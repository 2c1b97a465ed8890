"""A router's serial console on netmiko: a local device or a console-server line.

Consoles are a local serial device (a path, often a symlink such as /dev/serial/by-id/...) or a
console server line written `socket://host:port`.  netmiko's serial support fits neither as
shipped, so the console classes built here (one per vendor profile, `console_class`) adapt it
without touching netmiko itself:

- netmiko's constructor checks a serial device_type's port against pyserial's `comports()`,
  which never lists ptys, symlinks or URLs, and has no option to skip that check.  These classes
  open the port themselves (`serial.serial_for_url`), so the constructor is not given a serial
  device_type; the profile's console device_type and the serial settings are set after it.
  Nothing of netmiko's is replaced: other netmiko users in the process keep its check.
- They read with a channel that asks for whatever is buffered (pyserial's socket handler
  reports `in_waiting` as 0/1, not a byte count).
- netmiko's serial login (fixed sleeps, twenty retries, no failed-login detection) and its
  bare-RETURN prompt checks do not survive a flaky console, which is exactly the console a
  field engineer meets in the LAN-attack case (DOMAIN.md §1.3 case 4.2).  These classes log in
  themselves, read the prompt from the login, and enter enable mode without relying on a bare
  RETURN being answered.

What the login looks like (banners, refusals, prompt, paging, enable, logout) comes from the
vendor profile (diag.collectors.vendors).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import logging
import os
import re
import stat
import time
from typing import Any, ClassVar

import serial
from netmiko import BaseConnection
from netmiko.channel import SerialChannel
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

from diag.collectors.vendors import VendorProfile
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.model.inventory import Device

# Prompts every vendor's login asks with.
LOGIN_USER = re.compile(r"(?:[Uu]sername|[Ll]ogin|User name)\s*:\s*$")
LOGIN_PASSWORD = re.compile(r"[Pp]assword\s*:\s*$")
_USER_AT_END = r"(?:[Uu]sername|User name)\s*:\s*$"


def session_gone(profile: VendorProfile) -> re.Pattern[str]:
    """Texts that mean the console session is gone: the idle banner, a login starting."""
    t = profile.console_texts
    return re.compile(rf"{t.idle}|{t.login_banner}|{LOGIN_USER.pattern}", re.MULTILINE)


def gone_in_output(profile: VendorProfile) -> re.Pattern[str]:
    """The same, as seen at the end of a command's output (no multi-line anchors: outputs such
    as logs may hold the words "Username:" mid-text)."""
    return re.compile(rf"{profile.console_texts.idle}|{_USER_AT_END}")


def is_console_url(name: str) -> bool:
    return name.startswith(("socket://", "rfc2217://"))


def is_char_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)  # follows symlinks
    except OSError:
        return False


class _ConsoleChannel(SerialChannel):
    """Reads whatever is buffered: pyserial's socket:// handler reports in_waiting as 0 or 1."""

    def read_buffer(self) -> str:
        if self.remote_conn is None:
            return ""
        if self.remote_conn.in_waiting <= 0:
            return ""
        data: bytes = self.remote_conn.read(4096)  # the port is opened non-blocking
        # "replace", not "ignore": a byte the line corrupted shows as U+FFFD, which no parser
        # accepts, instead of vanishing from the middle of a number.
        return data.decode(self.encoding, "replace")


class Console(BaseConnection):
    """Console login and set-up that survive lost and garbled lines (mixed into vendor classes)."""

    profile: ClassVar[VendorProfile]
    login_timeout_s: float = 15.0
    full_prompt: str = ""

    def __init__(self, *, port: str, baudrate: int, **kwargs: Any) -> None:
        # Not a serial device_type for the constructor (see the module docstring); `host` only
        # names the port in netmiko's own messages.
        super().__init__(device_type=self.profile.ssh_device_types[0], host=port, **kwargs)
        self.device_type = self.profile.console_device_type
        self.protocol = "serial"
        self.serial_settings = {"port": port, "baudrate": baudrate, "timeout": 0}

    def establish_connection(self, width: int = 511, height: int = 1000) -> None:
        settings = dict(self.serial_settings)
        port = settings.pop("port")
        self.remote_conn = serial.serial_for_url(port, **settings)
        self.channel = _ConsoleChannel(conn=self.remote_conn, encoding=self.encoding)
        self.console_login()

    def console_login(self) -> str:
        """RETURN, then answer Username:/Password: until a prompt shows; raises on refusal."""
        texts = self.profile.console_texts
        refused = re.compile(texts.refused)
        idle = re.compile(texts.idle, re.IGNORECASE)
        deadline = time.monotonic() + self.login_timeout_s
        buf = ""
        sent_user = sent_password = 0
        last_data = last_poke = time.monotonic()
        self.write_channel("\r")
        while time.monotonic() < deadline:
            new = self.read_channel()
            now = time.monotonic()
            if new:
                buf += new
                last_data = now
            tail = buf[-300:]
            last_line = tail.splitlines()[-1].strip() if tail.strip() else ""
            if refused.search(tail) and sent_password:
                raise NetmikoAuthenticationException("console login refused")
            if not tail.endswith(("\n", "\r")) and self.profile.prompt.fullmatch(last_line):
                self.full_prompt = last_line
                return buf
            if idle.search(tail):
                buf = ""
                self.write_channel("\r")
            elif LOGIN_USER.search(tail):
                if sent_user >= 2:
                    raise NetmikoAuthenticationException("console login refused")
                sent_user += 1
                buf = ""
                self.write_channel(self.username + "\r")
            elif LOGIN_PASSWORD.search(tail):
                sent_password += 1
                buf = ""
                assert self.password is not None
                self.write_channel(self.password + "\r")
            elif now - last_data > 1.0 and now - last_poke > 1.0:
                # Nothing new for a second: wake the line up again (lost RETURN, idle banner).
                last_poke = now
                self.write_channel("\r")
            time.sleep(0.02)
        raise NetmikoTimeoutException("no prompt or login request on the console")

    def session_preparation(self) -> None:
        self.base_prompt = self.profile.base_prompt(self.full_prompt)
        self.disable_paging(command=self.profile.paging_command)
        self.read_until_prompt(read_timeout=self.login_timeout_s)

    def enable(
        self,
        cmd: str = "",
        pattern: str = "",
        enable_pattern: str | None = None,
        check_state: bool = True,
        re_flags: int = re.IGNORECASE,
    ) -> str:
        """Enter privileged mode with the secret, judged by the prompt that follows (never by a
        bare RETURN); a vendor without an enable step (profile.enable None) has nothing to do."""
        spec = self.profile.enable
        if spec is None or self.full_prompt.endswith("#"):
            return ""
        cmd = cmd or spec.command
        pattern = pattern or spec.password_prompt
        answer = rf"(?:{pattern}|{re.escape(self.base_prompt)}\S*[>#])"
        self.write_channel(cmd + "\r")
        out = self.read_until_pattern(pattern=answer)
        if re.search(pattern, out, flags=re_flags):
            self.write_channel(self.secret + "\r")
            out += self.read_until_pattern(pattern=answer)
        last = out.rstrip().splitlines()[-1].strip() if out.strip() else ""
        for _ in range(spec.tries):
            # Refused: the router asks again; empty answers get back to the prompt, so the
            # logout that follows is not taken for one more secret.
            if not re.search(pattern, last, flags=re_flags):
                break
            self.write_channel("\r")
            more = self.read_until_pattern(pattern=answer)
            last = more.rstrip().splitlines()[-1].strip() if more.strip() else ""
        if not last.endswith("#"):
            raise ValueError("Failed to enter enable mode.")
        self.full_prompt = last
        return out

    def disconnect(self) -> None:
        # Log out so the console is not left open for the next person; best effort, the line
        # may already be gone.
        with contextlib.suppress(Exception):
            self.write_channel(self.profile.logout_command + "\r")
            time.sleep(0.05)
            self.read_channel()
        try:
            with contextlib.suppress(Exception):
                if self.remote_conn is not None:
                    self.remote_conn.close()
        finally:
            self.remote_conn = None
            if self.session_log:
                self.session_log.close()
            logging.getLogger("netmiko").removeFilter(self._secrets_filter)

    def close_port(self) -> None:
        """Close the port from another thread (a deadline passed); the login or read fails."""
        port = self.remote_conn
        if port is not None:
            with contextlib.suppress(Exception):
                port.close()


@functools.cache
def console_class(profile: VendorProfile) -> type[Console]:
    """The console class of a vendor: `Console` over the netmiko class the profile names."""
    module, _, name = profile.console_driver.partition(":")
    base: type[BaseConnection] = getattr(importlib.import_module(module), name)
    cls: type[Console] = type(f"Diag{base.__name__}Console", (Console, base), {"profile": profile})
    return cls


def check_port(device: Device, target: str) -> str:
    """The console's port, checked before anything opens it; CollectorError if unusable."""
    port = device.console
    if port is None:
        raise CollectorError(f"{device.name}: the inventory gives no 'console' for this router")
    if not is_console_url(port):
        if not os.path.lexists(port):
            raise CollectorError(
                f"{target}: no such device: check that the console cable / USB-serial adapter "
                "is plugged in (ls -l /dev/ttyUSB* /dev/serial/by-id) and the inventory's "
                "console path"
            )
        if not is_char_device(port):
            raise CollectorError(
                f"{target}: not a serial device (a character device, or a symlink to one)"
            )
    return port


def console_error(
    exc: BaseException, target: str, device: Device, t: float, baud: int, elapsed: float
) -> CollectorError:
    user = device.login.username if device.login else "?"
    ref = device.login.password if device.login else "?"
    text = " ".join(str(exc).split())
    after = f" (after {elapsed:.1f} s)"
    if isinstance(exc, NetmikoAuthenticationException):
        return CollectorAuthError(
            f"{target}: console login as {user!r} refused{after}: check login.username and the "
            f"password reference {ref} (its value is not shown)"
        )
    if isinstance(exc, NetmikoTimeoutException | ReadTimeout):
        return CollectorTimeout(
            f"{target}: no prompt or login request within {t:g} s after RETURN: check the "
            f"speed (console_baudrate={baud}), the rollover cable, and that the router is "
            "powered; a console that answers only now and then is itself evidence of a "
            "congested router (DOMAIN.md case 4.2)"
        )
    if isinstance(exc, serial.SerialException | OSError):
        if "refused" in text.lower():
            return CollectorError(
                f"{target}: the console server refused the connection{after}: check its "
                "address and the TCP port of the line, and that nobody else holds the line"
            )
        if "permission" in text.lower():
            return CollectorError(
                f"{target}: permission denied: the user running diag needs access to the "
                "device (on Debian: the dialout group)"
            )
        if "busy" in text.lower():
            return CollectorError(f"{target}: the port is busy: another program holds it")
        return CollectorError(f"{target}: cannot open the console{after}: {text}")
    if isinstance(exc, Exception):
        return CollectorError(f"{target}: {type(exc).__name__}{after}: {text}")
    raise exc
