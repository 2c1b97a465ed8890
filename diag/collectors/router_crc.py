"""The CRC half of the router reading: the second sample, the growth arithmetic, the uptime.

CRC growth (DOMAIN.md §2.8): two readings of the WAN interface's CRC counter.  The interval is
the longer of the wait asked for and the time measured between the two readings (the router's
clock cannot have moved less than our wait; a simulated wait in tests moves the lab clock by
exactly that much).  Counters are never cleared unless `clear_counters` is set.  A counter that
went down is a Counter32 wrap when nothing says the counters restarted; "Last clearing" moving
to a more recent time, "never" becoming a time, or the uptime going down are reset evidence, and
then no delta is given.

`CrcSampling` is mixed into diag.collectors.router's reader (which owns the session and reads).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from diag.collectors.vendors import ClearCommand, profile_for
from diag.errors import CollectorError, CollectorTimeout
from diag.model.inventory import Device
from diag.model.observations import CrcGrowthObservation, InterfaceObservation, Observation
from diag.settings import CollectorSettings

if TYPE_CHECKING:
    from diag.collectors.cli.session import CliSession
    from diag.collectors.cli.transcript import Transcript
    from diag.collectors.router import Stage, Via

COUNTER32 = 2**32


def now() -> datetime:
    return datetime.now(UTC)


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
    parts = re.findall(r"(\d+)\s*(year|week|day|hour|minute|second)s?", m.group(1), re.IGNORECASE)
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


class CrcSampling:
    """The reader's CRC samples (the session, reads and failures are the reader's own)."""

    device: Device
    wan: str
    settings: CollectorSettings
    via: Via
    sleep: Callable[[float], None]
    device_type: str
    collector: str
    observations: list[Observation]
    first: tuple[CrcSample | None, float] | None
    transcript: Transcript | None

    if TYPE_CHECKING:

        def _msg(self, text: str) -> str: ...

        def fail(self, stage: Stage, error: str) -> None: ...

        def _send(
            self,
            session: CliSession,
            command: str,
            key: str | None = None,
            read_timeout: float | None = None,
            budget: str = "command_timeout_s",
        ) -> str | None: ...

        def _read(
            self,
            session: CliSession,
            command: str,
            key: str | None = None,
            read_timeout: float | None = None,
            rereads: bool = True,
            budget: str = "command_timeout_s",
        ) -> tuple[list[Observation], float]: ...

        def _keep(self, command: str, found: list[Observation]) -> None: ...

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
        except Exception as exc:  # the transport failed mid-session: the first reading stands  # noqa: BLE001
            why = self._msg(f"second CRC sample not taken: {type(exc).__name__}: {exc}")
            transcript.note(why)
            return why
        finally:
            session.close()
        return None

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
