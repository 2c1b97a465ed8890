"""A CLI session on a router, by SSH or by its serial console (netmiko), under deadlines.

`diag.collectors.cli.connect.open_session()` connects, logs in, enters enable mode when the
inventory gives an enable secret, switches paging off (the vendor profile's paging command) and
returns a `CliSession`, which runs the commands (`check_command` right before each one is sent:
diag.model.syntax).  Every byte sent and received goes into a `Transcript` whose text has every
secret redacted (`diag.credentials.redact`), for `--debug`.  Failures raise `CollectorError` (could not connect, host key refused, session
closed), `CollectorAuthError` (login or enable refused, secret unresolvable) or
`CollectorTimeout` (the peer accepted but did not answer in time); messages say what happened,
after how long, what to check, and never contain a secret value.

Deadlines (diag.collectors.cli.deadline: every blocking call runs in the session's worker
thread; past its deadline the connection is closed and the call abandoned, whatever netmiko is
doing):

- connect + login (+ paging off): `ssh_timeout_s` + MARGIN_S; enable: the same again;
- one command: its timeout (`command_timeout_s`, or the ping's budget) + MARGIN_S.  When a
  command gives no prompt back in its timeout, the rest of the margin checks that the session
  still answers a RETURN (up to 2 RETURNs over SSH, 5 on a console, each up to
  PROBE_TIMEOUT_S): a session that does not is hung, is closed, and the rest of the reading is
  not sent (before, a hung router cost every remaining command its own timeout: about 298 s
  with the default 30 s);
- logout + close: CLOSE_S.

The pieces: connect.py (opening), transcript.py (the redacted record), ssh.py (SSH class,
host-key options, SSH errors), hostkeys.py (the known-hosts file), console.py (console classes
and errors), deadline.py, probes.py (the RETURN probes: liveness, console measurements); what
differs by vendor comes from its profile (diag.collectors.vendors).
"""

from __future__ import annotations

import functools
import re
import time
from collections.abc import Callable
from typing import Literal, TypeVar

from netmiko import BaseConnection
from netmiko.exceptions import ReadTimeout

from diag.collectors.cli.console import gone_in_output, session_gone
from diag.collectors.cli.deadline import CLOSE_S, MARGIN_S, DeadlineExceeded, SessionWorker
from diag.collectors.cli.probes import ConsoleProbes, Probing, _Errors
from diag.collectors.cli.ssh import deadline_error
from diag.collectors.cli.transcript import Transcript
from diag.collectors.vendors import VendorProfile
from diag.credentials import redact
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.model.inventory import Device
from diag.model.syntax import check_command
from diag.settings import CollectorSettings

__all__ = [
    "CliSession",
    "ConsoleProbes",
    "Transcript",
    "Via",
    "session_target",
]

Via = Literal["ssh", "console"]
T = TypeVar("T")

# What routers print when the enable secret is wrong (IOS "% Access denied" / "% Bad secrets",
# VRP "Error: Password is wrong" / "authentication failed").
SECRET_MASK = "********"  # how netmiko's session log writes a password or secret it sends  # noqa: S105
_DENIED = re.compile(
    r"access denied|bad secrets?|password is wrong|authentication fail", re.IGNORECASE
)


