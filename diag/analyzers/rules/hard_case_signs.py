"""What one end's router shows for the hard cases (section 4): CRC growth, lossy pings through
it, CPU now and at its peak, an intermittent console; read once per analysis by
rules/hard_cases.py (`all_signs`), with the evidence each sign cites."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from diag.analyzers import quality
from diag.analyzers.context import SIDES, Context
from diag.i18n import tr
from diag.model.findings import Evidence
from diag.model.observations import (
    ConsoleObservation,
    CpuObservation,
    CrcGrowthObservation,
    LogEvent,
    LogObservation,
    PingObservation,
)

_LOG_PCT = re.compile(r"(\d{1,3})\s*%")


def _name(s: str) -> str:
    return s.replace(" ", "").lower()


@dataclass
class EndSigns:
    """What the router of one end shows: the evidence the hard cases are read from."""

    side: str
    crc: CrcGrowthObservation | None = None  # growing at or above crc_growth_per_min
    loss: list[PingObservation] = field(default_factory=list)  # lossy pings from / to it
    cpu_now: tuple[CpuObservation, float] | None = None  # highest current reading >= cpu_high
    cpu_peak: tuple[Evidence, float] | None = None  # 72 h history or log at or above cpu_high
    console: ConsoleObservation | None = None  # intermittent console
    console_why: str = ""

    @property
    def congested(self) -> bool:
        return self.cpu_now is not None or self.cpu_peak is not None

    @property
    def troubled(self) -> bool:
        return bool(self.crc or self.loss or self.congested or self.console)

    @property
    def score(self) -> int:
        """How strongly this end's router itself is implicated (case 4.2 signs)."""
        return 2 * self.congested + 2 * (self.console is not None) + (self.crc is not None)

    def evidence(self) -> list[Evidence]:
        out: list[Evidence] = []
        if self.crc is not None:
            out.append(_crc_ev(self.crc))
        out += [_ping_ev(p) for p in self.loss]
        if self.cpu_now is not None:
            o, v = self.cpu_now
            text = tr(
                "{device}: CPU {cpu} % now ({source})",
                device=o.device,
                cpu=f"{v:g}",
                source=o.source,
            )
            out.append(Evidence(observation=o.id, text=text))
        if self.cpu_peak is not None:
            out.append(self.cpu_peak[0])
        if self.console is not None:
            out.append(Evidence(observation=self.console.id, text=self.console_why))
        return out


def _crc_ev(o: CrcGrowthObservation) -> Evidence:
    return Evidence(
        observation=o.id,
        text=tr(
            "{device} {interface}: CRC errors growing {rate}/min ({first} -> {second} in {secs} s, "
            "{source})",
            device=o.device,
            interface=o.interface,
            rate=f"{o.per_min:g}",
            first=o.first,
            second=o.second,
            secs=f"{o.interval_s:g}",
            source=o.counter_source,
        ),
    )


def _ping_ev(p: PingObservation) -> Evidence:
    who = p.origin if p.origin_kind == "router" else tr("{origin} (host)", origin=p.origin)
    return Evidence(
        observation=p.id,
        text=tr(
            "ping {who} -> {target}: {loss} % lost ({received}/{sent} answered)",
            who=who,
            target=p.target,
            loss=f"{p.loss_pct:g}",
            received=p.received,
            sent=p.sent,
        ),
    )


def _log_cpu_peak(log: LogObservation) -> tuple[Evidence, float] | None:
    best: tuple[LogEvent, float] | None = None  # the first event at the highest CPU
    for ev in log.events:
        if ev.category != "cpu":
            continue
        m = _LOG_PCT.search(ev.text)
        if m is None or int(m.group(1)) > 100:
            continue
        v = float(m.group(1))
        if best is None or v > best[1]:
            best = (ev, v)
    if best is None:
        return None
    ev, v = best
    text = tr("{device} log {at}: {text}", device=log.device, at=ev.at, text=ev.text)
    return Evidence(observation=log.id, text=text), v


