"""Read a customer router over SSH or its serial console: state, CRC growth, ping, the console.

`read_router()` is blocking (netmiko); the runner calls it in the thread pool it owns
(`read_router_in()` does that for a given executor).  It never raises for device problems:
an unreachable, refusing, hanging or garbling router becomes `DeviceAccessObservation(ok=False,
stage=...)` in the reading, next to whatever was read before the failure.

Sequence: connect (and, on the console, measure it: DOMAIN.md case 4.2, the intermittent console
is itself evidence) -> optionally clear the counters -> first interface sample with the uptime
-> the rest of the vendor's command set -> wait `crc_sample_interval_s` -> second interface
sample with the uptime -> router-originated ping to the far end.

Read quality (a console that loses or garbles lines, DOMAIN.md case 4.2): every output is parsed
with its structure checks (diag.collectors.cli.parsers); over the console an output that comes
back partial or unreadable is read again, up to `CONSOLE_REREADS` more times, and the best read
kept (the CPU history graph, which does not change between reads, is merged across reads).
What stays partial says so (`quality="partial"`, the unknown fields in `unread`).  When the
console showed loss (prompts lost or garbled, sessions dropped, outputs with lost lines), the
readings nothing can check (logs) are marked `degraded`.

CRC growth (DOMAIN.md §2.8) is in diag.collectors.router_crc (the second sample, wrap and reset
detection), the console's own records in diag.collectors.router_console; both are mixed into the
reader here, and the CRC names are re-exported.
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from diag.collectors.cli.parsers import (
    CommandSet,
    mergeable,
    parse_command,
    parse_reads,
    verified,
)
from diag.collectors.router_console import ConsoleChecks
from diag.collectors.router_crc import (
    COUNTER32,
    CrcSample,
    CrcSampling,
    clear_command,
    clearing_age,
    crc_growth,
    now,
    uptime_s,
    version_command,
)
from diag.collectors.vendors import profile_for
from diag.credentials import Secret, redact
from diag.errors import (
    CollectorAuthError,
    CollectorError,
    CollectorParseError,
    CollectorTimeout,
)
from diag.model.inventory import Device
from diag.model.observations import (
    DeviceAccessObservation,
    Observation,
    Quality,
)
from diag.settings import CollectorSettings

if TYPE_CHECKING:
    from diag.collectors.cli.session import CliSession, ConsoleProbes
    from diag.collectors.cli.transcript import Transcript

Via = Literal["ssh", "console"]
Stage = Literal["connect", "auth", "timeout", "command", "parse"]

__all__ = [
    "CONSOLE_REREADS",
    "COUNTER32",
    "CrcSample",
    "RouterReading",
    "Stage",
    "Via",
    "clear_command",
    "clearing_age",
    "crc_growth",
    "now",
    "parse_capture",
    "read_router",
    "read_router_in",
    "router_reader",
    "uptime_s",
    "version_command",
]

# Over the console, an output that comes back partial or unreadable is read this many more times
# at most (each read of `show processes cpu history` is ~4 kB: about 4 s at 9600 baud).
CONSOLE_REREADS = 3


@dataclass
class RouterReading:
    observations: list[Observation]  # everything read, typed; failures as DeviceAccessObservation
    transcript: str  # redacted session transcript (for --debug)
    raw: dict[str, str] = field(default_factory=dict)  # command -> raw output (for --record)


# --- the reading -------------------------------------------------------------------------------


class _Reader(CrcSampling, ConsoleChecks):
    def __init__(
        self,
        device: Device,
        wan_interface: str,
        far_end_ip: str | None,
        settings: CollectorSettings,
        via: Via,
        sleep: Callable[[float], None],
        defer_second: bool = False,
    ) -> None:
        self.device = device
        # A sweep's shared CRC window: the second CRC sample is taken later, in a session of its
        # own (`second()`), so that no session is held open during the wait.
        self.defer_second = defer_second
        self.first: tuple[CrcSample | None, float] | None = None
        self.wan = wan_interface
        self.far_end_ip = far_end_ip
        self.settings = settings
        self.via = via
        self.sleep = sleep
        self.device_type = device.device_type or ""
        self.collector = f"router:{device.name}"
        self.observations: list[Observation] = []
        self.raw: dict[str, str] = {}
        self.secrets: list[Secret] = []
        self.t0 = time.monotonic()
        self.unverified: set[int] = set()  # indexes of observations nothing could check whole
        self.lossy_outputs: list[str] = []  # commands whose first read was not whole
        self.transcript: Transcript | None = None

    # failures and access records

    def _msg(self, text: str) -> str:
        return redact(text, self.secrets)

    def fail(self, stage: Stage, error: str) -> None:
        self.observations.append(
            DeviceAccessObservation(
                id="access",
                collector=self.collector,
                at=now(),
                device=self.device.name,
                via=self.via,
                ok=False,
                stage=stage,
                error=self._msg(error),
                duration_s=round(time.monotonic() - self.t0, 3),
            )
        )

    def _reading(self, transcript: Transcript | None) -> RouterReading:
        text = transcript.text() if transcript is not None else ""
        return RouterReading(self.observations, text, self.raw)

    def result(self) -> RouterReading:
        """The reading once `run()` (and `second()`) have returned."""
        return self._reading(self.transcript)

    def so_far(self) -> RouterReading:
        """What has been read until now, while `run()` may still be going on in another thread
        (the runner keeps it when a run is interrupted).  The transcript is read as it stands,
        without flushing netmiko's log from this thread."""
        t = self.transcript
        text = redact(t.sink.getvalue().decode("utf-8", "replace"), t.secrets) if t else ""
        return RouterReading(list(self.observations), text, dict(self.raw))

    # the sequence

    def run(self) -> RouterReading:
        from diag.collectors.cli.connect import open_session
        from diag.collectors.cli.transcript import Transcript

        transcript = self.transcript = Transcript()
        try:
            commands = profile_for(self.device_type, self.device.name).commands_for(self.wan)
        except CollectorError as exc:
            self.fail("command", str(exc))
            return self._reading(transcript)
        try:
            session = open_session(self.device, self.settings, self.via, transcript)
        except CollectorError as exc:
            self.secrets = transcript.secrets
            stage: Stage = (
                "auth"
                if isinstance(exc, CollectorAuthError)
                else "timeout"
                if isinstance(exc, CollectorTimeout)
                else "connect"
            )
            transcript.note(f"FAILED ({stage}): {exc}")
            self.fail(stage, str(exc))
            if self.via == "console":
                self.observations.append(self._console_obs(None, login_ok=False, error=str(exc)))
            return self._reading(transcript)
        self.secrets = transcript.secrets
        probes: ConsoleProbes | None = None
        try:
            if self.via == "console":
                transcript.note(f"measuring the console: {self.settings.console_probes} probes")
                probes = session.measure_console(self.settings.console_probes)
            self._collect(session, commands)
        except CollectorError as exc:
            # The session itself is gone (closed, dropped for good): keep what was read.
            transcript.note(f"FAILED (command): {exc}")
            self.fail("command", str(exc))
        except Exception as exc:  # noqa: BLE001
            # Anything else the transport throws mid-session is still a failed reading of this
            # device, not a reason to lose what was read (the type is kept to find the bug).
            msg = f"{self.device.name}: session failed: {type(exc).__name__}: {exc}"
            transcript.note(f"FAILED (command): {msg}")
            self.fail("command", msg)
        finally:
            session.close()
        if probes is not None:
            probes.dropped_sessions = session.dropped_sessions
            self._mark_degraded(probes)
            self.observations.append(self._console_obs(probes, login_ok=True, error=probes.error))
        self.observations.append(
            DeviceAccessObservation(
                id="access",
                collector=self.collector,
                at=now(),
                device=self.device.name,
                via=self.via,
                ok=True,
                stage="done",
                duration_s=round(time.monotonic() - self.t0, 3),
            )
        )
        return self._reading(transcript)

    def _collect(self, session: CliSession, commands: CommandSet) -> None:
        """Everything after login; stops early only when the session itself is gone."""
        if self.settings.clear_counters:
            self._clear(session)
        first = self._sample(session, commands.interface, keep=True)
        for command in (
            commands.controller,
            commands.serial,
            commands.cpu,
            commands.cpu_history,
            commands.log,
        ):
            if command is not None:
                self._run(session, command)
        if first is not None and self.settings.crc_sample_interval_s > 0:
            if self.defer_second:
                self.first = first
                session.transcript.note(
                    f"first CRC sample taken; the second follows in a session of its own after "
                    f"{self.settings.crc_sample_interval_s:g} s (the sweep's shared CRC window)"
                )
            else:
                self._growth(session, commands.interface, first)
        if self.far_end_ip:
            self._ping(session, commands)

    def _send(
        self,
        session: CliSession,
        command: str,
        key: str | None = None,
        read_timeout: float | None = None,
        budget: str = "command_timeout_s",
    ) -> str | None:
        """Run a command; a timeout is recorded and gives None (a session given up raises)."""
        try:
            text = session.send(command, read_timeout=read_timeout, budget=budget)
        except CollectorTimeout as exc:
            self.fail("timeout", str(exc))
            return None
        self.raw[key or command] = text
        return text

    def _run(self, session: CliSession, command: str) -> list[Observation]:
        found, _ = self._read(session, command)
        self._keep(command, found)
        return found

    def _keep(self, command: str, found: list[Observation]) -> None:
        for o in found:
            if isinstance(o, Quality) and not verified(self.device_type, command, o):
                self.unverified.add(len(self.observations))
            self.observations.append(o)

    def _parse(self, command: str, texts: list[str]) -> list[Observation]:
        """Parse one read, or several merged; raises CollectorParseError."""
        at = now()
        if len(texts) > 1:
            found = parse_reads(self.device_type, command, texts, device=self.device.name, at=at)
        else:
            found = parse_command(
                self.device_type, command, texts[0], device=self.device.name, at=at
            )
        return [o.model_copy(update={"collector": self.collector}) for o in found]

    def _read(
        self,
        session: CliSession,
        command: str,
        key: str | None = None,
        read_timeout: float | None = None,
        rereads: bool = True,
        budget: str = "command_timeout_s",
    ) -> tuple[list[Observation], float]:
        """Read and parse `command`: (observations, monotonic time of the read kept).

        Over the console an output that is partial or unreadable is read again (at most
        CONSOLE_REREADS times) and the best read kept: the fewest fields unknown, or the merge
        of every read for outputs that do not change between reads.  A parse failure of every
        read is recorded; what stays partial says so in its quality_note.
        """
        key = key or command
        merge = mergeable(self.device_type, command)
        texts: list[str] = []
        best: list[Observation] | None = None
        best_at, best_lost, error = time.monotonic(), math.inf, None
        tries = 1 + (CONSOLE_REREADS if rereads and self.via == "console" else 0)
        for n in range(tries):
            text = self._send(
                session,
                command,
                key=key if n == 0 else f"{key} (re-read {n})",
                read_timeout=read_timeout,
                budget=budget,
            )
            if text is None:
                break
            at = time.monotonic()
            texts.append(text)
            try:
                found = self._parse(command, texts if merge else [text])
            except CollectorParseError as exc:
                error = exc
                lost = math.inf
            else:
                lost = float(sum(len(o.unread) for o in found if isinstance(o, Quality)))
                if merge or lost < best_lost:
                    best, best_at, best_lost = found, at, lost
            if n == 0 and lost:
                self.lossy_outputs.append(command)
            if best is not None and best_lost == 0:
                break
        if best is None:
            if error is not None:
                reads = f" ({len(texts)} reads)" if len(texts) > 1 else ""
                self.fail("parse", f"{error}{reads}")
            return [], best_at
        if len(texts) > 1:
            best = [self._reread_note(o, len(texts)) for o in best]
        return best, best_at

    def _ping(self, session: CliSession, commands: CommandSet) -> None:
        s = self.settings
        assert self.far_end_ip is not None
        try:
            command = commands.ping(
                self.far_end_ip,
                s.ping_count,
                s.ping_size,
                s.ping_timeout_s,
                s.ping_df,
                s.ping_pattern,
            )
        except CollectorError as exc:
            self.fail("command", str(exc))
            return
        # Every probe may wait its full timeout (IOS rounds it up to whole seconds).
        budget = s.command_timeout_s + s.ping_count * (
            math.ceil(s.ping_timeout_s) + s.ping_interval_s
        )
        # A ping is not repeated: a second run is another test, and it takes its whole budget.
        found, _ = self._read(
            session,
            command,
            read_timeout=budget,
            rereads=False,
            budget="the ping's budget: command_timeout_s + ping_count x (ping_timeout_s + "
            "ping_interval_s)",
        )
        self._keep(command, found)


