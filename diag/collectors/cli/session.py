"""A CLI session on a router, by SSH or by its serial console, on netmiko.

`open_session()` connects, logs in, enters enable mode when the inventory gives an enable
secret, and switches paging off (netmiko's `terminal length 0` / `screen-length 0 temporary`).
Every byte sent and received goes into a `Transcript` whose text has every secret redacted
(`diag.credentials.redact`), for `--debug`.  Failures raise `CollectorError` (could not
connect), `CollectorAuthError` (login or enable refused, secret unresolvable) or
`CollectorTimeout` (the peer accepted but did not answer in time); messages say what to check
and never contain a secret value.

Consoles are a local serial device (a path, often a symlink such as /dev/serial/by-id/...) or a
console server line written `socket://host:port`.  netmiko's serial support does not fit either
as shipped, so this module (and only it) adapts it:

- `netmiko.base_connection.check_serial_port` accepts only ports pyserial's `comports()` lists,
  which never includes ptys, symlinks or URLs.  `_install_console_port_check()` wraps it once so
  that an existing character device (or a symlink to one) and a `socket://` URL pass as they
  are; any other name still goes to netmiko's own check.
- netmiko opens ports with `serial.Serial`, which cannot open URLs: the console classes open
  with `serial.serial_for_url`, and read with a channel that asks for whatever is buffered
  (pyserial's socket handler reports `in_waiting` as 0/1, not a byte count).
- netmiko's serial login (fixed sleeps, twenty retries, no failed-login detection) and its
  bare-RETURN prompt checks do not survive a flaky console, which is exactly the console a
  field engineer meets in the LAN-attack case (DOMAIN.md §1.3 case 4.2).  The console classes
  log in themselves, read the prompt from the login, and enter enable mode without relying on a
  bare RETURN being answered.

Blocking: every call here blocks its thread (netmiko); the runner calls it in its thread pool.
"""

from __future__ import annotations

import contextlib
import functools
import io
import logging
import os
import re
import socket
import stat
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import netmiko.base_connection as _netmiko_base
import paramiko
import serial
from netmiko import BaseConnection
from netmiko.channel import SerialChannel
from netmiko.cisco.cisco_ios import CiscoIosSerial
from netmiko.exceptions import (
    NetmikoAuthenticationException,
    NetmikoTimeoutException,
    ReadTimeout,
)
from netmiko.huawei.huawei import HuaweiBase
from netmiko.ssh_dispatcher import CLASS_MAPPER

from diag.credentials import Secret, redact, resolve
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout, CredentialError
from diag.model.inventory import Device
from diag.model.syntax import check_command
from diag.settings import CollectorSettings

Via = Literal["ssh", "console"]

# A healthy con0 answers a RETURN within tens of milliseconds even at 9600 baud; a prompt that
# has not come back after two seconds is counted as lost (capped by command_timeout_s).
PROBE_TIMEOUT_S = 2.0
# Once a probe's reply has started, this much silence ends it (a garbled prompt never matches).
PROBE_QUIET_S = 0.3
# Texts that mean the console session is gone: logout banners and login requests.
_SESSION_GONE = re.compile(
    r"Press RETURN to get started|press any key to log on|User Access Verification|"
    r"Login authentication|(?:[Uu]sername|[Ll]ogin|User name)\s*:\s*$",
    re.M,
)
# The same, as seen at the end of a command's output (no multi-line anchors: outputs such as
# logs may hold the words "Username:" mid-text).
_GONE_IN_OUTPUT = re.compile(
    r"Press RETURN to get started|press any key to log on|(?:[Uu]sername|User name)\s*:\s*$"
)
_LOGIN_USER = re.compile(r"(?:[Uu]sername|[Ll]ogin|User name)\s*:\s*$")
_LOGIN_PASSWORD = re.compile(r"[Pp]assword\s*:\s*$")
_LOGIN_FAILED = re.compile(
    r"% Login invalid|Login incorrect|[Aa]uthentication (?:failed|is rejected)|"
    r"% Bad passwords|Access denied"
)
_PRESS_KEY = re.compile(r"Press RETURN to get started|press any key to log on", re.I)