def _read_signs(ctx: Context) -> dict[str, EndSigns]:
    """Both ends' signs in one pass over each kind of reading, in observation order."""
    t = ctx.thresholds
    out = {s: EndSigns(s) for s in SIDES}
    routers: dict[str, list[tuple[EndSigns, str]]] = {}  # router -> its ends' signs, WAN name
    for s in SIDES:
        end = ctx.path.end(s)
        if end.router is not None:
            routers.setdefault(end.router, []).append((out[s], _name(end.wan_interface or "")))
    if not routers:
        return out
    crc_min = t["crc_growth_per_min"]
    for g in ctx.of(CrcGrowthObservation):
        if g.device not in routers or g.per_min is None or g.reset or g.per_min < crc_min:
            continue
        for signs, wan in routers[g.device]:
            # the fastest growth; of equals, the first read
            if (not wan or _name(g.interface) == wan) and (
                signs.crc is None or g.per_min > (signs.crc.per_min or 0.0)
            ):
                signs.crc = g
    loss = t["loss_pct"]
    for p in ctx.of(PingObservation):
        # loss through this router: its own pings across the line (this host's pings to its
        # WAN address are management reachability, not traffic through it); above the
        # threshold, as the ping rules and the verdict read it
        if p.loss_pct > loss and p.origin_kind == "router" and p.origin in routers:
            for signs, _ in routers[p.origin]:
                signs.loss.append(p)
    high = t["cpu_high_pct"]
    for o in ctx.of(CpuObservation):
        if o.device not in routers:
            continue
        now = None
        for v in (o.five_sec, o.one_min, o.five_min):
            if v is not None and (now is None or v > now):
                now = v
        read = quality.cpu_peak(o)  # a graph not read whole gives a lower bound, never a fact
        peak, exact = read if read is not None else (None, True)
        if (now is None or now < high) and (peak is None or peak < high):
            continue  # neither sign at this reading
        for signs, _ in routers[o.device]:
            if (
                now is not None
                and now >= high
                and (signs.cpu_now is None or now > signs.cpu_now[1])
            ):
                signs.cpu_now = (o, now)
            if (
                peak is not None
                and peak >= high
                and (signs.cpu_peak is None or peak > signs.cpu_peak[1])
            ):
                hours = next((i for i, v in enumerate(o.history_72h) if v >= high), None)
                ago = tr(", latest {hours} h ago", hours=hours + 1) if hours is not None else ""
                level = (
                    f"{peak:g} %"
                    if exact
                    else tr("{peak} % or more (graph read in part)", peak=f"{peak:g}")
                )
                text = tr(
                    "{device}: CPU peaked at {level} over the last 72 h ({source}{ago})",
                    device=o.device,
                    level=level,
                    source=o.source,
                    ago=ago,
                )
                signs.cpu_peak = (Evidence(observation=o.id, text=text), float(peak))
    for log in ctx.of(LogObservation):
        if log.device not in routers:
            continue
        found = _log_cpu_peak(log)
        if not found or found[1] < high:
            continue
        for signs, _ in routers[log.device]:
            if signs.cpu_peak is None or found[1] > signs.cpu_peak[1]:
                signs.cpu_peak = found
    drops_min, answered_min = t["hc_console_drops_min"], t["console_answered_min"]
    for c in ctx.of(ConsoleObservation):
        if c.device not in routers or not c.login_ok:
            continue
        share = c.answered / c.probes if c.probes else 1.0
        if share < answered_min or c.dropped_sessions >= drops_min:
            for signs, _ in routers[c.device]:
                signs.console = c
                signs.console_why = tr(
                    "{device} console {port}: intermittent, {answered}/{probes} prompts "
                    "answered, {garbled} garbled, {dropped} session(s) dropped",
                    device=c.device,
                    port=c.port,
                    answered=c.answered,
                    probes=c.probes,
                    garbled=c.garbled,
                    dropped=c.dropped_sessions,
                )
    return out
