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

from collections.abc import Iterable
from typing import Literal

from diag.analyzers.context import Context
from diag.analyzers.registry import finding, rule
from diag.model.findings import Evidence, Finding
from diag.model.inventory import Interface
from diag.model.observations import (
    CrcGrowthObservation,
    E1ControllerObservation,
    PingObservation,
)
from diag.model.path import Segment

Side = Literal["a", "b"]
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
    "E1": "2048 kbit/s HDB3, PRBS 2^15-1 (ITU-T O.150)",
    "V.35": "PRBS 2^15-1 at the line rate (ITU-T O.150)",
}


# --------------------------------------------------------------------------- helpers (shared)


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


def router_side(ctx: Context, device: str) -> Side | None:
    return next((s for s in SIDES if ctx.path.end(s).router == device), None)


def wan_ip_side(ctx: Context, ip: str) -> Side | None:
    return next((s for s in SIDES if ctx.path.end(s).wan_ip == ip), None)


def has_e1_router(ctx: Context) -> bool:
    return any(
        ctx.path.end(s).interface in E1_INTERFACES and ctx.path.end(s).router for s in ("a", "b")
    )


def crc_growing(ctx: Context) -> list[tuple[Side, CrcGrowthObservation]]:
    """CRC growth at or above the threshold on this circuit's routers, with the end it is at."""
    out = []
    for g in ctx.of(CrcGrowthObservation):
        side = router_side(ctx, g.device)
        if side and g.per_min is not None and g.per_min >= ctx.thresholds["crc_growth_per_min"]:
            out.append((side, g))
    return out


def crc_evidence(g: CrcGrowthObservation) -> Evidence:
    return Evidence(
        observation=g.id,
        text=(
            f"{g.device} {g.interface}: CRC {g.first} -> {g.second} in {num(g.interval_s)} s "
            f"({num(g.per_min or 0)}/min, {g.counter_source})"
        ),
    )


def controllers(ctx: Context) -> list[tuple[Side, E1ControllerObservation]]:
    out = []
    for c in ctx.of(E1ControllerObservation):
        side = router_side(ctx, c.device)
        if side:
            out.append((side, c))
    return out


def _alarms(c: E1ControllerObservation) -> set[str]:
    return {a.upper() for a in c.alarms}


def errored(ctx: Context, c: E1ControllerObservation) -> bool:
    ses, es = c.severely_err_secs or 0, c.errored_secs or 0
    return ses >= ctx.thresholds["ses_per_interval"] or es >= ctx.thresholds["es_per_interval"]


def controller_troubled(ctx: Context) -> list[tuple[Side, E1ControllerObservation]]:
    """Controllers with a line alarm or errored seconds over the thresholds."""
    return [
        (s, c)
        for s, c in controllers(ctx)
        if _alarms(c) & {"LOS", "LOF", "AIS", "RAI"} or errored(ctx, c)
    ]


def controller_evidence(c: E1ControllerObservation) -> Evidence:
    alarms = ", ".join(c.alarms) if c.alarms else "no alarm"
    counts = [
        f"{name} {v}"
        for name, v in (
            ("ES", c.errored_secs),
            ("SES", c.severely_err_secs),
            ("UAS", c.unavail_secs),
            ("PCV", c.path_code_violations),
            ("slip secs", c.slip_secs),
        )
        if v
    ]
    during = f" in the current interval ({c.interval_s} s)" if c.interval_s is not None else ""
    tail = f"; {', '.join(counts)}{during}" if counts else "; error counters at 0"
    return Evidence(
        observation=c.id,
        text=f"{c.device} {c.controller} ({c.source}): status {c.status or '?'}, {alarms}{tail}",
    )


def relevant_pings(ctx: Context) -> list[tuple[PingObservation, Side]]:
    """Pings towards this circuit's WAN addresses, with the end whose WAN was pinged."""
    out = []
    for p in ctx.of(PingObservation):
        target = wan_ip_side(ctx, p.target)
        if target is None:
            continue
        if p.origin_kind == "router" and router_side(ctx, p.origin) == target:
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
    lat = f", mean RTT {num(rtt)} ms" if rtt is not None else ""
    return Evidence(
        observation=p.id,
        text=(
            f"{p.origin} -> {p.target}: {p.received}/{p.sent} replies, {num(p.loss_pct)} % loss"
            f"{lat} ({p.count} x {p.size} B, {p.engine})"
        ),
    )


