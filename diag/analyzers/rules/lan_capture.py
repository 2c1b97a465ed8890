"""A capture of the customer's LAN (`diag lan-capture`) read against case 4.2 (R-HC-2c) and
R-LED-5: a broadcast storm (what "all switch port lamps blinking in unison" looks like on the
wire), a host or port scan, an ARP flood, or a flood aimed at the router's own LAN address puts
the fault on the customer's LAN segment, with the host to find.  A capture with none of these is
cited as evidence of a normal LAN, never as a fault.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from diag.analyzers.context import Context
from diag.analyzers.registry import by_inputs, finding, rule
from diag.analyzers.rules.hard_case_lan import _suspect_ends
from diag.analyzers.rules.hard_cases import all_signs
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.observations import LanCaptureObservation, LanTalker

RID = "lan-capture-attack"
REFS = "R-HC-2c,R-LED-5"
CONF_ROUTER_FLOOD = 0.8  # the court case's mechanism itself, measured: a host flooding the router
CONF_STORM = 0.75  # R-LED-5's "lamps in unison", measured; the article says "generally"
CONF_SCAN_OR_ARP = 0.6  # an attacking host, but not yet shown to load the router
CONF_ROUTER_SIGNS = 0.1  # the end's router shows case 4.2's CPU / console signs too
CONF_END_UNKNOWN = 0.45  # which end's LAN was captured is not known: one finding per end


@dataclass
class _Signs:
    evidence: list[Evidence] = field(default_factory=list)
    culprits: list[LanTalker | str] = field(default_factory=list)  # talkers, or a bare MAC
    conf: float = 0.0
    router: bool = False  # the router itself is aimed at
    storm: bool = False


def _talker(cap: LanCaptureObservation, mac: str | None) -> LanTalker | str | None:
    if mac is None:
        return None
    return next((t for t in cap.top_talkers if t.mac == mac), mac)


def _signs(ctx: Context, cap: LanCaptureObservation) -> _Signs:
    t = ctx.thresholds
    s = _Signs()

    def add(text: str, conf: float, culprit: LanTalker | str | None) -> None:
        s.evidence.append(Evidence(observation=cap.id, text=text))
        s.conf = max(s.conf, conf)
        if culprit is not None and culprit not in s.culprits:
            s.culprits.append(culprit)

    top = cap.top_talkers[0] if cap.top_talkers else None
    if cap.broadcast_pps >= t["lan_broadcast_storm_pps"]:
        s.storm = True
        src = max(cap.top_talkers, key=lambda x: x.broadcast, default=None)
        add(
            tr(
                "{iface}: broadcast storm, {pps:g} broadcast frames/s over {secs:g} s "
                "(storm from {limit:g}/s)",
                iface=cap.interface,
                pps=cap.broadcast_pps,
                secs=cap.seconds,
                limit=t["lan_broadcast_storm_pps"],
            ),
            CONF_STORM,
            src if src is not None and src.broadcast else None,
        )
    if cap.multicast_pps >= t["lan_multicast_storm_pps"]:
        s.storm = True
        add(
            tr(
                "{iface}: multicast storm, {pps:g} multicast frames/s (storm from {limit:g}/s)",
                iface=cap.interface,
                pps=cap.multicast_pps,
                limit=t["lan_multicast_storm_pps"],
            ),
            CONF_STORM,
            top,
        )
    per = cap.seconds or 1.0
    for talker in cap.top_talkers:
        if talker.arp / per >= t["lan_arp_source_pps"]:
            add(
                tr(
                    "{mac} ({ip}) sends {pps:g} ARP packets/s (a switch's ARP inspection "
                    "err-disables a port above {limit:g}/s)",
                    mac=talker.mac,
                    ip=talker.ip or "?",
                    pps=round(talker.arp / per, 2),
                    limit=t["lan_arp_source_pps"],
                ),
                CONF_SCAN_OR_ARP,
                talker,
            )
    for sc in cap.scans:
        # the capture lists scans from the default thresholds on; an override raises them here
        floor = t["lan_host_scan_hosts" if sc.pattern == "host_scan" else "lan_port_scan_ports"]
        if sc.distinct < floor:
            continue
        if sc.pattern == "host_scan":
            text = tr(
                "{mac} ({ip}) probed {n} hosts in {secs:g} s ({probes} probes): a host scan",
                mac=sc.source_mac,
                ip=sc.source_ip or "?",
                n=sc.distinct,
                secs=sc.window_s,
                probes=sc.probes,
            )
        else:
            text = tr(
                "{mac} ({ip}) probed {n} ports of {target} in {secs:g} s ({probes} probes): "
                "a port scan",
                mac=sc.source_mac,
                ip=sc.source_ip or "?",
                n=sc.distinct,
                target=sc.target_ip or "?",
                secs=sc.window_s,
                probes=sc.probes,
            )
        add(text, CONF_SCAN_OR_ARP, _talker(cap, sc.source_mac))
    if cap.to_router_pps is not None and cap.to_router_pps >= t["lan_router_flood_pps"]:
        s.router = True
        add(
            tr(
                "{pps:g} packets/s aimed at the router's LAN address {router} ({share:g} % of "
                "the packets, {bshare:g} % of the bytes), most from {mac}",
                pps=cap.to_router_pps,
                router=cap.router_lan or "?",
                share=cap.to_router_share_pct or 0.0,
                bshare=cap.to_router_bytes_share_pct or 0.0,
                mac=cap.to_router_top_source or "?",
            ),
            CONF_ROUTER_FLOOD,
            _talker(cap, cap.to_router_top_source),
        )
    if s.evidence and cap.kernel_drops:
        s.evidence.append(
            Evidence(
                observation=cap.id,
                text=tr(
                    "the capture missed {n} frames the kernel dropped: the rates above are at "
                    "least these",
                    n=cap.kernel_drops,
                ),
            )
        )
    return s


def _normal(ctx: Context, cap: LanCaptureObservation) -> Finding:
    t = ctx.thresholds
    router = (
        tr(
            "; {pps:g} packets/s to the router's LAN address {router}",
            pps=cap.to_router_pps,
            router=cap.router_lan,
        )
        if cap.to_router_pps is not None
        else ""
    )
    text = tr(
        "{iface}: {packets} frames in {secs:g} s, broadcast {b:g}/s and multicast {m:g}/s "
        "(storm from {limit:g}/s), ARP {arp:g}/s, no host or port scan{router}",
        iface=cap.interface,
        packets=cap.packets,
        secs=cap.seconds,
        b=cap.broadcast_pps,
        m=cap.multicast_pps,
        limit=t["lan_broadcast_storm_pps"],
        arp=cap.arp_pps,
        router=router,
    )
    return finding(
        rule=RID,
        procedure=REFS,
        kind="info",
        title=tr("LAN capture: a normal LAN"),
        cause=tr(
            "the capture on the customer LAN shows no broadcast storm, scan or flood aimed at "
            "the router: it speaks against a LAN-side attack while it ran (case 4.2)"
        ),
        confidence=1.0,
        evidence=[Evidence(observation=cap.id, text=text)],
    )


def _unmeasured(cap: LanCaptureObservation) -> Finding:
    return finding(
        rule=RID,
        procedure=REFS,
        kind="info",
        title=tr("LAN capture: nothing measured"),
        cause=tr(
            "the capture on {iface} did not run: {error}", iface=cap.interface, error=cap.error
        ),
        confidence=1.0,
        evidence=[Evidence(observation=cap.id, text=cap.error or "")],
    )


def _steps(ctx: Context, side: str, s: _Signs, known: bool) -> list[str]:
    end = ctx.path.end(side)
    router = end.router or tr("the customer router")
    steps = [
        tr(
            "With the customer's consent unplug the LAN from the LAN port of {router} at {site} "
            "(keep the WAN only), watch the switch port lamps and ping the far end again: if the "
            "lamps calm down and the loss stops, the LAN is the cause (case 4.2).",
            router=router,
            site=end.site,
        )
    ]
    for c in s.culprits[:3]:
        mac, ip = (c.mac, c.ip or "?") if isinstance(c, LanTalker) else (c, "?")
        steps.append(
            tr(
                "Find the host {mac} (IP {ip}): the switch's MAC address table names its port "
                "(show mac address-table address {mac} / display mac-address {mac}); disconnect "
                "it, have it cleaned of the virus, and capture again.",
                mac=mac,
                ip=ip,
            )
        )
    if s.storm:
        steps.append(
            tr(
                "A storm with no single source is often a loop: look for a cable plugged into "
                "two ports of the same switch or between two switches, and whether spanning "
                "tree is off."
            )
        )
    steps.append(
        tr(
            "Reconnect the PCs and servers one at a time while watching {router}'s CPU and the "
            "lamps: the host that sends the CPU up (7 % -> 97 % in case 4.2) is the attacker.",
            router=router,
        )
    )
    if not known:
        steps.insert(
            0,
            tr(
                "Say which end's LAN was captured (diag lan-capture --end a|b): the capture "
                "does not tell, so both ends are candidates."
            ),
        )
    return steps


def _applies(ctx: Context) -> bool:
    return ctx.has("lan_capture")


_applies_capture = by_inputs(_applies)


@rule(
    RID,
    ("R-HC-2c", "R-LED-5"),
    "4.2",
    mark("a LAN capture shows a broadcast storm, a scan or a flood aimed at the router: LAN"),
    ("lan_capture",),
    applies=_applies_capture,
)
def lan_capture_attack(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for cap in ctx.of(LanCaptureObservation):
        if not cap.ok:
            out.append(_unmeasured(cap))
            continue
        s = _signs(ctx, cap)
        if not s.evidence:
            out.append(_normal(ctx, cap))
            continue
        ends = _suspect_ends(ctx, cap.end)
        known = len(ends) == 1
        signs = all_signs(ctx)
        for side in ends:
            end = ctx.path.end(side)
            lan = ctx.lan(side)
            seg = ctx.seg(lan, end.router) if s.router and end.router else ctx.seg(lan)
            conf = s.conf
            ev = list(s.evidence)
            if signs[side].congested or signs[side].console is not None:
                conf += CONF_ROUTER_SIGNS  # the router is dragged down as in the court case
                ev += signs[side].evidence()
            if not known:
                conf = min(conf, CONF_END_UNKNOWN)
            what = (
                tr("a flood aimed at the router")
                if s.router
                else tr("a broadcast storm")
                if s.storm
                else tr("an attacking host (scan or ARP flood)")
            )
            out.append(
                finding(
                    rule=RID,
                    procedure=REFS,
                    title=tr("customer LAN at {site}: {what}", site=end.site, what=what),
                    cause=tr(
                        "the capture on the customer LAN at {site} shows {what}: a virus attack "
                        "or storm inside the customer's LAN (R-LED-5) that congests the customer "
                        "router (case 4.2); the line is not the cause (customer-owned)",
                        site=end.site,
                        what=what,
                    ),
                    segment=seg,
                    owner=ctx.owner(seg),
                    confidence=conf,
                    evidence=ev,
                    next_steps=_steps(ctx, side, s, known),
                )
            )
    return out
