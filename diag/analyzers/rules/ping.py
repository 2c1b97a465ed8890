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
    controller_evidence,
    controller_troubled,
    crc_evidence,
    crc_growing,
    ddf_test_step,
    num,
    ping_bad,
    ping_evidence,
    ping_test_step,
    relevant_pings,
    rtt_of,
    towards_line,
    wan_element,
)
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
    "ping WAN to far WAN (router or this host): loss / latency over the line, or the line passed",
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
            owner=ctx.owner(seg),
            confidence=conf,
            cause=(
                f"Pings between the two WAN ports ({seg.from_} … {seg.to}) show "
                f"{'; '.join(detail)}; {why}"
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
            title="This host reaches the WAN addresses; the line itself is not tested by that",
            segment=None,
            owner="unknown",
            confidence=0.9,
            cause=(
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
        evidence=[cited(ctx, ping_evidence, p) for p in bad],
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
            evidence=[cited(ctx, ping_evidence, p) for p in pings] + support,
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
        evidence=[cited(ctx, ping_evidence, p) for p in pings],
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
            owner=ctx.owner(seg),
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
