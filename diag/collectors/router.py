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

CRC growth (DOMAIN.md §2.8): two readings of the WAN interface's CRC counter.  The interval is
the longer of the wait asked for and the time measured between the two readings (the router's
clock cannot have moved less than our wait; a simulated wait in tests moves the lab clock by
exactly that much).  Counters are never cleared unless `clear_counters` is set.  A counter that
went down is a Counter32 wrap when nothing says the counters restarted; "Last clearing" moving
to a more recent time, "never" becoming a time, or the uptime going down are reset evidence, and
then no delta is given.
"""

from __future__ import annotations

import asyncio
import functools
import math
import re
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Literal

from diag.collectors.cli.parsers import (
    CommandSet,
    mergeable,
    parse_command,
    parse_reads,
    verified,
)
from diag.collectors.vendors import ClearCommand, profile_for
from diag.credentials import Secret, redact
from diag.errors import (
    CollectorAuthError,
    CollectorError,
    CollectorParseError,
    CollectorTimeout,
)
from diag.model.inventory import Device
from diag.model.observations import (
    ConsoleObservation,
    CrcGrowthObservation,
    DeviceAccessObservation,
    InterfaceObservation,
    Observation,
    Quality,
)
from diag.settings import CollectorSettings

if TYPE_CHECKING:
    from diag.collectors.cli.session import CliSession, ConsoleProbes
    from diag.collectors.cli.transcript import Transcript

Via = Literal["ssh", "console"]
Stage = Literal["connect", "auth", "timeout", "command", "parse"]

COUNTER32 = 2**32
# Over the console, an output that comes back partial or unreadable is read this many more times
# at most (each read of `show processes cpu history` is ~4 kB: about 4 s at 9600 baud).
CONSOLE_REREADS = 3


@dataclass
class RouterReading:
    observations: list[Observation]  # everything read, typed; failures as DeviceAccessObservation
    transcript: str  # redacted session transcript (for --debug)
    raw: dict[str, str] = field(default_factory=dict)  # command -> raw output (for --record)


# --- vendor bits the parsers' CommandSet does not carry: the vendor profile's ------------------


def version_command(device_type: str) -> str:
    """Where the uptime is printed (reset detection between the two CRC samples)."""
    return profile_for(device_type).version_command


def clear_command(device_type: str, interface: str) -> ClearCommand:
    return profile_for(device_type).clear_counters(interface)


_UPTIME = re.compile(r"uptime is\s+(.+)", re.IGNORECASE)
_UPTIME_UNITS = {
    "year": 31_536_000,
    "week": 604_800,
    "day": 86_400,
    "hour": 3600,
    "minute": 60,
    "second": 1,
}


def uptime_s(version_text: str) -> float | None:
    """Seconds in '... uptime is 12 weeks, 3 days, 4 hours, 5 minutes' (IOS and VRP)."""
    m = _UPTIME.search(version_text)
    if m is None:
        return None
    parts = re.findall(r"(\d+)\s*(year|week|day|hour|minute|second)s?", m.group(1), re.I)
    if not parts:
        return None
    return float(sum(int(n) * _UPTIME_UNITS[unit.lower()] for n, unit in parts))


_IOS_ELAPSED = (
    (re.compile(r"(\d+):(\d{2}):(\d{2})"), (3600, 60, 1), 1),
    (re.compile(r"(\d+)d(\d+)h"), (86_400, 3600), 3600),
    (re.compile(r"(\d+)w(\d+)d"), (604_800, 86_400), 86_400),
    (re.compile(r"(\d+)y(\d+)w"), (31_536_000, 604_800), 604_800),
)


def clearing_age(text: str) -> tuple[int, int] | None:
    """(seconds, resolution) of an IOS 'Last clearing' age (00:00:05, 1d02h, 3w2d, 1y5w)."""
    for rx, units, resolution in _IOS_ELAPSED:
        m = rx.fullmatch(text.strip())
        if m:
            return sum(int(g) * u for g, u in zip(m.groups(), units, strict=True)), resolution
    return None


# --- CRC growth ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CrcSample:
    crc: int
    source: str
    last_clearing: str | None
    uptime_s: float | None


def crc_growth(
    device: str,
    interface: str,
    first: CrcSample,
    second: CrcSample,
    *,
    waited_s: float,
    measured_s: float,
    at: datetime,
    collector: str,
) -> CrcGrowthObservation:
    """Two CRC samples -> growth, with Counter32 wrap and counter-reset detection.

    `waited_s` is the wait between the samples (a lower bound of the router's own elapsed
    time); `measured_s` the wall time between the two readings.
    """
    interval = max(waited_s, measured_s)
    reasons = _reset_evidence(first, second, waited_s)
    delta: int | None
    wrapped = False
    notes: list[str] = []
    if reasons:
        delta = None
        if second.crc < first.crc:
            notes.append(f"the counter went down ({first.crc} -> {second.crc})")
        notes.append("; ".join(reasons) + ": no delta across a reset")
    elif second.crc >= first.crc:
        delta = second.crc - first.crc
    elif first.crc < COUNTER32 and second.crc < COUNTER32:
        wrapped = True
        delta = second.crc + COUNTER32 - first.crc
        notes.append(
            f"Counter32 wrapped between the samples ({first.crc} -> {second.crc}); no clearing "
            "or restart was seen"
        )
    else:
        delta = None
        reasons = ["the counter went down"]
        notes.append(
            f"the counter went down ({first.crc} -> {second.crc}) and is too large for a "
            "32-bit wrap: treated as a reset although no clearing or restart was seen"
        )
    per_min = round(delta * 60.0 / interval, 3) if delta is not None and interval > 0 else None
    return CrcGrowthObservation(
        id="crc-growth",
        collector=collector,
        at=at,
        device=device,
        interface=interface,
        counter_source=first.source,
        first=first.crc,
        second=second.crc,
        interval_s=round(interval, 3),
        delta=delta,
        per_min=per_min,
        wrapped=wrapped,
        reset=bool(reasons),
        note=". ".join(notes) or None,
    )


# The router's clock cannot move less than our wait; one second of slack for rounding.
_SLACK_S = 1.0


def _reset_evidence(first: CrcSample, second: CrcSample, waited_s: float) -> list[str]:
    reasons: list[str] = []
    c1, c2 = first.last_clearing, second.last_clearing
    if c1 and c2:
        never1, never2 = c1.strip().lower() == "never", c2.strip().lower() == "never"
        a1, a2 = clearing_age(c1), clearing_age(c2)
        if never1 and not never2:
            reasons.append(f"counters cleared between the samples (Last clearing: never -> {c2})")
        elif a1 is not None and a2 is not None:
            # Not cleared: age2 >= age1 + wait, so the shown age2 (floored to its resolution)
            # is above age1 + wait - resolution.
            if a2[0] + a2[1] < a1[0] + waited_s - _SLACK_S:
                reasons.append(
                    f"counters cleared between the samples (Last clearing: {c1} -> {c2})"
                )
        elif not never1 and not never2 and a1 is None and a2 is None and c1 != c2:
            reasons.append(f"counters cleared between the samples (Last clearing: {c1} -> {c2})")
    u1, u2 = first.uptime_s, second.uptime_s
    if u1 is not None and u2 is not None and u2 + 60 < u1 + waited_s - _SLACK_S:
        # Uptimes are printed to the minute.
        reasons.append(f"the router restarted between the samples (uptime {u1:g} s -> {u2:g} s)")
    return reasons


# --- the reading --------------------------------------------------------------------------------


def now() -> datetime:
    return datetime.now(UTC)


class _Reader:
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
        except Exception as exc:
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

    def second(self) -> str | None:
        """The deferred second CRC sample (`defer_second`), in a new session, once the caller has
        waited the interval: the growth is appended to the observations.  None when taken, else
        why not (the first reading stands; no growth is given)."""
        from diag.collectors.cli.connect import open_session

        if self.first is None:
            return None
        transcript = self.transcript
        assert transcript is not None
        commands = profile_for(self.device_type, self.device.name).commands_for(self.wan)
        try:
            session = open_session(self.device, self.settings, self.via, transcript)
        except CollectorError as exc:
            why = self._msg(f"second CRC sample not taken: {exc}")
            transcript.note(why)
            return why
        try:
            self._growth(session, commands.interface, self.first, waited=True)
        except CollectorError as exc:
            why = self._msg(f"second CRC sample not taken: {exc}")
            transcript.note(why)
            return why
        except Exception as exc:  # the transport failed mid-session: the first reading stands
            why = self._msg(f"second CRC sample not taken: {type(exc).__name__}: {exc}")
            transcript.note(why)
            return why
        finally:
            session.close()
        return None

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

    def _reread_note(self, obs: Observation, reads: int) -> Observation:
        if not isinstance(obs, Quality) or "merging" in (obs.quality_note or ""):
            return obs  # a merged graph says so itself
        how = (
            f"read whole on the console after {reads - 1} re-read(s) (earlier reads lost lines)"
            if obs.quality == "ok"
            else f"not whole in {reads} reads over the console, the best kept"
        )
        note = "; ".join(n for n in (how, obs.quality_note) if n)
        return obs.model_copy(update={"quality_note": note})

    def _mark_degraded(self, probes: ConsoleProbes) -> None:
        """Readings nothing could check, read over a console seen losing lines: degraded."""
        signs = []
        if probes.lost or probes.garbled:
            signs.append(
                f"{probes.lost} of {probes.probes} prompts lost and {probes.garbled} garbled"
            )
        if probes.dropped_sessions:
            signs.append(f"the session dropped {probes.dropped_sessions} time(s)")
        if self.lossy_outputs:
            outputs = ", ".join(dict.fromkeys(self.lossy_outputs))
            signs.append(f"lines of other outputs lost ({outputs})")
        if not signs:
            return
        note = (
            f"read over a console that lost lines ({'; '.join(signs)}); nothing in this output "
            "can show whether lines of it were lost"
        )
        for i in sorted(self.unverified):
            o = self.observations[i]
            if isinstance(o, Quality) and o.quality == "ok":
                self.observations[i] = o.model_copy(
                    update={"quality": "degraded", "quality_note": note}
                )

    def _clear(self, session: CliSession) -> None:
        clear = profile_for(self.device_type).clear_counters(self.wan)
        session.transcript.note(f"clearing the counters of {self.wan} (clear_counters is set)")
        try:
            if clear.question:
                session.send(clear.command, expect=clear.question)
                session.send(clear.answer)
            else:
                session.send(clear.command)
        except CollectorTimeout as exc:
            self.fail("timeout", str(exc))

    def _sample(
        self, session: CliSession, command: str, *, keep: bool
    ) -> tuple[CrcSample | None, float]:
        """One interface reading plus the uptime: (CRC sample or None, monotonic time)."""
        suffix = "" if keep else " #2"
        found, at = self._read(session, command, key=command + suffix)
        version = profile_for(self.device_type).version_command
        vtext = self._send(session, version, key=version + suffix)
        up = uptime_s(vtext) if vtext else None
        if keep:
            self._keep(command, found)
        iface = self._wan_observation(found)
        if iface is None:
            return None, at
        if keep and up is not None:
            idx = self.observations.index(iface)
            self.observations[idx] = iface.model_copy(update={"device_uptime_s": up})
        if iface.crc is None:
            session.transcript.note(f"{self.wan}: no CRC counter in {command!r}; no CRC growth")
            return None, at
        return CrcSample(iface.crc, iface.crc_source or iface.source, iface.last_clearing, up), at

    def _wan_observation(self, found: list[Observation]) -> InterfaceObservation | None:
        ifaces = [o for o in found if isinstance(o, InterfaceObservation)]
        wanted = self.wan.replace(" ", "").lower()
        for o in ifaces:
            if o.interface.replace(" ", "").lower() == wanted:
                return o
        return ifaces[0] if len(ifaces) == 1 else None

    def _growth(
        self,
        session: CliSession,
        command: str,
        first: tuple[CrcSample | None, float],
        *,
        waited: bool = False,
    ) -> None:
        sample1, t1 = first
        wait = self.settings.crc_sample_interval_s
        if not waited:
            session.transcript.note(f"waiting {wait:g} s before the second CRC sample")
            self.sleep(wait)
        sample2, t2 = self._sample(session, command, keep=False)
        if sample1 is None or sample2 is None:
            return
        self.observations.append(
            crc_growth(
                self.device.name,
                self.wan,
                sample1,
                sample2,
                waited_s=wait,
                measured_s=t2 - t1,
                at=now(),
                collector=self.collector,
            )
        )

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

    def _console_obs(
        self, probes: ConsoleProbes | None, *, login_ok: bool, error: str | None
    ) -> ConsoleObservation:
        return ConsoleObservation(
            id="console",
            collector=self.collector,
            at=now(),
            device=self.device.name,
            port=self.device.console or "",
            login_ok=login_ok,
            probes=probes.probes if probes else 0,
            answered=probes.answered if probes else 0,
            garbled=probes.garbled if probes else 0,
            dropped_sessions=probes.dropped_sessions if probes else 0,
            prompt_rtt_ms=list(probes.rtts_ms) if probes else [],
            rtt_median_ms=probes.rtt_median_ms if probes else None,
            error=self._msg(error) if error else None,
        )


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
