"""Step 3.3(3): pings that bypass the customer LAN (router WAN to far WAN, laptop to laptop): loss
and latency, the result customers accept (article 3.3(3)).  This host's pings to the WAN
addresses are management reachability, never a line test.  Shared helpers: rules/tests.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from diag.analyzers.context import Context
from diag.analyzers.registry import by_path, finding, rule
from diag.analyzers.rules.tests import (
    CONF_LAPTOP,
    CONF_PING,
    CONF_PING_CORROBORATED,
    _span_text,
    ber_test_step,
    channel_clean,
    cited,
    clauses,
    controller_evidence,
    controller_troubled,
    crc_evidence,
    crc_growing,
    ddf_test_step,
    listed,
    num,
    ping_bad,
    ping_evidence,
    ping_test_step,
    relevant_pings,
    rtt_of,
    towards_line,
    wan_element,
)
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.inventory import Interface
from diag.model.observations import (
    PingObservation,
)

# --------------------------------------------------------------------------- 3.3(3) ping tests


@rule(
    "ping-wan-to-wan",
    ("3.3",),
    "3.3",
    mark(
        "ping WAN to far WAN (router or this host): loss / latency over the line, or the line "
        "passed"
    ),
    ("ping",),
)
def ping_wan_to_wan(ctx: Context) -> list[Finding]:
    pings = relevant_pings(ctx)
    if not pings:
        return []
    from_routers = [p for p, _ in pings if p.origin_kind == "router"]
    if not from_routers:
        # Only this host's pings: they test this host's reach to each WAN address, not the line
        # between them (management reachability, never a line fault).
        return [_host_reach(ctx, [p for p, _ in pings if p.origin_kind == "host"])]
    t = ctx.thresholds
    seg = ctx.seg(wan_element(ctx, "a"), wan_element(ctx, "b"))
    crc = crc_growing(ctx)
    ctl = controller_troubled(ctx)
    support = [cited(ctx, crc_evidence, g) for _, g in crc] + [
        cited(ctx, controller_evidence, c) for _, c in ctl
    ]
    clean = channel_clean(ctx)
    if clean is False:  # the channel test found errors: that too says the line is not clean
        support += [
            ctx.cite(k)
            for k in ("test.e1.ber", "test.v35.ber")
            if (v := ctx.answer_float(k)) is not None and v >= t["ber_errors"]
        ]

    bad = [p for p in from_routers if ping_bad(ctx, p)]
    if not bad:
        return [_ping_passed(ctx, from_routers, support)]

    worst = max(p.loss_pct for p in bad)
    rtts = [r for p in bad if (r := rtt_of(p)) is not None]
    short, detail = [], []
    if worst > t["loss_pct"]:
        if worst >= 100:
            short.append(tr("no reply at all"))
            detail.append(tr("no reply at all: the line carries no traffic"))
        elif worst >= t["loss_severe_pct"]:
            short.append(tr("heavy loss up to {loss} %", loss=num(worst)))
            detail.append(
                tr(
                    "heavy loss up to {loss} % (loss_pct {loss_pct} %, loss_severe_pct "
                    "{severe_pct} %)",
                    loss=num(worst),
                    loss_pct=f"{t['loss_pct']:g}",
                    severe_pct=f"{t['loss_severe_pct']:g}",
                )
            )
        else:
            short.append(tr("loss up to {loss} %", loss=num(worst)))
            detail.append(
                tr(
                    "loss up to {loss} % (loss_pct {loss_pct} %)",
                    loss=num(worst),
                    loss_pct=f"{t['loss_pct']:g}",
                )
            )
    if rtts and max(rtts) > t["latency_ms"]:
        short.append(tr("mean RTT up to {rtt} ms", rtt=num(max(rtts))))
        detail.append(
            tr(
                "mean RTT up to {rtt} ms (latency_ms {latency} ms)",
                rtt=num(max(rtts)),
                latency=f"{t['latency_ms']:g}",
            )
        )
    if support:
        # Corroborated, yet a WAN-to-WAN ping cannot say where on the line: stays below 0.7.
        conf = CONF_PING_CORROBORATED
        why = tr("corroborated by the routers' counters or the channel test (cited)")
    else:
        conf = CONF_PING
        why = tr("nothing else yet says where on the line")
    if clean:
        why += tr(
            "; the channel BER test is clean, so the loss arises at one of the ends (router, "
            "converter, E1 cable), see step 3.4"
        )
    dead = all(p.received == 0 for p in bad)
    steps = [] if dead else [ping_test_step(ctx)]
    if clean is None:
        steps.append(
            tr(
                "{step} It tells the carrier channel from the ends.",
                step=ber_test_step(ctx, ctx.path.end("a").cpe, ctx.path.end("b").cpe),
            )
        )
    if worst >= t["loss_severe_pct"]:
        steps += ddf_test_step(ctx)
    if dead:
        steps.append(
            tr(
                "After the repair, confirm it the way customers accept: {step}",
                step=ping_test_step(ctx),
            )
        )
    return [
        finding(
            rule="ping-wan-to-wan",
            procedure="3.3",
            title=tr("Ping across the line fails the test: {problems}", problems=listed(short)),
            segment=seg,
            owner=ctx.owner(seg),
            confidence=conf,
            cause=tr(
                "Pings between the two WAN ports ({x} … {y}) show {details}; {why}",
                x=seg.from_,
                y=seg.to,
                details=clauses(detail),
                why=why,
            ),
            evidence=[cited(ctx, ping_evidence, p) for p in bad] + support,
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
            title=tr("This host reaches the WAN addresses; the line itself is not tested by that"),
            segment=None,
            owner="unknown",
            confidence=0.9,
            cause=tr(
                "pings from this host to the WAN addresses are answered within the thresholds: "
                "the routers are up, but this host's packets need not cross the line between them"
            ),
            evidence=[cited(ctx, ping_evidence, p) for p in pings],
            next_steps=[ping_test_step(ctx)],
        )
    return finding(
        rule="ping-wan-to-wan",
        procedure="3.3",
        kind="unreachable",
        title=tr(
            "This host does not reach {targets}: management reachability, not a line test",
            targets=listed(sorted({p.target for p in bad})),
        ),
        segment=None,
        owner="unknown",
        confidence=0.9,
        cause=tr(
            "this host's pings to {targets} fail; that says this host cannot reach them (its "
            "route, a firewall, the router's ACL, or the router itself), not that the line "
            "between the ends is down",
            targets=listed(
                tr("{target} ({loss} % loss)", target=p.target, loss=num(p.loss_pct)) for p in bad
            ),
        ),
        evidence=[cited(ctx, ping_evidence, p) for p in bad],
        next_steps=[
            tr(
                "Ping from a router's WAN port to the far WAN address instead: that crosses the "
                "line ({step})",
                step=ping_test_step(ctx),
            ),
        ],
    )


def _ping_passed(
    ctx: Context, pings: Iterable[PingObservation], support: list[Evidence]
) -> Finding:
    pings = list(pings)
    worst = max(p.loss_pct for p in pings)
    rtts = [r for p in pings if (r := rtt_of(p)) is not None]
    lat = tr(", mean RTT up to {rtt} ms", rtt=num(max(rtts))) if rtts else ""
    if support:
        return finding(
            rule="ping-wan-to-wan",
            procedure="3.3",
            kind="info",
            title=tr(
                "Ping across the line is clean, but the routers or the channel test see errors"
            ),
            segment=None,
            owner="unknown",
            confidence=0.9,
            cause=tr(
                "WAN-to-WAN pings lose {loss} %{rtt}, within the thresholds, while the "
                "routers' counters or the channel test show errors (cited): the line is not "
                "proven clean, the fault is intermittent",
                loss=num(worst),
                rtt=lat,
            ),
            evidence=[cited(ctx, ping_evidence, p) for p in pings] + support,
            next_steps=[ping_test_step(ctx)],
        )
    return finding(
        rule="ping-wan-to-wan",
        procedure="3.3",
        kind="info",
        title=tr("Ping test passed: the line carries traffic cleanly"),
        segment=None,
        owner="unknown",
        confidence=0.9,
        cause=tr(
            "WAN-to-WAN pings lose {loss} %{rtt} (thresholds: loss {loss_pct} %, latency "
            "{latency} ms), with no CRC growth and no E1 controller alarm: the line passed; "
            "customers accept this result (article 3.3(3))",
            loss=num(worst),
            rtt=lat,
            loss_pct=f"{ctx.thresholds['loss_pct']:g}",
            latency=f"{ctx.thresholds['latency_ms']:g}",
        ),
        evidence=[cited(ctx, ping_evidence, p) for p in pings],
        next_steps=[
            tr(
                "Give the customer the loss % and latency as the line's test result; if their "
                "application still fails, help them look inside their LAN (case 4.2)."
            )
        ],
    )


@rule(
    "ping-laptop-bypass",
    ("3.3",),
    "3.3",
    mark(
        "laptop-to-laptop ping bypassing the customer routers: loss / latency on the operator's "
        "part"
    ),
    ("test.laptop_ping.loss_pct", "test.laptop_ping.rtt_ms"),
    # laptops plug into Ethernet ports: both ends must present Ethernet (R-HC-2a's condition)
    applies=by_path(
        lambda ctx: all(ctx.path.end(s).interface == Interface.ethernet for s in ("a", "b"))
    ),
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
                title=tr("Laptop ping bypassing the customer routers passed"),
                segment=None,
                owner="unknown",
                confidence=0.9,
                cause=tr(
                    "Laptops at both ends, in the routers' place, ping with {loss} % loss{rtt}: "
                    "the operator's part {x} … {y} carries traffic cleanly (customers accept "
                    "this)",
                    loss=f"{loss:g}" if loss is not None else "?",
                    rtt=tr(", {rtt} ms", rtt=f"{rtt:g}") if rtt is not None else "",
                    x=seg.from_,
                    y=seg.to,
                ),
                evidence=evidence,
                next_steps=[
                    tr(
                        "Give the customer the result; the fault lies in their routers or LAN "
                        "(case 4.2: isolate the LAN, check the router CPU)."
                    )
                ],
            )
        ]
    what = []
    if loss is not None and lossy:
        what.append(
            tr(
                "{loss} % loss (loss_pct {loss_pct} %)",
                loss=num(loss),
                loss_pct=f"{t['loss_pct']:g}",
            )
        )
    if rtt is not None and slow:
        what.append(
            tr(
                "{rtt} ms mean RTT (latency_ms {latency} ms)",
                rtt=num(rtt),
                latency=f"{t['latency_ms']:g}",
            )
        )
    return [
        finding(
            rule="ping-laptop-bypass",
            procedure="3.3",
            title=tr(
                "Laptop ping bypassing the customer routers fails: {problems}",
                problems=clauses(what),
            ),
            segment=seg,
            owner=ctx.owner(seg),
            confidence=CONF_LAPTOP,
            cause=tr(
                "With laptops in place of the customer routers the line shows {problems}: the "
                "loss is in {span}, not in the customer's equipment",
                problems=clauses(what),
                span=_span_text(ctx, seg),
            ),
            evidence=evidence,
            next_steps=[
                tr(
                    "{step} It tells the channel from the converters.",
                    step=ber_test_step(ctx, ctx.path.end("a").cpe, ctx.path.end("b").cpe),
                ),
                *ddf_test_step(ctx),
            ],
        )
    ]