def ping_command(ctx: Context, router: str, target: str | None) -> str:
    """The ping test to ask for, in the router's own CLI when the inventory says which."""
    count = int(ctx.thresholds["ping_test_count"])
    size = int(ctx.thresholds["ping_test_size"])
    ip = target or "<far WAN address>"
    ios = f"`ping {ip} repeat {count} size {size}`"
    vrp = f"`ping -c {count} -s {size - 28} {ip}`"  # VRP -s is the ICMP payload
    # The path carries the vendor only in the element's label ("x (router, cisco 2901)").
    label = ctx.element(router).label.lower() if router in _path_ids(ctx) else ""
    if "huawei" in label:
        return vrp
    if "cisco" in label:
        return ios
    return f"{ios} (Huawei VRP: {vrp})"


def ping_test_step(ctx: Context) -> str:
    a, b = ctx.path.end("a"), ctx.path.end("b")
    ra, rb = wan_element(ctx, "a"), wan_element(ctx, "b")
    return (
        f"With the customer's consent, bypass both LANs and ping WAN to WAN: on {ra} "
        f"{ping_command(ctx, ra, b.wan_ip)}, then on {rb} {ping_command(ctx, rb, a.wan_ip)} "
        f"({int(ctx.thresholds['ping_test_count'])} probes of "
        f"{int(ctx.thresholds['ping_test_size'])} bytes); give the customer the loss % and "
        "latency (article 3.3(3): the result customers accept)."
    )


def ber_test_step(ctx: Context, x: str, y: str, kind: Literal["E1", "V.35"] = "E1") -> str:
    key = "test.e1.ber" if kind == "E1" else "test.v35.ber"
    port = "the E1 ports" if kind == "E1" else "the V.35 ports"
    return (
        f"{kind} channel test with a BER tester from {x} to {y}, at {port}, looped back at the "
        f"far end ({int(ctx.thresholds['ber_test_min'])} min, {BER_PATTERN[kind]}); report it as "
        f"{key}."
    )