class CliSession(Probing):
    """An open, logged-in CLI session (blocking; every call under a deadline)."""

    def __init__(
        self,
        conn: BaseConnection,
        via: Via,
        device: Device,
        profile: VendorProfile,
        transcript: Transcript,
        settings: CollectorSettings,
        worker: SessionWorker,
    ) -> None:
        self.conn = conn
        self.via = via
        self.device = device
        self.profile = profile
        self.transcript = transcript
        self.settings = settings
        self.worker = worker
        self.dropped_sessions = 0
        self.started = time.monotonic()
        self.stopped: str | None = None  # why the session was given up: nothing more is sent

    @property
    def target(self) -> str:
        return session_target(self.device, self.via)

    # --- deadlines

    def _call(self, fn: Callable[[], T], limit_s: float, what: str) -> T:
        return self.worker.call(fn, max(limit_s, 0.05), what)

    def _give_up(self, why: str) -> None:
        """No more commands on this session; its connection is closed now."""
        if self.stopped is None:
            self.stopped = f"{why}, {time.monotonic() - self.started:.1f} s into the session"
            self.transcript.note(f"giving the session up: {self.stopped}")
        self.worker.abandon()

    # --- commands

    def send(
        self,
        command: str,
        *,
        read_timeout: float | None = None,
        expect: str | None = None,
        budget: str = "command_timeout_s",
    ) -> str:
        """Run one command and return its output (echo and prompt stripped).

        `budget` names where `read_timeout` comes from, for messages.  On a console, a session
        that drops mid-command (logout banner, login request) is seen at once, logged into
        again, and the command tried once more.
        """
        check_command(command)  # the last check before the wire: raise, never send (syntax.py)
        if self.stopped is not None:
            raise CollectorError(f"{self.target}: {command!r} not sent: {self.stopped}")
        timeout = read_timeout or self.settings.command_timeout_s
        gone = gone_in_output(self.profile)
        for attempt in (1, 2):
            out = self._send_once(command, timeout, expect, budget)
            if self.via != "console" or not gone.search(out):
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

    def _send_once(self, command: str, timeout: float, expect: str | None, budget: str) -> str:
        start = time.monotonic()
        deadline = start + timeout + MARGIN_S
        self.conn.read_timeout_override = timeout
        if expect is None and self.via == "console":
            expect = (
                rf"(?:{re.escape(self.conn.base_prompt)}|{gone_in_output(self.profile).pattern})"
            )
        mark = self.transcript.mark()

        def run() -> str:
            out = self.conn.send_command(
                command,
                read_timeout=timeout,
                expect_string=expect,
                strip_prompt=True,
                # The base prompt is known from the login; looking it up again before every
                # command costs a round trip (and a bare RETURN a flaky console may lose).
                auto_find_prompt=False,
            )
            assert isinstance(out, str)
            return out

        try:
            try:
                return self._call(run, timeout + MARGIN_S, repr(command))
            except ReadTimeout:
                self._call(self.conn.read_channel, deadline - time.monotonic(), "a late answer")
                if self.via == "console" and session_gone(self.profile).search(
                    self.transcript.since(mark)
                ):
                    self.dropped_sessions += 1
                    self.transcript.note(f"console session dropped during {command!r}")
                    self._relogin()
                    raise CollectorTimeout(
                        f"{self.target}: the console session dropped during {command!r}"
                    ) from None
                waited = time.monotonic() - start
                if self._answers_return(deadline):
                    raise CollectorTimeout(
                        f"{self.target}: {command!r} gave no prompt back within {timeout:g} s "
                        f"({budget}; {waited:.1f} s), though the session still answers a "
                        "RETURN: the router may be congested (check its CPU) or the command "
                        "may not exist on this software"
                    ) from None
                self._give_up(f"{command!r} hung")
                raise CollectorTimeout(
                    f"{self.target}: {command!r} gave no prompt back within {timeout:g} s "
                    f"({budget}), and the session did not answer a RETURN either: it is hung. "
                    f"Closed after {time.monotonic() - start:.1f} s; the rest of the reading "
                    "is not sent. The router may be congested (check its CPU over the console)"
                ) from None
        except DeadlineExceeded as exc:
            self._give_up(f"{command!r} hung")
            raise CollectorTimeout(
                f"{self.target}: {command!r} did not complete within {timeout + MARGIN_S:g} s "
                f"({budget} {timeout:g} s + {MARGIN_S:g} s margin): abandoned after "
                f"{time.monotonic() - start:.1f} s and the connection closed; the rest of the "
                "reading is not sent. The router may be congested (check its CPU over the console)"
            ) from exc
        except _Errors as exc:
            self._give_up(f"the session closed during {command!r}")
            raise CollectorError(
                f"{self.target}: the session closed during {command!r}, after "
                f"{time.monotonic() - start:.1f} s: {self._clean(exc)}"
            ) from exc

    # --- enable and close

    def enable(self) -> None:
        """Privileged mode with the inventory's secret (raises; the session is closed then)."""
        t = self.settings.ssh_timeout_s
        start = time.monotonic()
        mark = self.transcript.mark()
        self.conn.read_timeout_override = t
        ref = self.device.login.secret if self.device.login else "?"
        try:
            self._call(functools.partial(self._enable, t), t + MARGIN_S, "enable")
        except DeadlineExceeded as exc:
            self._give_up("enable hung")
            raise deadline_error(self.target, "enable", t, exc.elapsed_s, "ssh_timeout_s") from exc
        except _Errors as exc:
            self._give_up("the connection closed during enable")
            raise CollectorError(
                f"{self.target}: logged in, but the connection closed during enable, after "
                f"{time.monotonic() - start:.1f} s ({self._clean(exc)}): the router or the "
                "path ended the session, which is not what a wrong enable secret does; try "
                "again, or the console"
            ) from exc
        except (ValueError, ReadTimeout) as exc:
            elapsed = time.monotonic() - start
            said = self.transcript.since(mark).rstrip()
            # The secret counts as refused only when it was sent (netmiko's session log masks it
            # as ********) and the router then asked for it again or said no.  Under load
            # netmiko can take a late prompt for its answer and never send the secret at all.
            sent = said.find(SECRET_MASK)
            after = said[sent + len(SECRET_MASK) :] if sent >= 0 else ""
            asked_again = self.profile.enable is not None and bool(
                re.search(self.profile.enable.password_prompt, after, re.IGNORECASE)
            )
            # A wrong secret is said: the password prompt again, or a denial.  A router too
            # slow to show its privileged prompt in time makes netmiko fail the same way
            # (ValueError), and is not a wrong secret.
            denied = asked_again or _DENIED.search(after)
            self.close()
            if not denied:
                raise CollectorTimeout(
                    f"{self.target}: logged in, but enable was not confirmed within {t:g} s "
                    f"(ssh_timeout_s; {elapsed:.1f} s): no denial and no privileged prompt, so "
                    "the router answered too slowly (congested? check its CPU over the "
                    "console), not a wrong secret"
                ) from exc
            raise CollectorAuthError(
                f"{self.target}: logged in, but enable was refused ({elapsed:.1f} s): check the "
                f"enable secret reference {ref} (its value is not shown)"
            ) from exc

    def _enable(self, timeout: float) -> None:
        """The vendor's enable dialogue, reading what the router says *last*: netmiko's own
        `enable()` takes any prompt that comes after the command for its answer, so a prompt
        still on its way from before (the session's preparation) makes it skip the secret, and
        its check then types an empty line into the password prompt (seen under load, and once
        on an idle machine).  Raises ValueError when refused, ReadTimeout when no answer."""
        enable = self.profile.enable
        if enable is None or self.via == "console":
            # the console keeps netmiko's (its check leaves a fresh prompt for the probes)
            self.conn.enable()
            return
        conn = self.conn
        asked = re.compile(rf"{enable.password_prompt}\s*:?\s*$", re.IGNORECASE)
        privileged = re.compile(r"#\s*$")
        conn.write_channel(conn.normalize_cmd(enable.command))
        sent = False
        buf = ""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            chunk = conn.read_channel()
            if not chunk:
                time.sleep(0.02)
                continue
            buf += chunk
            tail = buf.rstrip("\r\n")[-200:]
            if privileged.search(tail) and (sent or not asked.search(tail)):
                return
            if asked.search(tail):
                if sent:
                    raise ValueError("the enable secret was asked for again: refused")
                conn.write_channel(conn.normalize_cmd(conn.secret))
                sent, buf = True, ""
            elif sent and _DENIED.search(buf):
                raise ValueError("the enable secret was refused")
        raise ReadTimeout(f"no privileged prompt within {timeout:g} s after enable")

    def _clean(self, exc: BaseException) -> str:
        text = " ".join(str(exc).split()) or type(exc).__name__
        return redact(text, self.transcript.secrets)

    def close(self) -> None:
        """Log out and close, within CLOSE_S; never raises."""
        if self.worker.abandoned:
            self.transcript.note("the session was given up; its connection is closed")
            return
        self.transcript.note("closing the session")
        try:
            self._call(self.conn.disconnect, CLOSE_S, "logging out")
        except DeadlineExceeded:
            self.transcript.note(f"logging out took over {CLOSE_S:g} s: connection closed")
        except Exception as exc:  # closing must never fail a reading  # noqa: BLE001
            self.transcript.note(f"disconnect: {self._clean(exc)}")
        finally:
            self.worker.stop()


def session_target(device: Device, via: Via) -> str:
    if via == "ssh":
        where = f"{device.mgmt.address}:{device.mgmt.port}" if device.mgmt else "?"
        return f"{device.name} over SSH ({where})"
    return f"{device.name} over the console ({device.console})"
