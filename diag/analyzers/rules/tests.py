"""Step 3.3 of the procedure: the on-site tests (DOMAIN.md §1.2, article L543-559), and what the
customer routers' own E1 controllers add to them.

(1)(2) E1 / V.35 channel BER: an instrument on the carrier channel itself, so errors localise to
       the channel and a clean result excludes it (the section-4 hard cases start from there:
       `channel_clean`).
(3)    Ethernet ping bypassing the customer LAN, from the router WAN port or a laptop: loss and
       latency, the result customers accept.  A router-to-router ping spans the whole line, so it
       says *that* the line loses packets, not *where*; it stays a suspicion on its own.
(4)    Online test at a DDF (high-impedance bridging): AIS or errors coming from one end -> dispatch
       to that end first (R-TEST-4).
The routers' E1 controllers (LOS / AIS / RAI, G.826 ES / SES) are read by the router collector and
placed with the G.775 / G.806 logic of DOMAIN.md §2.2 / §2.4.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Literal, TypeVar

from diag.analyzers.context import Context
from diag.i18n import lang, mark, tr
from diag.model.findings import Evidence
from diag.model.inventory import Interface
from diag.model.observations import (
    CrcGrowthObservation,
    E1ControllerObservation,
    PingObservation,
)
from diag.model.path import Segment

Side = Literal["a", "b"]
Reading = TypeVar("Reading")
Flow = Literal["a-to-b", "b-to-a"]
SIDES: tuple[Side, Side] = ("a", "b")

E1_INTERFACES = (Interface.e1_75, Interface.e1_120)
V35_INTERFACES = (Interface.v35_dte, Interface.v35_dce)

# Confidence, and why.  LOCALIZED_AT in the engine is 0.7.
CONF_BER_ERRORS = 0.8  # an instrument measured errors on the channel itself; below 0.9 because
#                        the span's own access cables to the test set are inside it
CONF_PING = 0.4  # the line loses packets, but a WAN-to-WAN ping cannot say where on the line
CONF_PING_CORROBORATED = 0.6  # CRC growth / E1 alarms confirm the line, still not where: < 0.7
CONF_LAPTOP = 0.7  # laptops replace the customer routers: only carrier parts remain in between
CONF_DDF = 0.75  # R-TEST-4 gives the end and the DDF bounds the span on the other side
CONF_DDF_NO_STATION = 0.6  # the end is known, not where the DDF is: the span is most of the line
CONF_DDF_CONFLICT = 0.5  # AIS from one end, errors from the other: two problems or a misreading
CONF_LOS = 0.75  # silence at the receiver: only the last span before the router can be silent
CONF_AIS = 0.5  # AIS is inserted somewhere upstream; the NMS (3.1) pins the station, not us
CONF_RAI = 0.4  # the far end does not hear us: anywhere on our transmit direction
CONF_ERRORS = 0.4  # errored seconds at our receiver: anywhere on the receive direction

BER_PATTERN = {
    "E1": mark("2048 kbit/s HDB3, PRBS 2^15-1 (ITU-T O.150)"),
    "V.35": mark("PRBS 2^15-1 at the line rate (ITU-T O.150)"),
}


def ber_pattern(kind: str) -> str:
    """BER_PATTERN[kind] in the reader's language."""
    if kind == "E1":
        return tr("2048 kbit/s HDB3, PRBS 2^15-1 (ITU-T O.150)")
    return tr("PRBS 2^15-1 at the line rate (ITU-T O.150)")


def listed(items: Iterable[str]) -> str:
    """Items of one kind side by side: 'x, y' (Chinese 'x、y')."""
    return tr(", ").join(items)


def clauses(items: Iterable[str]) -> str:
    """Statements one after the other: 'x; y' (Chinese 'x；y')."""
    return tr("; ").join(items)


# --------------------------------------------------------------------------- helpers (shared)  # noqa: ERA001


def other(side: str) -> Side:
    return "b" if side == "a" else "a"


def flow_from(side: str) -> Flow:
    return "a-to-b" if side == "a" else "b-to-a"


def wan_element(ctx: Context, side: str) -> str:
    """The customer equipment facing the line at this end: the router, else the first element
    after the LAN (a voice switch or converter the inventory does not list as a router)."""
    end = ctx.path.end(side)
    if end.router:
        return end.router
    return ctx.path.elements[1 if side == "a" else -2].id


