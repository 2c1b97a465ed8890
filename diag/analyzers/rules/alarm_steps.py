"""Step 3.1: the words the alarm findings share (directions, ports, the consequences that follow
a root) and the next steps that split a root's span, by the nature of that span."""

from __future__ import annotations

from typing import Literal

from diag.analyzers.correlation import Flow, Root
from diag.analyzers.correlation.placement import LINE_LAYERS
from diag.i18n import tr
from diag.model.path import PathLink


def _arrow(flow: Flow | None) -> str:
    if flow == "a-to-b":
        return "A→B"
    if flow == "b-to-a":
        return "B→A"
    return tr("both directions")


def _at(element: str, port: str | None) -> str:
    """An element, with its port when the alarm names one."""
    return tr("{element} port {port}", element=element, port=port) if port else element


def _follow(root: Root) -> str:
    n = sum(1 for c in root.consequences if c.why != "masked")
    if not n:
        return ""
    if n > 1:
        return tr("; {n} other alarms on the path follow from it (consequences)", n=n)
    return tr("; 1 other alarm on the path follows from it (consequences)")


def _span_nature(root: Root) -> Literal["optical", "electrical", "customer"]:
    up = root.upstream
    if up is not None and (up.owner == "customer" or up.kind in ("router", "lan")):
        return "customer"
    layer = root.lead.layer
    if layer in LINE_LAYERS:
        return "optical"
    if layer in ("E1", "VC12"):
        return "electrical"
    link = root.link
    return (
        "optical" if link is not None and link.kind.value in ("fiber", "sdh-line") else "electrical"
    )


def _budget(link: PathLink | None) -> float | None:
    if link is None or link.launch_power_dbm is None or link.attenuation_db is None:
        return None
    return link.launch_power_dbm - link.attenuation_db


def _span_steps(root: Root, link: PathLink | None) -> list[str]:
    x, w = root.element.id, root.upstream.id if root.upstream else "?"
    port = root.lead.port
    at = _at(x, port)
    nature = _span_nature(root)
    if nature == "customer":
        return [
            tr(
                "The signal from the customer side ({w}) does not reach {at}: ask the customer "
                "whether {w} is powered and its cable to {x} is seated, and what its lamps show "
                "(step 3.2, R-LED-4).",
                w=w,
                at=at,
                x=x,
            ),
            tr(
                "On site, check the signal {w} sends at {x}'s port with a BER tester, and swap the "
                "cable between them.",
                w=w,
                x=x,
            ),
        ]
    if nature == "optical":
        rx = _budget(link)
        return [
            tr(
                "Read {w}'s line port (alarms, launch power) in the NMS; at {at} measure the "
                "received power with an optical power meter (the link budget says about "
                "{rx:g} dBm).",
                w=w,
                at=at,
                rx=rx,
            )
            if rx is not None
            else tr(
                "Read {w}'s line port (alarms, launch power) in the NMS; at {at} measure the "
                "received power with an optical power meter.",
                w=w,
                at=at,
            ),
            tr(
                "If {w} launches but no light reaches {x}: OTDR from {x} towards {w} for the "
                "distance to the break, check the ODF jumpers and connectors at both stations, "
                "and ask about construction or rearranged cables along the route (R-OPT-1).",
                w=w,
                x=x,
            ),
            tr(
                "If {w} launches nothing, its optical board is faulty: bring a spare line board.",
                w=w,
            ),
        ]
    return [
        tr(
            "At the DDF between {w} and {x}, bridge a BER tester in high impedance (online test, "
            "no interruption) on the E1 going into {x}: no signal there means {w}'s output or "
            "the cable from it; a good signal means the jumper into {x} or its port {port}.",
            w=w,
            x=x,
            port=port,
        )
        if port
        else tr(
            "At the DDF between {w} and {x}, bridge a BER tester in high impedance (online test, "
            "no interruption) on the E1 going into {x}: no signal there means {w}'s output or "
            "the cable from it; a good signal means the jumper into {x} or its port.",
            w=w,
            x=x,
        ),
        tr(
            "Bring spare E1 cables, DDF jumpers and a spare tributary board for {w} / {x}.",
            w=w,
            x=x,
        ),
    ]


def _layer_name(layer: str) -> str:
    if layer == "MS":
        return tr("multiplex section")
    if layer == "VC4":
        return tr("VC-4 (AU-4) path")
    if layer == "VC12":
        return tr("VC-12 (TU-12) path")
    return tr("{layer} layer", layer=layer)
