"""The terminal lines of `diag lan-capture`: what was counted, in the reader's language."""

from __future__ import annotations

from diag.i18n import tr
from diag.model.observations import LanCaptureObservation


def summary(obs: LanCaptureObservation) -> str:
    """A few lines: totals and rates, ARP, top talkers, scans, the router's share, gaps."""
    lines = [
        tr(
            "{iface}: {packets} frames, {bytes} bytes in {secs:g} s ({pps:g}/s)",
            iface=obs.interface,
            packets=obs.packets,
            bytes=obs.bytes,
            secs=obs.seconds,
            pps=obs.pps,
        ),
        tr(
            "  broadcast {b:g}/s, multicast {m:g}/s, ARP {arp:g}/s ({req} requests, "
            "{rep} replies, {grat} gratuitous)",
            b=obs.broadcast_pps,
            m=obs.multicast_pps,
            arp=obs.arp_pps,
            req=obs.arp_requests,
            rep=obs.arp_replies,
            grat=obs.arp_gratuitous,
        ),
    ]
    if obs.top_talkers:
        lines.append(tr("  top talkers:"))
    for t in obs.top_talkers[:5]:
        lines.append(
            tr(
                "    {mac} {ip}: {pps:g}/s, {share:g} % of the frames",
                mac=t.mac,
                ip=t.ip or "-",
                pps=t.pps,
                share=t.share_pct,
            )
        )
    for sc in obs.scans:
        if sc.pattern == "host_scan":
            lines.append(
                tr(
                    "  host scan: {mac} ({ip}) probed {n} hosts in {secs:g} s",
                    mac=sc.source_mac,
                    ip=sc.source_ip or "?",
                    n=sc.distinct,
                    secs=sc.window_s,
                )
            )
        else:
            lines.append(
                tr(
                    "  port scan: {mac} ({ip}) probed {n} ports of {target} in {secs:g} s",
                    mac=sc.source_mac,
                    ip=sc.source_ip or "?",
                    n=sc.distinct,
                    target=sc.target_ip or "?",
                    secs=sc.window_s,
                )
            )
    if obs.to_router_pps is not None:
        lines.append(
            tr(
                "  to the router {router}: {pps:g}/s, {share:g} % of the frames, {bshare:g} % "
                "of the bytes",
                router=obs.router_lan,
                pps=obs.to_router_pps,
                share=obs.to_router_share_pct,
                bshare=obs.to_router_bytes_share_pct,
            )
        )
    if obs.kernel_drops:
        lines.append(tr("  {n} frames dropped by the kernel (not counted)", n=obs.kernel_drops))
    for gap in obs.unmeasured:
        lines.append(tr("  not measured: {what}", what=gap))
    return "\n".join(lines)