def towards_lan(ctx: Context, side: str, element_id: str) -> str:
    """The neighbour of `element_id` on the LAN side of `side`."""
    i = ctx.path.index(element_id) + (-1 if side == "a" else 1)
    return ctx.path.elements[i].id


def towards_line(ctx: Context, side: str, element_id: str) -> str:
    """The neighbour of `element_id` on the line side, at end `side`."""
    i = ctx.path.index(element_id) + (1 if side == "a" else -1)
    return ctx.path.elements[i].id


def channel_edge(ctx: Context, side: str, interface: tuple[Interface, ...]) -> str:
    """Where a channel test of this kind reaches at one end: the V.35 converter when there is
    one (the V.35 test is done at the V.35 port), else the CPE's E1 port."""
    end = ctx.path.end(side)
    if interface == V35_INTERFACES and end.converter:
        return end.converter
    return end.cpe


def _ends_by(ctx: Context) -> tuple[dict[str | None, Side], dict[str | None, Side]]:
    """The ends by router name and by WAN address (A wins when both ends name the same)."""
    routers: dict[str | None, Side] = {}
    wan_ips: dict[str | None, Side] = {}
    for s in reversed(SIDES):
        end = ctx.path.end(s)
        routers[end.router] = s
        wan_ips[end.wan_ip] = s
    return routers, wan_ips


def _ends(ctx: Context) -> tuple[dict[str | None, Side], dict[str | None, Side]]:
    return ctx.shaped("tests.ends", lambda: _ends_by(ctx))


def router_side(ctx: Context, device: str) -> Side | None:
    return _ends(ctx)[0].get(device)


def wan_ip_side(ctx: Context, ip: str) -> Side | None:
    return _ends(ctx)[1].get(ip)


def has_e1_router(ctx: Context) -> bool:
    return any(
        ctx.path.end(s).interface in E1_INTERFACES and ctx.path.end(s).router for s in ("a", "b")
    )


def crc_growing(ctx: Context) -> list[tuple[Side, CrcGrowthObservation]]:
    """CRC growth at or above the threshold on this circuit's routers, with the end it is at
    (worked out once per analysis: do not change the list)."""
    return ctx.memo("tests.crc_growing", lambda: _crc_growing(ctx))


def _crc_growing(ctx: Context) -> list[tuple[Side, CrcGrowthObservation]]:
    growth = ctx.of(CrcGrowthObservation)
    if not growth:
        return []
    routers, at_least = _ends(ctx)[0], ctx.thresholds["crc_growth_per_min"]
    out = []
    for g in growth:
        side = routers.get(g.device)
        if side and g.per_min is not None and g.per_min >= at_least:
            out.append((side, g))
    return out


def cited(ctx: Context, evidence: Callable[[Reading], Evidence], o: Reading) -> Evidence:
    """`evidence(o)`, built once per analysis: every rule that cites `o` cites the same text."""
    return ctx.memo((evidence, id(o)), lambda: evidence(o))


def crc_evidence(g: CrcGrowthObservation) -> Evidence:
    return Evidence(
        observation=g.id,
        text=tr(
            "{device} {interface}: CRC {first} -> {second} in {secs} s ({rate}/min, {source})",
            device=g.device,
            interface=g.interface,
            first=g.first,
            second=g.second,
            secs=num(g.interval_s),
            rate=num(g.per_min or 0),
            source=g.counter_source,
        ),
    )


def controllers(ctx: Context) -> list[tuple[Side, E1ControllerObservation]]:
    """The E1 controllers of this circuit's routers, with their end (once per analysis)."""
    return ctx.memo("tests.controllers", lambda: _controllers(ctx))


def _controllers(ctx: Context) -> list[tuple[Side, E1ControllerObservation]]:
    found = ctx.of(E1ControllerObservation)
    if not found:
        return []
    routers = _ends(ctx)[0]
    out = []
    for c in found:
        side = routers.get(c.device)
        if side:
            out.append((side, c))
    return out


def _alarms(c: E1ControllerObservation) -> set[str]:
    return {a.upper() for a in c.alarms}


def controller_alarms(ctx: Context) -> list[tuple[Side, E1ControllerObservation, frozenset[str]]]:
    """`controllers`, each with its line alarms in capitals (once per analysis)."""
    return ctx.memo(
        "tests.controller_alarms",
        lambda: [(s, c, frozenset(_alarms(c))) for s, c in controllers(ctx)],
    )