# --- transcript ---------------------------------------------------------------------------------


class Transcript:
    """Everything sent and received on one session, with every secret redacted on the way out."""

    def __init__(self, secrets: list[Secret] | None = None) -> None:
        self.sink = io.BytesIO()  # netmiko's session_log writes here
        self.secrets: list[Secret] = list(secrets or [])
        self._log: Any = None  # netmiko's SessionLog once a connection exists

    def attach(self, conn: BaseConnection) -> None:
        self._log = conn.session_log

    def note(self, text: str) -> None:
        """A line of diag's own (what it is doing, what failed), kept in order with the I/O."""
        line = f"\n[diag] {text}\n"
        if self._log is not None:
            self._log.write(line)
        else:
            self.sink.write(line.encode())

    def mark(self) -> int:
        if self._log is not None:
            self._log.flush()
        return len(self.sink.getvalue())

    def since(self, mark: int) -> str:
        if self._log is not None:
            self._log.flush()
        return self.sink.getvalue()[mark:].decode("utf-8", "replace")

    def text(self) -> str:
        if self._log is not None:
            self._log.flush()
        return redact(self.sink.getvalue().decode("utf-8", "replace"), self.secrets)


# --- console port handling ----------------------------------------------------------------------


def _is_console_url(name: str) -> bool:
    return name.startswith(("socket://", "rfc2217://"))


def _is_char_device(path: str) -> bool:
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)  # follows symlinks
    except OSError:
        return False


# netmiko.base_connection imported the checker by name; that module attribute is what its
# __init__ calls, so it is read and replaced there (not in netmiko.utilities).
_CHECKER = "check_serial_port"  # not re-exported by netmiko's typing, hence getattr/setattr
_netmiko_check_serial_port: Callable[[str], str] = getattr(_netmiko_base, _CHECKER)


def _console_port_check(name: str) -> str:
    if _is_console_url(name) or _is_char_device(name):
        return name
    return _netmiko_check_serial_port(name)


def _install_console_port_check() -> None:
    """Let netmiko accept ptys, symlinks to serial devices and console-server URLs.

    netmiko's `BaseConnection.__init__` calls the module-level `check_serial_port` it imported,
    so the name is replaced there; idempotent, and every other name keeps netmiko's check.
    """
    if getattr(_netmiko_base, _CHECKER) is not _console_port_check:
        setattr(_netmiko_base, _CHECKER, _console_port_check)


_install_console_port_check()


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


class _Console(BaseConnection):
    """Console login and set-up that survive lost and garbled lines (mixed into vendor classes)."""

    prompt_line: ClassVar[re.Pattern[str]]
    paging_command: ClassVar[str]
    logout_command: ClassVar[str]
    login_timeout_s: float = 15.0
    full_prompt: str = ""

    def establish_connection(self, width: int = 511, height: int = 1000) -> None:
        settings = dict(self.serial_settings)
        port = settings.pop("port")
        self.remote_conn = serial.serial_for_url(port, **settings)
        self.channel = _ConsoleChannel(conn=self.remote_conn, encoding=self.encoding)
        self.console_login()

    def console_login(self) -> str:
        """RETURN, then answer Username:/Password: until a prompt shows; raises on refusal."""
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
            if _LOGIN_FAILED.search(tail) and sent_password:
                raise NetmikoAuthenticationException("console login refused")
            if not tail.endswith(("\n", "\r")) and self.prompt_line.fullmatch(last_line):
                self.full_prompt = last_line
                return buf
            if _PRESS_KEY.search(tail):
                buf = ""
                self.write_channel("\r")
            elif _LOGIN_USER.search(tail):
                if sent_user >= 2:
                    raise NetmikoAuthenticationException("console login refused")
                sent_user += 1
                buf = ""
                self.write_channel(self.username + "\r")
            elif _LOGIN_PASSWORD.search(tail):
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
        self.base_prompt = self._base_prompt(self.full_prompt)
        self.disable_paging(command=self.paging_command)
        self.read_until_prompt(read_timeout=self.login_timeout_s)

    def _base_prompt(self, prompt: str) -> str:
        return prompt[:-1]

    def disconnect(self) -> None:
        # Log out so the console is not left open for the next person; best effort, the line
        # may already be gone.
        with contextlib.suppress(Exception):
            self.write_channel(self.logout_command + "\r")
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