def ddf_test_step(ctx: Context, why: str = "") -> list[str]:
    """The online test as a next step, unless its result is already in."""
    if any(k in ctx.answers for k in ("test.ddf.ais_from", "test.ddf.errors_from")):
        return []
    return [
        "Online test at a DDF on the path (high-impedance bridging, no interruption of service): "
        "report which end the AIS and the errors come from (test.ddf.ais_from, "
        f"test.ddf.errors_from, test.ddf.at).{why}"
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
    over = f", over {'; '.join(lk.label for lk in links)}" if links else ""
    return f"{seg.from_} … {seg.to}{over}"


# --------------------------------------------------------------------------- 3.3(3) ping tests


@rule(
    "ping-wan-to-wan",
    ("3.3",),
    "3.3",
    "ping WAN to far WAN (router or this host): loss / latency over the line, or the line passed",
    ("ping",),
)
def ping_wan_to_wan(ctx: Context) -> list[Finding]:
    pings = relevant_pings(ctx)
    if not pings:
        return []
    t = ctx.thresholds
    seg = ctx.seg(wan_element(ctx, "a"), wan_element(ctx, "b"))
    from_routers = [(p, s) for p, s in pings if p.origin_kind == "router"]
    from_host = [(p, s) for p, s in pings if p.origin_kind == "host"]
    crc = crc_growing(ctx)
    ctl = controller_troubled(ctx)
    support = [crc_evidence(g) for _, g in crc] + [controller_evidence(c) for _, c in ctl]
    clean = channel_clean(ctx)
    if clean is False:  # the channel test found errors: that too says the line is not clean
        support += [
            ctx.cite(k)
            for k in ("test.e1.ber", "test.v35.ber")
            if (v := ctx.answer_float(k)) is not None and v >= t["ber_errors"]
        ]

    if not from_routers:
        # Only this host's pings: they test this host's reach to each WAN address, not the line
        # between them (management reachability, never a line fault).
        return [_host_reach(ctx, [p for p, _ in from_host])]
    bad = [p for p, _ in from_routers if ping_bad(ctx, p)]
    if not bad:
        return [_ping_passed(ctx, [p for p, _ in from_routers], support)]

    worst = max(p.loss_pct for p in bad)
    rtts = [r for p in bad if (r := rtt_of(p)) is not None]
    short, detail = [], []
    if worst > t["loss_pct"]:
        if worst >= 100:
            short.append("no reply at all")
            detail.append("no reply at all: the line carries no traffic")
        else:
            heavy = "heavy " if worst >= t["loss_severe_pct"] else ""
            short.append(f"{heavy}loss up to {num(worst)} %")
            detail.append(
                f"{heavy}loss up to {num(worst)} % (loss_pct {t['loss_pct']:g} %"
                + (f", loss_severe_pct {t['loss_severe_pct']:g} %)" if heavy else ")")
            )
    if rtts and max(rtts) > t["latency_ms"]:
        short.append(f"mean RTT up to {num(max(rtts))} ms")
        detail.append(f"mean RTT up to {num(max(rtts))} ms (latency_ms {t['latency_ms']:g} ms)")
    if support:
        # Corroborated, yet a WAN-to-WAN ping cannot say where on the line: stays below 0.7.
        conf = CONF_PING_CORROBORATED
        why = "corroborated by the routers' counters or the channel test (cited)"
    else:
        conf = CONF_PING
        why = "nothing else yet says where on the line"
    if clean:
        why += (
            "; the channel BER test is clean, so the loss arises at one of the ends (router, "
            "converter, E1 cable), see step 3.4"
        )
    dead = all(p.received == 0 for p in bad)
    steps = [] if dead else [ping_test_step(ctx)]
    if clean is None:
        steps.append(
            ber_test_step(ctx, ctx.path.end("a").cpe, ctx.path.end("b").cpe)
            + " It tells the carrier channel from the ends."
        )
    if worst >= t["loss_severe_pct"]:
        steps += ddf_test_step(ctx)
    if dead:
        steps.append(
            "After the repair, confirm it the way customers accept: " + ping_test_step(ctx)
        )
    return [
        finding(
            rule="ping-wan-to-wan",
            procedure="3.3",
            title=f"Ping across the line fails the test: {', '.join(short)}",
            segment=seg,
            owner=ctx.path.owner_of(seg),
            confidence=conf,
            cause=(
                f"Pings between the two WAN ports ({seg.from_} … {seg.to}) show "
                f"{'; '.join(detail)}; {why}"
            ),
            evidence=[ping_evidence(p) for p in bad] + support,
            next_steps=steps,
        )
    ]


def _host_reach(ctx: Context, pings: list[PingObservation]) -> Finding:
    """This host's pings to the WAN addresses: whether it reaches them, never the line."""
    bad = [p for p in pings if ping_bad(ctx, p)]
    if not bad:
        return finding(
            rule="ping-wan-to-wan",
            procedure="3.3",
            kind="info",
            title="This host reaches the WAN addresses; the line itself is not tested by that",
            segment=None,
            owner="unknown",
            confidence=0.9,
            cause=(
                "pings from this host to the WAN addresses are answered within the thresholds: "
                "the routers are up, but this host's packets need not cross the line between them"
            ),
            evidence=[ping_evidence(p) for p in pings],
            next_steps=[ping_test_step(ctx)],
        )
    return finding(
        rule="ping-wan-to-wan",
        procedure="3.3",
        kind="unreachable",
        title="This host does not reach "
        + ", ".join(sorted({p.target for p in bad}))
        + ": management reachability, not a line test",
        segment=None,
        owner="unknown",
        confidence=0.9,
        cause=(
            "this host's pings to "
            + ", ".join(f"{p.target} ({num(p.loss_pct)} % loss)" for p in bad)
            + " fail; that says this host cannot reach them (its route, a firewall, the "
            "router's ACL, or the router itself), not that the line between the ends is down"
        ),
        evidence=[ping_evidence(p) for p in bad],
        next_steps=[
            "Ping from a router's WAN port to the far WAN address instead: that crosses the "
            "line (" + ping_test_step(ctx) + ")",
        ],
    )


def _ping_passed(
    ctx: Context, pings: Iterable[PingObservation], support: list[Evidence]
) -> Finding:
    pings = list(pings)
    worst = max(p.loss_pct for p in pings)
    rtts = [r for p in pings if (r := rtt_of(p)) is not None]
    lat = f", mean RTT up to {num(max(rtts))} ms" if rtts else ""
    if support:
        return finding(
            rule="ping-wan-to-wan",
            procedure="3.3",
            kind="info",
            title="Ping across the line is clean, but the routers or the channel test see errors",
            segment=None,
            owner="unknown",
            confidence=0.9,
            cause=(
                f"WAN-to-WAN pings lose {num(worst)} %{lat}, within the thresholds, while the "
                "routers' counters or the channel test show errors (cited): the line is not "
                "proven clean, the fault is intermittent"
            ),
            evidence=[ping_evidence(p) for p in pings] + support,
            next_steps=[ping_test_step(ctx)],
        )
    return finding(
        rule="ping-wan-to-wan",
        procedure="3.3",
        kind="info",
        title="Ping test passed: the line carries traffic cleanly",
        segment=None,
        owner="unknown",
        confidence=0.9,
        cause=(
            f"WAN-to-WAN pings lose {num(worst)} %{lat} (thresholds: loss "
            f"{ctx.thresholds['loss_pct']:g} %, latency {ctx.thresholds['latency_ms']:g} ms), "
            "with no CRC growth and no E1 controller alarm: the line passed; customers accept "
            "this result (article 3.3(3))"
        ),
        evidence=[ping_evidence(p) for p in pings],
        next_steps=[
            "Give the customer the loss % and latency as the line's test result; if their "
            "application still fails, help them look inside their LAN (case 4.2)."
        ],
    )


@rule(
    "ping-laptop-bypass",
    ("3.3",),
    "3.3",
    "laptop-to-laptop ping bypassing the customer routers: loss / latency on the operator's part",
    ("test.laptop_ping.loss_pct", "test.laptop_ping.rtt_ms"),
    # laptops plug into Ethernet ports: both ends must present Ethernet (R-HC-2a's condition)
    applies=lambda ctx: all(ctx.path.end(s).interface == Interface.ethernet for s in ("a", "b")),
)
def ping_laptop_bypass(ctx: Context) -> list[Finding]:
    t = ctx.thresholds
    loss = ctx.answer_float("test.laptop_ping.loss_pct")
    rtt = ctx.answer_float("test.laptop_ping.rtt_ms")
    evidence = [
        ctx.cite(k)
        for k in ("test.laptop_ping.loss_pct", "test.laptop_ping.rtt_ms")
        if k in ctx.answers
    ]
    # The laptops take the routers' place: what lies between them is the operator's part.
    x, y = (
        towards_line(ctx, s, e) if ctx.path.end(s).router else e
        for s, e in (("a", wan_element(ctx, "a")), ("b", wan_element(ctx, "b")))
    )
    seg = ctx.seg(x, y)
    lossy = loss is not None and loss > t["loss_pct"]
    slow = rtt is not None and rtt > t["latency_ms"]
    if not (lossy or slow):
        return [
            finding(
                rule="ping-laptop-bypass",
                procedure="3.3",
                kind="info",
                title="Laptop ping bypassing the customer routers passed",
                segment=None,
                owner="unknown",
                confidence=0.9,
                cause=(
                    f"Laptops at both ends, in the routers' place, ping with "
                    f"{loss if loss is not None else '?'} % loss"
                    f"{f', {rtt:g} ms' if rtt is not None else ''}: the operator's part "
                    f"{seg.from_} … {seg.to} carries traffic cleanly (customers accept this)"
                ),
                evidence=evidence,
                next_steps=[
                    "Give the customer the result; the fault lies in their routers or LAN "
                    "(case 4.2: isolate the LAN, check the router CPU)."
                ],
            )
        ]
    what = []
    if loss is not None and lossy:
        what.append(f"{num(loss)} % loss (loss_pct {t['loss_pct']:g} %)")
    if rtt is not None and slow:
        what.append(f"{num(rtt)} ms mean RTT (latency_ms {t['latency_ms']:g} ms)")
    return [
        finding(
            rule="ping-laptop-bypass",
            procedure="3.3",
            title=f"Laptop ping bypassing the customer routers fails: {'; '.join(what)}",
            segment=seg,
            owner=ctx.path.owner_of(seg),
            confidence=CONF_LAPTOP,
            cause=(
                f"With laptops in place of the customer routers the line shows "
                f"{'; '.join(what)}: the loss is in {_span_text(ctx, seg)}, not in the "
                "customer's equipment"
            ),
            evidence=evidence,
            next_steps=[
                ber_test_step(ctx, ctx.path.end("a").cpe, ctx.path.end("b").cpe)
                + " It tells the channel from the converters.",
                *ddf_test_step(ctx),
            ],
        )
    ]


# --------------------------------------------------------------------------- 3.3(1)(2) BER


def _ber_rule(
    ctx: Context, rid: str, key: str, kind: Literal["E1", "V.35"], interface: tuple[Interface, ...]
) -> list[Finding]:
    ber = ctx.answer_float(key)
    if ber is None:
        return []
    t = ctx.thresholds
    x, y = channel_edge(ctx, "a", interface), channel_edge(ctx, "b", interface)
    seg = ctx.seg(x, y)
    if ber < t["ber_errors"]:
        return [
            finding(
                rule=rid,
                procedure="3.3",
                kind="info",
                title=f"{kind} channel test clean: the carrier channel is excluded",
                segment=None,
                owner="unknown",
                confidence=0.9,
                cause=(
                    f"{kind} channel BER {ber:g} is below {t.source('ber_errors')}: the channel "
                    f"{seg.from_} … {seg.to} is excluded; customers rarely accept a BER result, "
                    "so confirm with a ping test (3.3(3))"
                ),
                evidence=[ctx.cite(key)],
                next_steps=[ping_test_step(ctx)],
            )
        ]
    severe = ber >= t["ber_exc"]
    level = (
        f"excessive (signal fail, {t.source('ber_exc')})"
        if severe
        else f"at or above {t.source('ber_errors')}"
    )
    stations = [e.id for e in ctx.path.span(seg)[0] if e.end == "transport"]
    split = (
        f"Split the channel: loop back at the DDF of {stations[len(stations) // 2]} and test "
        f"each half from its end ({int(t['ber_test_min'])} min each, {BER_PATTERN[kind]})."
        if stations
        else f"Test each E1 cable between {x} and {y} on its own."
    )
    return [
        finding(
            rule=rid,
            procedure="3.3",
            title=f"{kind} channel test shows bit errors (BER {ber:g})",
            segment=seg,
            owner=ctx.path.owner_of(seg),
            confidence=CONF_BER_ERRORS,
            cause=(
                f"The {kind} channel BER {ber:g} is {level}: the fault is in the carrier "
                f"channel {_span_text(ctx, seg)}"
            ),
            evidence=[ctx.cite(key)],
            next_steps=[
                *ddf_test_step(ctx, " It tells which end to dispatch to first (R-TEST-4)."),
                split,
                f"Measure the received optical power at {ctx.path.end('a').cpe} and "
                f"{ctx.path.end('b').cpe}: power above the overload point gives bit errors with "
                "no other alarm (R-OPT-2); add an attenuator if so.",
            ],
        )
    ]


@rule(
    "e1-channel-ber",
    ("3.3",),
    "3.3",
    "E1 channel BER test: errors localise to the carrier channel, clean excludes it",
    ("test.e1.ber",),
)
def e1_channel_ber(ctx: Context) -> list[Finding]:
    return _ber_rule(ctx, "e1-channel-ber", "test.e1.ber", "E1", E1_INTERFACES)


@rule(
    "v35-channel-ber",
    ("3.3",),
    "3.3",
    "V.35 channel BER test: errors localise to the channel between the V.35 ports",
    ("test.v35.ber",),
    applies=lambda ctx: any(ctx.path.end(s).interface in V35_INTERFACES for s in ("a", "b")),
)
def v35_channel_ber(ctx: Context) -> list[Finding]:
    return _ber_rule(ctx, "v35-channel-ber", "test.v35.ber", "V.35", V35_INTERFACES)


# --------------------------------------------------------------------------- 3.3(4) R-TEST-4


def ddf_station(ctx: Context) -> str | None:
    """The element the online test was bridged at (device id or NE name, any case)."""
    at = (ctx.answer("test.ddf.at") or "").strip().lower()
    if not at:
        return None
    for e in ctx.path.elements:
        if e.kind != "lan" and at in (e.id.lower(), (e.ne_name or "").lower()):
            return e.id
    return None


@rule(
    "ddf-online-direction",
    ("R-TEST-4",),
    "3.3",
    "online DDF test: AIS / errors from one end -> dispatch to that end first",
    ("test.ddf.ais_from", "test.ddf.errors_from"),
)
def ddf_online_direction(ctx: Context) -> list[Finding]:
    seen = {
        what: v
        for what, key in (("AIS", "test.ddf.ais_from"), ("bit errors", "test.ddf.errors_from"))
        if (v := ctx.answer(key)) in ("a", "b")
    }
    keys = [
        k for k in ("test.ddf.ais_from", "test.ddf.errors_from", "test.ddf.at") if k in ctx.answers
    ]
    evidence = [ctx.cite(k) for k in keys]
    station = ddf_station(ctx)
    if not seen:
        return [
            finding(
                rule="ddf-online-direction",
                procedure="R-TEST-4",
                kind="info",
                title="Online DDF test: no AIS and no errors from either end",
                segment=None,
                owner="unknown",
                confidence=0.8,
                cause=(
                    f"The bridged test at {station or 'the DDF'} saw neither AIS nor bit errors "
                    "coming from either end while it ran"
                ),
                evidence=evidence,
                next_steps=[
                    "For an intermittent fault leave the bridged tester on for 24 h (M.2100 "
                    "in-service test) and report again."
                ],
            )
        ]
    conflict = len(set(seen.values())) > 1
    out = []
    for side in sorted(set(seen.values())):
        what = " and ".join(w for w, v in seen.items() if v == side)
        end, far = ctx.path.end(side), ctx.path.end(other(side))
        if station is not None:
            seg, conf = ctx.seg(end.cpe, station), CONF_DDF
        else:
            # Not told where the DDF is: as far as the last station before the far end's CPE.
            far_i = ctx.path.index(far.cpe) + (-1 if side == "a" else 1)
            last = ctx.path.elements[far_i].id
            seg, conf = ctx.seg(end.cpe, last), CONF_DDF_NO_STATION
        if conflict:
            conf = CONF_DDF_CONFLICT
        flow = flow_from(side)
        arrow = "A→B" if flow == "a-to-b" else "B→A"
        ddf = station or "the DDF"
        cause = (
            f"The online test at {ddf} sees {what} coming from the {side.upper()} end "
            f"({end.site}, {arrow}): the fault lies between {end.cpe} and the DDF, "
            f"{_span_text(ctx, seg)}. AIS is inserted by carrier equipment that lost its input; "
            f"had the customer's E1 into {end.cpe} failed, its tributary port would show LOS "
            "in the NMS (step 3.1)"
        )
        if conflict:
            cause += "; the other end shows the other symptom: two problems, or a misread test"
        steps = [
            f"Dispatch to {end.site} first ({end.cpe}) with a BER tester and spare E1 cables / "
            f"DDF jumpers: loop {end.cpe}'s E1 line side back towards the network and test from "
            f"the DDF at {ddf} ({int(ctx.thresholds['ber_test_min'])} min, {BER_PATTERN['E1']}); "
            f"errors or AIS on the loop put the fault between the DDF and {end.cpe}, a clean "
            "loop puts it in the DDF's own jumpers and the station port.",
            f"Before leaving, read {end.cpe}'s tributary and line alarms in the NMS: LOS on its "
            f"tributary puts the fault in the customer's E1 into it ({wan_element(ctx, side)}).",
        ]
        if station is None:
            told = ctx.answer("test.ddf.at")
            unknown = f" ({told!r} is not on this circuit's path)" if told else ""
            steps.append(f"Report at which station the test was bridged (test.ddf.at){unknown}.")
        out.append(
            finding(
                rule="ddf-online-direction",
                procedure="R-TEST-4",
                title=f"Online DDF test: {what} from the {side.upper()} end; dispatch to "
                f"{end.site} first",
                direction=flow,
                segment=seg,
                owner=ctx.path.owner_of(seg),
                confidence=conf,
                cause=cause,
                evidence=evidence,
                next_steps=steps,
            )
        )
    return out


# --------------------------------------------------------------------------- router E1 controllers


def _applies_e1(ctx: Context) -> bool:
    return has_e1_router(ctx)


@rule(
    "e1-controller-los",
    ("3.3",),
    "3.3",
    "LOS at a router's E1 controller: the span from its CPE to the router is silent",
    ("e1_controller",),
    applies=_applies_e1,
)
def e1_controller_los(ctx: Context) -> list[Finding]:
    # G.775 LOS = no transitions.  Equipment upstream that loses its own input sends AIS
    # (G.806 consequent action), never silence; so a silent receiver means the last span before
    # it: the CPE's tributary output (or the CPE itself, unpowered), the converter if any, the E1
    # cable / DDF jumper, or the router's own receive port.
    out = []
    for side, c in controllers(ctx):
        if "LOS" not in _alarms(c):
            continue
        end = ctx.path.end(side)
        seg = ctx.seg(end.cpe, c.device)
        out.append(
            finding(
                rule="e1-controller-los",
                procedure="3.3",
                title=f"LOS at {c.device} {c.controller}: no signal from {end.cpe}",
                direction="b-to-a" if side == "a" else "a-to-b",
                segment=seg,
                owner=ctx.path.owner_of(seg),
                confidence=CONF_LOS,
                cause=(
                    f"{c.device}'s E1 receiver sees no signal at all (LOS); upstream failures "
                    f"arrive as AIS, not silence, so the break is in {_span_text(ctx, seg)}"
                ),
                evidence=[controller_evidence(c)],
                next_steps=[
                    f"At {end.site}: check {end.cpe}'s power and E1 tributary lamps; in the NMS, "
                    f"its tributary port alarms (step 3.1).",
                    f"Plug a hard loop on {c.device}'s E1 port ({end.wan_interface}): if the "
                    "controller stays in LOS the router port is faulty; otherwise replace the "
                    f"E1 cable and DDF jumper between {end.cpe} and {c.device} (same impedance "
                    f"as configured, {end.interface.value}).",
                ],
            )
        )
    return out


@rule(
    "e1-controller-ais",
    ("3.3",),
    "3.3",
    "AIS at a router's E1 controller: the fault is upstream of its CPE",
    ("e1_controller",),
    applies=_applies_e1,
)
def e1_controller_ais(ctx: Context) -> list[Finding]:
    # AIS (all ones) is what the equipment upstream inserts after losing its own input: the E1
    # reaches the router intact but already replaced by AIS, so the break is before (or inside)
    # this end's CPE, on the direction towards us.  Step 3.1's E1_AIS alarms pin the station;
    # the router alone bounds only the whole span, hence a suspicion.
    out = []
    for side, c in controllers(ctx):
        alarms = _alarms(c)
        if "AIS" not in alarms or "LOS" in alarms:
            continue
        end = ctx.path.end(side)
        far = other(side)
        seg = ctx.seg(wan_element(ctx, far), end.cpe)
        out.append(
            finding(
                rule="e1-controller-ais",
                procedure="3.3",
                title=f"AIS at {c.device} {c.controller}: broken upstream of {end.cpe}",
                direction=flow_from(far),
                segment=seg,
                owner=ctx.path.owner_of(seg),
                confidence=CONF_AIS,
                cause=(
                    f"{c.device} receives AIS: equipment upstream lost its input and inserted "
                    f"it, so the E1 towards {end.site} is broken between "
                    f"{wan_element(ctx, far)} and {end.cpe} (consistent with step 3.1's E1_AIS)"
                ),
                evidence=[controller_evidence(c)],
                next_steps=[
                    f"In the NMS, find the first station from {ctx.path.end(far).cpe} towards "
                    f"{end.cpe} that reports UP/DOWN E1_AIS (step 3.1, R-AIS-1/2).",
                    f"At {ctx.path.end(far).site}: read {wan_element(ctx, far)}'s E1 controller "
                    f"and {ctx.path.end(far).cpe}'s tributary: LOS there is the source.",
                    *ddf_test_step(ctx),
                ],
            )
        )
    return out


@rule(
    "e1-controller-rai",
    ("3.3",),
    "3.3",
    "RAI at a router's E1 controller: the far end does not receive us",
    ("e1_controller",),
    applies=_applies_e1,
)
def e1_controller_rai(ctx: Context) -> list[Finding]:
    # RAI (the A bit of TS0, G.704) is what the far end sends back when it does not receive us
    # (G.806 consequent action): the break is on our transmit direction, anywhere up to the far
    # receiver.  When the far router itself reports LOS/AIS/LOF, that report explains ours.
    by_side = {s: _alarms(c) for s, c in controllers(ctx)}
    out = []
    for side, c in controllers(ctx):
        if "RAI" not in _alarms(c):
            continue
        far = other(side)
        far_alarms = by_side.get(far, set()) & {"LOS", "AIS", "LOF"}
        seg = ctx.seg(wan_element(ctx, side), wan_element(ctx, far))
        if far_alarms:
            out.append(
                finding(
                    rule="e1-controller-rai",
                    procedure="3.3",
                    kind="consequence",
                    title=f"RAI at {c.device} follows from the far end's "
                    f"{'/'.join(sorted(far_alarms))}",
                    direction=flow_from(side),
                    segment=None,
                    owner=ctx.path.owner_of(seg),
                    confidence=0.9,
                    cause=(
                        f"{wan_element(ctx, far)} does not receive {c.device} "
                        f"({'/'.join(sorted(far_alarms))}) and says so with RAI; not a "
                        "separate fault"
                    ),
                    evidence=[controller_evidence(c)],
                )
            )
            continue
        out.append(
            finding(
                rule="e1-controller-rai",
                procedure="3.3",
                title=f"RAI at {c.device} {c.controller}: the far end does not receive us",
                direction=flow_from(side),
                segment=seg,
                owner=ctx.path.owner_of(seg),
                confidence=CONF_RAI,
                cause=(
                    f"{c.device} receives the far end's remote alarm (RAI): the E1 it sends "
                    f"towards {ctx.path.end(far).site} does not arrive, somewhere in "
                    f"{seg.from_} … {seg.to}"
                ),
                evidence=[controller_evidence(c)],
                next_steps=[
                    f"Read {wan_element(ctx, far)}'s E1 controller (LOS/AIS/LOF) and the NMS "
                    "alarms along the path in this direction (step 3.1).",
                    *ddf_test_step(ctx),
                ],
            )
        )
    return out


@rule(
    "e1-controller-errors",
    ("3.3",),
    "3.3",
    "G.826 errored / severely errored seconds at a router's E1 controller",
    ("e1_controller",),
    applies=_applies_e1,
)
def e1_controller_errors(ctx: Context) -> list[Finding]:
    # ES / SES (G.826, DOMAIN.md §2.3) count what the router's receiver saw: errors anywhere on
    # the receive direction, far router to here.  A controller in LOS/AIS counts every second as
    # SES; those are explained by the alarm rules, not reported twice.
    t = ctx.thresholds
    out = []
    for side, c in controllers(ctx):
        if not errored(ctx, c) or _alarms(c) & {"LOS", "AIS"}:
            continue
        far = other(side)
        end = ctx.path.end(side)
        seg = ctx.seg(wan_element(ctx, far), c.device)
        out.append(
            finding(
                rule="e1-controller-errors",
                procedure="3.3",
                title=f"Errored seconds at {c.device} {c.controller}",
                direction=flow_from(far),
                segment=seg,
                owner=ctx.path.owner_of(seg),
                confidence=CONF_ERRORS,
                cause=(
                    f"{c.device} counts {c.errored_secs or 0} ES / {c.severely_err_secs or 0} "
                    f"SES (thresholds {t.source('es_per_interval')}; "
                    f"{t.source('ses_per_interval')}): the E1 arriving at {end.site} carries "
                    f"errors, somewhere in {seg.from_} … {seg.to}"
                ),
                evidence=[controller_evidence(c)],
                next_steps=[
                    ber_test_step(ctx, ctx.path.end("a").cpe, ctx.path.end("b").cpe),
                    *ddf_test_step(ctx, " It tells which end the errors come from."),
                    f"Compare framing, line code and clock on both routers' controllers "
                    f"({c.framing or '?'}/{c.linecode or '?'}, clock {c.clock_source or '?'}): "
                    "slips point at clocking rather than the line.",
                ],
            )
        )
    return out