def errored(ctx: Context, c: E1ControllerObservation) -> bool:
    ses, es = c.severely_err_secs or 0, c.errored_secs or 0
    return ses >= ctx.thresholds["ses_per_interval"] or es >= ctx.thresholds["es_per_interval"]


def controller_troubled(ctx: Context) -> list[tuple[Side, E1ControllerObservation]]:
    """Controllers with a line alarm or errored seconds over the thresholds (once per analysis)."""
    return ctx.memo("tests.controller_troubled", lambda: _controller_troubled(ctx))


_LINE_ALARMS = frozenset({"LOS", "LOF", "AIS", "RAI"})


def _controller_troubled(ctx: Context) -> list[tuple[Side, E1ControllerObservation]]:
    return [
        (s, c)
        for s, c in controllers(ctx)
        if any(a.upper() in _LINE_ALARMS for a in c.alarms) or errored(ctx, c)
    ]


def controller_evidence(c: E1ControllerObservation) -> Evidence:
    alarms = listed(c.alarms) if c.alarms else tr("no alarm")
    counts = [
        f"{name} {v}"
        for name, v in (
            ("ES", c.errored_secs),
            ("SES", c.severely_err_secs),
            ("UAS", c.unavail_secs),
            ("PCV", c.path_code_violations),
            (tr("slip secs"), c.slip_secs),
        )
        if v
    ]
    if not counts:
        tail = tr("; error counters at 0")
    elif c.interval_s is not None:
        tail = tr(
            "; {counts} in the current interval ({secs} s)",
            counts=listed(counts),
            secs=c.interval_s,
        )
    else:
        tail = tr("; {counts}", counts=listed(counts))
    return Evidence(
        observation=c.id,
        text=tr(
            "{device} {controller} ({source}): status {status}, {alarms}{tail}",
            device=c.device,
            controller=c.controller,
            source=c.source,
            status=c.status or "?",
            alarms=alarms,
            tail=tail,
        ),
    )


def relevant_pings(ctx: Context) -> list[tuple[PingObservation, Side]]:
    """Pings towards this circuit's WAN addresses, with the end whose WAN was pinged (once per
    analysis: do not change the list)."""
    return ctx.memo("tests.relevant_pings", lambda: _relevant_pings(ctx))


def _relevant_pings(ctx: Context) -> list[tuple[PingObservation, Side]]:
    pings = ctx.of(PingObservation)
    if not pings:
        return []
    routers, wan_ips = _ends(ctx)
    out = []
    for p in pings:
        target = wan_ips.get(p.target)
        if target is None:
            continue
        if p.origin_kind == "router" and routers.get(p.origin) == target:
            continue  # a router pinging its own address says nothing about the line
        out.append((p, target))
    return out


def rtt_of(p: PingObservation) -> float | None:
    return p.rtt_mean_ms if p.rtt_mean_ms is not None else p.rtt_median_ms


def ping_bad(ctx: Context, p: PingObservation) -> bool:
    rtt = rtt_of(p)
    return p.loss_pct > ctx.thresholds["loss_pct"] or (
        rtt is not None and rtt > ctx.thresholds["latency_ms"]
    )


def ping_evidence(p: PingObservation) -> Evidence:
    rtt = rtt_of(p)
    values = {
        "origin": p.origin,
        "target": p.target,
        "received": p.received,
        "sent": p.sent,
        "loss": num(p.loss_pct),
        "count": p.count,
        "size": p.size,
        "engine": p.engine,
    }
    if rtt is not None:
        text = tr(
            "{origin} -> {target}: {received}/{sent} replies, {loss} % loss, mean RTT {rtt} ms "
            "({count} x {size} B, {engine})",
            rtt=num(rtt),
            **values,
        )
    else:
        text = tr(
            "{origin} -> {target}: {received}/{sent} replies, {loss} % loss "
            "({count} x {size} B, {engine})",
            **values,
        )
    return Evidence(observation=p.id, text=text)


