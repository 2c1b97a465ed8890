"""What the status decision reads besides the findings: the end-to-end tests that cross the
line (`end_to_end`), whether the routers answered, and the sources a healthy verdict needs that
were not read (`unread_sources`).  diag.analyzers.verdict re-exports these names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.rules.tests import ping_bad, relevant_pings
from diag.i18n import mark, tr, tr_marked
from diag.model.observations import DeviceAccessObservation, NmsPollObservation
from diag.model.path import CircuitPath


@dataclass
class EndToEnd:
    clean: list[str] = field(default_factory=list)  # what passed, in words
    bad: list[str] = field(default_factory=list)

    @property
    def state(self) -> Literal["clean", "bad", "none"]:
        if self.bad:
            return "bad"
        return "clean" if self.clean else "none"


def end_to_end(ctx: Context) -> EndToEnd:
    """The tests that cross the line: router WAN-to-WAN pings and the on-site ping answers.
    This host's pings to the WAN addresses test this host's reach, not the line."""
    t = ctx.thresholds
    out = EndToEnd()
    for p, _ in relevant_pings(ctx):
        if p.origin_kind != "router":
            continue
        words = tr(
            "{origin} → {target}: {loss} % loss",
            origin=p.origin,
            target=p.target,
            loss=f"{p.loss_pct:g}",
        )
        (out.bad if ping_bad(ctx, p) else out.clean).append(words)
    for key, what in (
        ("test.laptop_ping.loss_pct", mark("laptop-to-laptop ping")),
        ("test.wan_only_ping.loss_pct", mark("WAN-only ping")),
    ):
        v = ctx.answer_float(key)
        if v is None:
            continue
        (out.bad if v > t["loss_pct"] else out.clean).append(
            tr("{what}: {loss} % loss (reported)", what=tr_marked(what), loss=f"{v:g}")
        )
    return out


def routers_up(ctx: Context) -> bool:
    reached = {o.device for o in ctx.of(DeviceAccessObservation) if o.ok}
    routers = [r for s in ("a", "b") if (r := ctx.path.end(s).router)]
    return bool(routers) and all(r in reached for r in routers)


# --------------------------------------------------------------------------- sources


def unread_sources(ctx: Context) -> list[str]:
    """The sources a healthy verdict needs that were not read, in words."""
    out = []
    polls = ctx.of(NmsPollObservation)
    read_nes: set[str] = set()
    failed = False  # an NMS not read, or read in part: its NEs' state is unknown, not unpolled
    for p in polls:
        if not p.ok:
            out.append(tr("NMS {nms}: {error}", nms=p.nms, error=p.error or tr("no answer")))
            failed = True
        elif p.partial:
            out.append(
                tr(
                    "NMS {nms}: alarm list incomplete ({error})",
                    nms=p.nms,
                    error=p.error or tr("partial resync"),
                )
            )
            failed = True
        else:
            read_nes.update(p.nes)
    managed, routers = ctx.shaped("verdict.sources", lambda: _sources(ctx.path))
    for el_id, ne in managed:
        if ne is None:
            out.append(
                tr("{ne}: no NMS in the inventory manages it, its alarms are unknown", ne=el_id)
            )
        elif ne not in read_nes and not failed:
            out.append(tr("{ne}: its NMS was not polled", ne=el_id))
    if not routers:
        return out
    access: dict[str, list[DeviceAccessObservation]] = {}
    for o in ctx.of(DeviceAccessObservation):
        access.setdefault(o.device, []).append(o)
    for r in routers:
        if r not in access:
            continue
        if not any(o.ok for o in access[r]):
            why = "; ".join(f"{o.via}: {o.error}" for o in access[r] if o.error)
            out.append(
                tr(
                    "router {router}: could not be read ({why})",
                    router=r,
                    why=why or tr("no answer"),
                )
            )
    return out


def _sources(path: CircuitPath) -> tuple[list[tuple[str, str | None]], list[str]]:
    """The path's transmission NEs (id, NMS name) and its ends' routers, A first."""
    managed = [(e.id, e.ne_name) for e in path.elements if e.kind in ("pdh", "sdh", "msap")]
    return managed, [r for s in ("a", "b") if (r := path.end(s).router) is not None]
