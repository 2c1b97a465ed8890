"""Whether a CLI session still answers, and how a console answers: the RETURN probes.

`Probing` is mixed into diag.collectors.cli.session.CliSession: after a command gave no prompt
back it checks the session still answers a RETURN (`_answers_return`), and on a console it
measures the line (`measure_console` -> `ConsoleProbes`, DOMAIN.md case 4.2), logging in again
when the console dropped the session.
"""

from __future__ import annotations

import functools
import re
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TypeVar

import paramiko
import serial
from netmiko import BaseConnection
from netmiko.exceptions import NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout

from diag.collectors.cli.console import Console, session_gone
from diag.collectors.cli.deadline import MARGIN_S, DeadlineExceeded
from diag.collectors.cli.transcript import Transcript
from diag.collectors.vendors import VendorProfile
from diag.errors import CollectorAuthError, CollectorError, CollectorTimeout
from diag.settings import CollectorSettings

if TYPE_CHECKING:
    from diag.collectors.cli.session import Via

T = TypeVar("T")

# A healthy con0 answers a RETURN within tens of milliseconds even at 9600 baud; a prompt that
# has not come back after two seconds is counted as lost (capped by command_timeout_s).
PROBE_TIMEOUT_S = 2.0
# Once a probe's reply has started, this much silence ends it (a garbled prompt never matches).
PROBE_QUIET_S = 0.3
# RETURNs that check a session after a command gave no prompt back: a console loses lines, so
# one lost answer there proves nothing.
LIVENESS_TRIES = {"ssh": 2, "console": 5}

_Errors = (OSError, EOFError, serial.SerialException, paramiko.SSHException)


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


Outcome = Literal["answered", "garbled", "lost", "gone"]


class Probing:
    """The session's RETURN probes (its connection, deadlines and transcript are the session's)."""

    conn: BaseConnection
    via: Via
    profile: VendorProfile
    transcript: Transcript
    settings: CollectorSettings
    dropped_sessions: int
    stopped: str | None

    if TYPE_CHECKING:

        @property
        def target(self) -> str: ...

        def _call(self, fn: Callable[[], T], limit_s: float, what: str) -> T: ...

        def _give_up(self, why: str) -> None: ...

        def _clean(self, exc: BaseException) -> str: ...

    def _answers_return(self, deadline: float) -> bool:
        """After a command gave no prompt back: does the session answer a RETURN before
        `deadline`?  A console that logged the session out is logged into again (it answers)."""
        wait = min(PROBE_TIMEOUT_S, self.settings.command_timeout_s)
        prompt_rx = self._prompt_rx()
        for _ in range(LIVENESS_TRIES[self.via]):
            left = deadline - time.monotonic()
            if left < min(wait, 0.5):
                break
            w = min(wait, left - 0.1)
            self.transcript.note("no prompt back: does the session still answer a RETURN?")
            outcome, _ = self._call(functools.partial(self._probe, prompt_rx, w), left, "a RETURN")
            if outcome in ("answered", "garbled"):
                self._call(self._settle, deadline - time.monotonic(), "a late answer")
                return True
            if outcome == "gone":
                self.dropped_sessions += 1
                self._relogin()
                return True
        return False

    def _settle(self) -> None:
        """Drop what the line still sends (a late output, a second prompt) until it is quiet."""
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < PROBE_QUIET_S:
            if self.conn.read_channel():
                quiet_since = time.monotonic()
            time.sleep(0.02)

    # --- console measurements

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
            result.probes += 1
            try:
                outcome, rtt = self._call(
                    functools.partial(self._probe, prompt_rx, timeout, drain=True),
                    timeout + MARGIN_S,
                    "a console probe",
                )
            except DeadlineExceeded:
                self._give_up("a console probe hung")
                result.error = f"the console stopped answering while probing ({self.stopped})"
                break
            except _Errors as exc:
                result.dropped_sessions += 1
                result.error = f"the console connection closed: {self._clean(exc)}"
                self._give_up("the console connection closed while probing")
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
        full = getattr(self.conn, "full_prompt", "")  # a console read it at login
        if full:
            return re.compile(re.escape(full))
        base = self.conn.base_prompt
        if base:  # over SSH netmiko knows the base prompt: R1 of R1# or <R1>
            return re.compile(rf"\W?{re.escape(base)}\S{{0,20}}[>#\]]")
        return re.compile(r"\S+[>#\]]")

    def _probe(
        self, prompt_rx: re.Pattern[str], timeout: float, drain: bool = False
    ) -> tuple[Outcome, float]:
        """One RETURN and what came back (runs in the worker)."""
        if drain:
            self.conn.read_channel()  # drop what a late answer left behind
        start = time.monotonic()
        self.conn.write_channel("\r" if self.via == "console" else self.conn.RETURN)
        return self._await_prompt(prompt_rx, start, timeout)

    def _await_prompt(
        self, prompt_rx: re.Pattern[str], start: float, timeout: float
    ) -> tuple[Outcome, float]:
        buf = ""
        last = start
        gone = session_gone(self.profile)
        while True:
            now = time.monotonic()
            new = self.conn.read_channel()
            if new:
                buf += new
                last = now
                lines = [ln.strip() for ln in buf.replace("\r", "\n").split("\n")]
                if any(prompt_rx.fullmatch(ln) for ln in lines if ln):
                    return "answered", now - start
                if self.via == "console" and gone.search(buf):
                    return "gone", now - start
            if buf.strip() and now - last > PROBE_QUIET_S:
                return "garbled", now - start
            if now - start > timeout:
                return ("garbled" if buf.strip() else "lost"), now - start
            time.sleep(0.002)

    def _relogin(self) -> None:
        assert isinstance(self.conn, Console)
        conn = self.conn
        t = self.settings.ssh_timeout_s

        def login() -> None:
            conn.console_login()
            conn.session_preparation()
            if conn.secret:
                conn.enable()

        try:
            self._call(login, t + MARGIN_S, "logging in again")
        except DeadlineExceeded as exc:
            self._give_up("logging in again hung")
            raise CollectorTimeout(
                f"{self.target}: the console session dropped and logging in again did not "
                f"complete within {t + MARGIN_S:g} s (ssh_timeout_s + margin)"
            ) from exc
        except (NetmikoAuthenticationException, NetmikoTimeoutException, ReadTimeout) as exc:
            raise CollectorError(
                f"{self.target}: the console session dropped and logging in again failed"
            ) from exc
        except ValueError as exc:
            raise CollectorAuthError(
                f"{self.target}: the console session dropped; enable refused afterwards"
            ) from exc