def ping_command(ctx: Context, router: str, target: str | None) -> str:
    """The ping test to ask for, in the router's own CLI when the inventory says which."""
    count = int(ctx.thresholds["ping_test_count"])
    size = int(ctx.thresholds["ping_test_size"])
    ip = target or tr("<far WAN address>")
    ios = f"`ping {ip} repeat {count} size {size}`"
    vrp = f"`ping -c {count} -s {size - 28} {ip}`"  # VRP -s is the ICMP payload
    # The path carries the vendor only in the element's label ("x (router, cisco 2901)").
    label = ctx.element(router).label.lower() if router in _path_ids(ctx) else ""
    if "huawei" in label:
        return vrp
    if "cisco" in label:
        return ios
    return tr("{ios} (Huawei VRP: {vrp})", ios=ios, vrp=vrp)


def ping_test_step(ctx: Context) -> str:
    return ctx.shaped(("tests.ping_test_step", lang()), lambda: _ping_test_step(ctx))


def _ping_test_step(ctx: Context) -> str:
    a, b = ctx.path.end("a"), ctx.path.end("b")
    ra, rb = wan_element(ctx, "a"), wan_element(ctx, "b")
    return tr(
        "With the customer's consent, bypass both LANs and ping WAN to WAN: on {ra} {cmd_a}, "
        "then on {rb} {cmd_b} ({count} probes of {size} bytes); give the customer the loss % "
        "and latency (article 3.3(3): the result customers accept).",
        ra=ra,
        cmd_a=ping_command(ctx, ra, b.wan_ip),
        rb=rb,
        cmd_b=ping_command(ctx, rb, a.wan_ip),
        count=int(ctx.thresholds["ping_test_count"]),
        size=int(ctx.thresholds["ping_test_size"]),
    )


def ber_test_step(ctx: Context, x: str, y: str, kind: Literal["E1", "V.35"] = "E1") -> str:
    return ctx.shaped(
        ("tests.ber_test_step", x, y, kind, lang()), lambda: _ber_test_step(ctx, x, y, kind)
    )


def _ber_test_step(ctx: Context, x: str, y: str, kind: Literal["E1", "V.35"]) -> str:
    minutes, pattern = int(ctx.thresholds["ber_test_min"]), ber_pattern(kind)
    if kind == "E1":
        return tr(
            "E1 channel test with a BER tester from {x} to {y}, at the E1 ports, looped back at "
            "the far end ({minutes} min, {pattern}); report it as test.e1.ber.",
            x=x,
            y=y,
            minutes=minutes,
            pattern=pattern,
        )
    return tr(
        "V.35 channel test with a BER tester from {x} to {y}, at the V.35 ports, looped back at "
        "the far end ({minutes} min, {pattern}); report it as test.v35.ber.",
        x=x,
        y=y,
        minutes=minutes,
        pattern=pattern,
    )


def ddf_test_step(ctx: Context, why: str = "") -> list[str]:
    """The online test as a next step, unless its result is already in."""
    if any(k in ctx.answers for k in ("test.ddf.ais_from", "test.ddf.errors_from")):
        return []
    return [
        tr(
            "Online test at a DDF on the path (high-impedance bridging, no interruption of "
            "service): report which end the AIS and the errors come from (test.ddf.ais_from, "
            "test.ddf.errors_from, test.ddf.at).{why}",
            why=why,
        )
    ]


def channel_clean(ctx: Context) -> bool | None:
    """True when every channel BER test reported (E1, V.35) is below `ber_errors`, False when one
    shows errors, None when none was reported.  The hard cases (section 4) start from this."""
    readings = [
        v for k in ("test.e1.ber", "test.v35.ber") if (v := ctx.answer_float(k)) is not None
    ]
    if not readings:
        return None
    return all(v < ctx.thresholds["ber_errors"] for v in readings)


def _path_ids(ctx: Context) -> set[str]:
    return {e.id for e in ctx.path.elements}


def num(x: float) -> str:
    """A measured value for people: 33.3, not 33.3333."""
    return f"{x:.3g}" if abs(x) < 1000 else f"{x:.0f}"


def _span_text(ctx: Context, seg: Segment) -> str:
    """`x … y` and, when the span has links, what they are: 'x … y, over fiber; E1 cable'."""
    _, links = ctx.path.span(seg)
    if not links:
        return f"{seg.from_} … {seg.to}"
    return tr(
        "{x} … {y}, over {links}",
        x=seg.from_,
        y=seg.to,
        links=clauses(lk.label for lk in links),
    )