class CiscoIosConsole(_Console, CiscoIosSerial):
    prompt_line = re.compile(r"[\w.\-/:()]+[>#]")
    paging_command = "terminal length 0"
    logout_command = "exit"

    def _base_prompt(self, prompt: str) -> str:
        return prompt[:-1][:16]  # as netmiko's IOS driver: config mode abbreviates at 20

    def enable(
        self,
        cmd: str = "enable",
        pattern: str = "ssword",
        enable_pattern: str | None = None,
        check_state: bool = True,
        re_flags: int = re.IGNORECASE,
    ) -> str:
        """`enable` + secret, judged by the prompt that follows (never by a bare RETURN)."""
        if self.full_prompt.endswith("#"):
            return ""
        self.write_channel(cmd + "\r")
        out = self.read_until_pattern(
            pattern=rf"(?:{pattern}|{re.escape(self.base_prompt)}\S*[>#])"
        )
        if re.search(pattern, out, flags=re_flags):
            self.write_channel(self.secret + "\r")
            out += self.read_until_pattern(
                pattern=rf"(?:{pattern}|{re.escape(self.base_prompt)}\S*[>#])"
            )
        last = out.rstrip().splitlines()[-1].strip() if out.strip() else ""
        for _ in range(3):
            # Refused: IOS asks again (three tries in all); empty answers get back to the
            # prompt, so the logout that follows is not taken for one more secret.
            if not re.search(pattern, last, flags=re_flags):
                break
            self.write_channel("\r")
            more = self.read_until_pattern(
                pattern=rf"(?:{pattern}|{re.escape(self.base_prompt)}\S*[>#])"
            )
            last = more.rstrip().splitlines()[-1].strip() if more.strip() else ""
        if not last.endswith("#"):
            raise ValueError("Failed to enter enable mode.")
        self.full_prompt = last
        return out


class HuaweiConsole(_Console, HuaweiBase):
    prompt_line = re.compile(r"[<\[][\w.\-/:~]+[>\]]")
    paging_command = "screen-length 0 temporary"
    logout_command = "quit"

    def _base_prompt(self, prompt: str) -> str:
        return prompt[1:-1]


@dataclass(frozen=True)
class ConsolePlatform:
    cls: type[_Console]
    device_type: str


# netmiko device_type (as in the inventory) -> how its console is driven.
CONSOLE_PLATFORMS: dict[str, ConsolePlatform] = {
    "cisco_ios": ConsolePlatform(CiscoIosConsole, "cisco_ios_serial"),
    "huawei": ConsolePlatform(HuaweiConsole, "huawei_serial"),
}


# --- the session --------------------------------------------------------------------------------


@dataclass
class ConsoleProbes:
    """Empty-line round trips on a console: how it answers is evidence (case 4.2)."""

    probes: int = 0
    answered: int = 0
    garbled: int = 0
    dropped_sessions: int = 0
    rtts_ms: list[float] = field(default_factory=list)
    error: str | None = None

    @property
    def lost(self) -> int:
        return self.probes - self.answered - self.garbled

    @property
    def rtt_median_ms(self) -> float | None:
        return round(statistics.median(self.rtts_ms), 3) if self.rtts_ms else None