def read_router(
    device: Device,
    wan_interface: str,
    far_end_ip: str | None,
    settings: CollectorSettings,
    *,
    via: Via = "ssh",
    sleep: Callable[[float], None] = time.sleep,
) -> RouterReading:
    """Read one router by SSH or console (blocking; see the module docstring for the sequence).

    Never raises for device problems; `sleep` is the wait between the two CRC samples (tests
    inject one that advances a lab clock instead of waiting).
    """
    return router_reader(device, wan_interface, far_end_ip, settings, via=via, sleep=sleep).run()


def router_reader(
    device: Device,
    wan_interface: str,
    far_end_ip: str | None,
    settings: CollectorSettings,
    *,
    via: Via = "ssh",
    sleep: Callable[[float], None] = time.sleep,
    defer_second: bool = False,
) -> _Reader:
    """A reading not started yet: `.run()` reads (blocking, as `read_router`); `.so_far()`, from
    any thread, gives what it has read until then.  With `defer_second`, `.run()` keeps the
    first CRC sample and `.second()`, called after the wait, takes the second in a new session."""
    return _Reader(device, wan_interface, far_end_ip, settings, via, sleep, defer_second)


async def read_router_in(
    executor: Executor,
    device: Device,
    wan_interface: str,
    far_end_ip: str | None,
    settings: CollectorSettings,
    *,
    via: Via = "ssh",
) -> RouterReading:
    """`read_router` in the caller's (the runner's) thread pool."""
    loop = asyncio.get_running_loop()
    call = functools.partial(read_router, device, wan_interface, far_end_ip, settings, via=via)
    return await loop.run_in_executor(executor, call)


def parse_capture(device_type: str, command: str, text: str, device: str) -> list[Observation]:
    """Parse a saved command output (`diag parse`); raises CollectorParseError."""
    return parse_command(device_type, command, text, device=device, at=now())