class CliSession:
    """An open, logged-in CLI session (blocking)."""

    def __init__(
        self,
        conn: BaseConnection,
        via: Via,
        device: Device,
        transcript: Transcript,
        settings: CollectorSettings,
    ) -> None:
        self.conn = conn
        self.via = via
        self.device = device
        self.transcript = transcript
        self.settings = settings
        self.dropped_sessions = 0

    @property
    def target(self) -> str:
        return _target(self.device, self.via)

    def send(
        self, command: str, *, read_timeout: float | None = None, expect: str | None = None
    ) -> str:
        """Run one command and return its output (echo and prompt stripped).

        On a console, a session that drops mid-command (logout banner, login request) is seen at
        once, logged into again, and the command tried once more.
        """
        check_command(command)  # the last check before the wire: raise, never send (syntax.py)
        timeout = read_timeout or self.settings.command_timeout_s
        for attempt in (1, 2):
            out = self._send_once(command, timeout, expect)
            if self.via != "console" or not _GONE_IN_OUTPUT.search(out):
                return out
            self.dropped_sessions += 1
            self.transcript.note(f"console session dropped during {command!r}; logging in again")
            self._relogin()
            if attempt == 2:
                break
        raise CollectorTimeout(
            f"{self.target}: the console session dropped twice during {command!r} (logout "
            "banner or login request instead of output): an unstable console is itself "
            "evidence of a congested router (DOMAIN.md case 4.2)"
        )

    def _send_once(self, command: str, timeout: float, expect: str | None) -> str:
        self.conn.read_timeout_override = timeout
        if expect is None and self.via == "console":
            expect = rf"(?:{re.escape(self.conn.base_prompt)}|{_GONE_IN_OUTPUT.pattern})"
        mark = self.transcript.mark()
        try:
            out = self.conn.send_command(
                command,
                read_timeout=timeout,
                expect_string=expect,
                strip_prompt=True,
                # The base prompt is known from the login; looking it up again before every
                # command costs a round trip (and a bare RETURN a flaky console may lose).
                auto_find_prompt=False,
            )
        except ReadTimeout as exc:
            self.conn.read_channel()  # drop a late answer so it is not taken for the next one
            if self.via == "console" and _SESSION_GONE.search(self.transcript.since(mark)):
                self.dropped_sessions += 1
                self.transcript.note(f"console session dropped during {command!r}")
                self._relogin()
                raise CollectorTimeout(
                    f"{self.target}: the console session dropped during {command!r}"
                ) from exc
            raise CollectorTimeout(
                f"{self.target}: {command!r} gave no prompt back within {timeout:g} s "
                f"(command_timeout_s): the router may be congested (check CPU) or the "
                "command may not exist on this software"
            ) from exc
        except (OSError, EOFError, serial.SerialException, paramiko.SSHException) as exc:
            raise CollectorError(
                f"{self.target}: the session closed during {command!r}: {self._clean(exc)}"
            ) from exc
        assert isinstance(out, str)
        return out

    def measure_console(self, probes: int, timeout_s: float | None = None) -> ConsoleProbes:
        """Send `probes` empty lines and time each prompt that comes back.

        answered: the exact prompt came back; garbled: something came back that is not the
        prompt; lost: nothing within the timeout; a logout banner or login request counts a
        dropped session (logged in again, then probing goes on).
        """
        result = ConsoleProbes()
        timeout = timeout_s or min(PROBE_TIMEOUT_S, self.settings.command_timeout_s)
        for _ in range(probes):
            prompt_rx = self._prompt_rx()
            self.conn.read_channel()  # drop what a late answer left behind
            result.probes += 1
            start = time.monotonic()
            try:
                self.conn.write_channel("\r")
                outcome, rtt = self._await_prompt(prompt_rx, start, timeout)
            except (OSError, serial.SerialException) as exc:
                result.dropped_sessions += 1
                result.error = f"the console connection closed: {self._clean(exc)}"
                break
            if outcome == "answered":
                result.answered += 1
                result.rtts_ms.append(round(rtt * 1000, 3))
            elif outcome == "garbled":
                result.garbled += 1
            elif outcome == "gone":
                result.dropped_sessions += 1
                self.transcript.note("console session dropped while probing; logging in again")
                try:
                    self._relogin()
                except CollectorError as exc:
                    result.error = str(exc)
                    break
        self.dropped_sessions += result.dropped_sessions
        return result

    def _prompt_rx(self) -> re.Pattern[str]:
        full = getattr(self.conn, "full_prompt", "")
        return re.compile(re.escape(full)) if full else re.compile(r"\S+[>#\]]")

    def _await_prompt(
        self, prompt_rx: re.Pattern[str], start: float, timeout: float
    ) -> tuple[Literal["answered", "garbled", "lost", "gone"], float]:
        buf = ""
        last = start
        while True:
            now = time.monotonic()
            new = self.conn.read_channel()
            if new:
                buf += new
                last = now
                lines = [ln.strip() for ln in buf.replace("\r", "\n").split("\n")]
                if any(prompt_rx.fullmatch(ln) for ln in lines if ln):
                    return "answered", now - start
                if _SESSION_GONE.search(buf):
                    return "gone", now - start
            if buf.strip() and now - last > PROBE_QUIET_S:
                return "garbled", now - start
            if now - start > timeout:
                return ("garbled" if buf.strip() else "lost"), now - start
            time.sleep(0.002)

    def _relogin(self) -> None:
        assert isinstance(self.conn, _Console)
        try:
            self.conn.console_login()
            self.conn.session_preparation()
            if self.conn.secret:
                self.conn.enable()
        except (NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout) as exc:
            raise CollectorError(
                f"{self.target}: the console session dropped and logging in again failed"
            ) from exc
        except ValueError as exc:
            raise CollectorAuthError(
                f"{self.target}: the console session dropped; enable refused afterwards"
            ) from exc

    def _clean(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        return redact(text, self.transcript.secrets)

    def close(self) -> None:
        self.transcript.note("closing the session")
        try:
            self.conn.disconnect()
        except Exception as exc:  # closing must never fail a reading
            self.transcript.note(f"disconnect: {self._clean(exc)}")


# --- opening --------------------------------------------------------------------------------


def _target(device: Device, via: Via) -> str:
    if via == "ssh":
        where = f"{device.mgmt.address}:{device.mgmt.port}" if device.mgmt else "?"
        return f"{device.name} over SSH ({where})"
    return f"{device.name} over the console ({device.console})"


def resolve_secrets(device: Device) -> tuple[Secret, Secret | None]:
    """(password, enable secret) of the device's login; CollectorAuthError if unresolvable."""
    if device.login is None:
        raise CollectorAuthError(f"{device.name}: the inventory gives no 'login' for this router")
    try:
        password = resolve(device.login.password)
        secret = resolve(device.login.secret) if device.login.secret else None
    except CredentialError as exc:
        raise CollectorAuthError(f"{device.name}: {exc}") from exc
    return password, secret


def open_session(
    device: Device, settings: CollectorSettings, via: Via, transcript: Transcript
) -> CliSession:
    """Connect, log in, enable (if a secret is set), paging off.  Raises CollectorError & co."""
    password, secret = resolve_secrets(device)
    transcript.secrets[:0] = [s for s in (password, secret) if s is not None]
    opener = _open_ssh if via == "ssh" else _open_console
    conn = opener(device, settings, transcript, password, secret)
    transcript.attach(conn)
    session = CliSession(conn, via, device, transcript, settings)
    if secret is not None:
        try:
            conn.read_timeout_override = settings.ssh_timeout_s
            conn.enable()
        except (ValueError, ReadTimeout) as exc:
            session.close()
            assert device.login is not None
            raise CollectorAuthError(
                f"{session.target}: logged in, but enable was refused: check the enable secret "
                f"reference {device.login.secret} (its value is not shown)"
            ) from exc
    conn.read_timeout_override = settings.command_timeout_s
    return session


def _common(
    device: Device,
    settings: CollectorSettings,
    transcript: Transcript,
    password: Secret,
    secret: Secret | None,
) -> dict[str, Any]:
    assert device.login is not None
    return {
        "username": device.login.username,
        "password": password.reveal(),
        "secret": secret.reveal() if secret else "",
        "session_log": transcript.sink,
        "session_log_record_writes": True,
        # Session set-up reads are bounded by the login timeout; commands get their own.
        "read_timeout_override": settings.ssh_timeout_s,
        "auto_connect": False,
    }


def _open_ssh(
    device: Device,
    settings: CollectorSettings,
    transcript: Transcript,
    password: Secret,
    secret: Secret | None,
) -> BaseConnection:
    target = _target(device, "ssh")
    if device.mgmt is None:
        raise CollectorError(f"{device.name}: the inventory gives no 'mgmt' address for SSH")
    host, port, t = device.mgmt.address, device.mgmt.port, settings.ssh_timeout_s
    transcript.note(
        f"connecting to {host}:{port} over SSH as {device.login.username if device.login else '?'}"
    )
    cls = _ssh_class(device.device_type or "")
    if cls is None:
        raise CollectorError(
            f"{device.name}: device_type {device.device_type!r} is not one netmiko knows "
            "(use cisco_ios or huawei)"
        )
    conn = cls(
        device_type=device.device_type or "",
        host=host,
        port=port,
        conn_timeout=t,
        auth_timeout=t,
        banner_timeout=t,
        # Routers present self-generated keys that change on replacement: not pinned here.
        ssh_strict=False,
        system_host_keys=False,
        allow_agent=False,
        use_keys=False,
        **_common(device, settings, transcript, password, secret),
    )
    try:
        conn._open()  # auto_connect=False: the read timeouts above apply to the login
    except BaseException as exc:
        _discard(conn)
        raise _ssh_error(exc, target, device, t) from exc
    return conn


class _QuickLogout(BaseConnection):
    """diag never enters configuration mode, so netmiko's check for it on the way out (a read
    that waits two seconds on VRP) is skipped: just log out."""

    logout_command: ClassVar[str] = "exit"

    def cleanup(self, command: str = "") -> None:
        if self.session_log:
            self.session_log.fin = True
        self.write_channel((command or self.logout_command) + self.RETURN)


@functools.cache
def _ssh_class(device_type: str) -> type[BaseConnection] | None:
    """netmiko's SSH class for `device_type`, with the quick logout mixed in."""
    base = CLASS_MAPPER.get(device_type)
    if base is None or "_serial" in device_type or "_telnet" in device_type:
        return None
    logout = "quit" if device_type.startswith("huawei") else "exit"
    cls: type[BaseConnection] = type(
        f"Diag{base.__name__}", (_QuickLogout, base), {"logout_command": logout}
    )
    return cls


def _ssh_error(exc: BaseException, target: str, device: Device, t: float) -> CollectorError:
    cause = exc.__context__
    text = " ".join(str(exc).split())
    user = device.login.username if device.login else "?"
    ref = device.login.password if device.login else "?"
    if isinstance(exc, NetmikoAuthenticationException):
        return CollectorAuthError(
            f"{target}: login as {user!r} refused: check login.username and the password "
            f"reference {ref} (its value is not shown)"
        )
    if isinstance(exc, NetmikoTimeoutException) and isinstance(cause, OSError):
        if isinstance(cause, paramiko.ssh_exception.NoValidConnectionsError):
            # paramiko tried every address of the host; one reason per address.
            reasons = list(cause.errors.values())
            cause = reasons[0] if reasons else cause
        if isinstance(cause, ConnectionRefusedError):
            return CollectorError(
                f"{target}: connection refused, nothing listens there: check mgmt.address and "
                "mgmt.port in the inventory and that SSH is enabled on the router; try the "
                "console"
            )
        if isinstance(cause, socket.gaierror) or "not known" in text:
            return CollectorError(f"{target}: the host name does not resolve: check mgmt.address")
        if isinstance(cause, TimeoutError):
            return CollectorError(
                f"{target}: no answer to the TCP connection within {t:g} s (ssh_timeout_s): "
                "check the route and firewalls to the management address, or whether the "
                "router is down"
            )
        return CollectorError(f"{target}: cannot connect: {cause}")
    if isinstance(exc, ReadTimeout):
        return CollectorTimeout(
            f"{target}: logged in, but the CLI gave no prompt within {t:g} s (ssh_timeout_s): "
            f"the router may be congested (check its CPU over the console), or device_type "
            f"{device.device_type!r} may be wrong"
        )
    if isinstance(exc, NetmikoTimeoutException | paramiko.SSHException | EOFError):
        return CollectorTimeout(
            f"{target}: the TCP connection was accepted but SSH did not complete within "
            f"{t:g} s (ssh_timeout_s): check that this port is the router's SSH server; an "
            "overloaded router also answers like this"
        )
    if isinstance(exc, OSError):
        return CollectorError(f"{target}: {type(exc).__name__}: {exc.strerror or exc}")
    if isinstance(exc, Exception):
        return CollectorError(f"{target}: {type(exc).__name__}: {text}")
    raise exc  # KeyboardInterrupt and friends are not device problems


def _open_console(
    device: Device,
    settings: CollectorSettings,
    transcript: Transcript,
    password: Secret,
    secret: Secret | None,
) -> BaseConnection:
    target = _target(device, "console")
    port = device.console
    if port is None:
        raise CollectorError(f"{device.name}: the inventory gives no 'console' for this router")
    platform = CONSOLE_PLATFORMS.get(device.device_type or "")
    if platform is None:
        known = ", ".join(sorted(CONSOLE_PLATFORMS))
        raise CollectorError(
            f"{device.name}: no console support for device_type {device.device_type!r} "
            f"(known: {known})"
        )
    if not _is_console_url(port):
        if not os.path.lexists(port):
            raise CollectorError(
                f"{target}: no such device: check that the console cable / USB-serial adapter "
                "is plugged in (ls -l /dev/ttyUSB* /dev/serial/by-id) and the inventory's "
                "console path"
            )
        if not _is_char_device(port):
            raise CollectorError(
                f"{target}: not a serial device (a character device, or a symlink to one)"
            )
    t = settings.ssh_timeout_s
    transcript.note(f"opening console {port} at {settings.console_baudrate} baud")
    conn = platform.cls(
        device_type=platform.device_type,
        serial_settings={"port": port, "baudrate": settings.console_baudrate, "timeout": 0},
        **_common(device, settings, transcript, password, secret),
    )
    conn.login_timeout_s = t
    try:
        conn._open()  # auto_connect=False: the read timeouts above apply to the login
    except BaseException as exc:
        _discard(conn)
        raise _console_error(exc, target, device, t, settings.console_baudrate) from exc
    return conn


def _console_error(
    exc: BaseException, target: str, device: Device, t: float, baud: int
) -> CollectorError:
    user = device.login.username if device.login else "?"
    ref = device.login.password if device.login else "?"
    text = " ".join(str(exc).split())
    if isinstance(exc, NetmikoAuthenticationException):
        return CollectorAuthError(
            f"{target}: console login as {user!r} refused: check login.username and the "
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
                f"{target}: the console server refused the connection: check its address and "
                "the TCP port of the line, and that nobody else holds the line"
            )
        if "permission" in text.lower():
            return CollectorError(
                f"{target}: permission denied: the user running diag needs access to the "
                "device (on Debian: the dialout group)"
            )
        if "busy" in text.lower():
            return CollectorError(f"{target}: the port is busy: another program holds it")
        return CollectorError(f"{target}: cannot open the console: {text}")
    if isinstance(exc, Exception):
        return CollectorError(f"{target}: {type(exc).__name__}: {text}")
    raise exc


def _discard(conn: BaseConnection) -> None:
    """Release what a failed open left behind (socket, port, log filter) without raising."""
    with contextlib.suppress(Exception):
        conn.disconnect()
