"""Step 3.2, the port lamps and the customer's router: R-LED-4b (the Ethernet converter's Ethernet
lamp), R-LED-4c (the V.35 converter's TX lamp) and R-LED-5 (the router's run lamp, the switch's
port lamps blinking in unison).  The helpers shared with the other lamp rules live in
rules/customer.py.
"""

from __future__ import annotations

from diag.analyzers.context import SIDES, Context
from diag.analyzers.registry import by_path, rule
from diag.analyzers.rules.customer import (
    BAD_LAMP,
    V35,
    _cites,
    _ends,
    _finding,
    _from_end,
    _router_reached,
    _wan_reading,
    customer_side,
)
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.inventory import Interface

# --------------------------------------------------------------------------- R-LED-4b


def _ethernet_ends(ctx: Context) -> list[str]:
    return _ends(ctx, lambda e: e.interface == Interface.ethernet and e.converter is not None)


@rule(
    "ethernet-port-lamp-off",
    ("R-LED-4b",),
    "3.2",
    mark(
        "Ethernet converter's Ethernet lamp off: the converter, or the customer's cable or switch"
    ),
    ("{s}.converter.lamp.ethernet",),
    applies=by_path(lambda ctx: bool(_ethernet_ends(ctx))),
)
def _ethernet_lamp(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in _ethernet_ends(ctx):
        key = f"{s}.converter.lamp.ethernet"
        if ctx.answer(key) != "off":
            continue
        end = ctx.path.end(s)
        conv = end.converter
        assert conv is not None
        lan = ctx.lan(s)
        # The article names two candidates (the converter, or the customer's cable or switch), so
        # the segment spans both and the finding that the fault lies in it is firm: 0.75.  If the
        # router's WAN port facing the converter is read as up, the lamp reading is doubtful (0.5).
        conf = 0.75
        ev = [ctx.cite(key)]
        wan = _wan_reading(ctx, s)
        if wan is not None and wan.line_up:
            conf = 0.5
            ev.append(
                Evidence(
                    observation=wan.id,
                    text=tr(
                        "{router} {interface} reads line up, which contradicts a dark converter "
                        "port lamp",
                        router=end.router,
                        interface=wan.interface,
                    ),
                )
            )
        out.append(
            _finding(
                ctx,
                "ethernet-port-lamp-off",
                "R-LED-4b",
                tr("{conv} at {site}: Ethernet port lamp off", conv=conv, site=end.site),
                ctx.seg(conv, lan),
                conf,
                tr(
                    "the Ethernet lamp of {conv} is off: either {conv} itself is faulty or the "
                    "customer's network cable or switch/router connected to it",
                    conv=conv,
                ),
                ev,
                [
                    tr(
                        "Guide the customer to self-check: is the switch/router port facing "
                        "{conv} lit? Re-seat, then swap, the network cable between them.",
                        conv=conv,
                    ),
                    tr(
                        "Have them plug a laptop straight into {conv}'s Ethernet port: if its "
                        "lamp lights, the fault is in their cable or switch; if not, replace the "
                        "converter.",
                        conv=conv,
                    ),
                    tr("Check the port speed/duplex setting if the customer changed it recently."),
                ],
            )
        )
    return out


# --------------------------------------------------------------------------- R-LED-4c


def _v35_ends(ctx: Context) -> list[str]:
    return _ends(ctx, lambda e: e.interface in V35 and e.converter is not None)


@rule(
    "v35-tx-lamp-off",
    ("R-LED-4c",),
    "3.2",
    mark("V.35 converter's TX lamp off: the router port connected to it, or the converter"),
    ("{s}.converter.lamp.tx",),
    applies=by_path(lambda ctx: bool(_v35_ends(ctx))),
)
def _v35_tx(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in _v35_ends(ctx):
        key = f"{s}.converter.lamp.tx"
        if ctx.answer(key) != "off":
            continue
        end = ctx.path.end(s)
        conv = end.converter
        assert conv is not None
        router = customer_side(ctx.path, s)
        # "generally the router port, or the converter itself" (一般为): both are in the segment,
        # so 0.75.  A router read over SSH whose V.35 leads show DTR/RTS down, or whose serial
        # line is down, says the same from the other side: 0.85.
        conf = 0.75
        ev = _cites(ctx, key, f"{s}.converter.lamp.rx")
        wan = _wan_reading(ctx, s)
        if wan is not None:
            leads = wan.v35_leads or {}
            down = [
                k for k in ("DTR", "RTS") if leads.get(k) is False or leads.get(k.lower()) is False
            ]
            if down or wan.line_up is False:
                conf = 0.85
                ev.append(
                    Evidence(
                        observation=wan.id,
                        text=tr(
                            "{router} {interface}: {leads} down",
                            router=end.router,
                            interface=wan.interface,
                            leads="/".join(down),
                        )
                        if down
                        else tr(
                            "{router} {interface}: line down",
                            router=end.router,
                            interface=wan.interface,
                        ),
                    )
                )
        rx = ctx.answer(f"{s}.converter.lamp.rx")
        rx_note = (
            (
                tr("; RX is on, so data still arrives from the line")
                if rx == "on"
                else tr("; RX is flashing, so data still arrives from the line")
            )
            if rx in ("on", "flashing")
            else ""
        )
        out.append(
            _finding(
                ctx,
                "v35-tx-lamp-off",
                "R-LED-4c",
                tr("{conv} at {site}: V.35 TX lamp off", conv=conv, site=end.site),
                ctx.seg(router, conv),
                conf,
                tr(
                    "the TX lamp of the V.35 converter {conv} is off: no data comes from the "
                    "router port connected to it, so generally that port ({port} on {router}) or "
                    "{conv} itself is faulty{rx_note}",
                    conv=conv,
                    port=end.wan_interface or "?",
                    router=router,
                    rx_note=rx_note,
                ),
                ev,
                [
                    tr(
                        "Check that the V.35 cable (male DTE on {router}, female DCE on {conv}) "
                        "is screwed in; read the router's serial controller (cable type, "
                        "DTR/RTS, clock).",
                        router=router,
                        conv=conv,
                    ),
                    tr(
                        "Move the cable to a spare serial port of {router} (or a spare router); "
                        "if TX lights, the port was faulty, else replace {conv}.",
                        router=router,
                        conv=conv,
                    ),
                ],
                direction=_from_end(s),
            )
        )
    return out


# --------------------------------------------------------------------------- R-LED-5


@rule(
    "customer-router-or-lan",
    ("R-LED-5",),
    "3.2",
    mark(
        "router run lamp off/abnormal, or all switch port lamps blinking in unison: customer side"
    ),
    ("{s}.router.lamp.run", "{s}.switch.ports_blink_in_unison"),
)
def _router_lan(ctx: Context) -> list[Finding]:
    """One finding per end: the router, its LAN, or both together (the article's school case:
    the router's run lamp flashing abnormally *and* the switch lamps blinking in unison are one
    fault, a LAN-side attack dragging the router down, on the segment LAN … router)."""
    out: list[Finding] = []
    for s in SIDES:
        end = ctx.path.end(s)
        rkey = f"{s}.router.lamp.run"
        run = ctx.answer(rkey)
        router_bad = bool(end.router and run in BAD_LAMP)
        ukey = f"{s}.switch.ports_blink_in_unison"
        lan_bad = ctx.answer(ukey) == "yes"
        if not (router_bad or lan_bad):
            continue
        ev: list[Evidence] = []
        steps: list[str] = []
        conf = 0.0
        if lan_bad:
            # All port lamps blinking together is the article's sign of a virus attack (or loop,
            # broadcast storm) inside the LAN; "generally", and the router may be dragged down
            # too: 0.75 for the LAN.
            conf = 0.75
            ev.append(ctx.cite(ukey))
            steps += [
                tr(
                    "With the customer's consent disconnect the LAN from the router (keep the WAN "
                    "only) and check the router's CPU and console (case 4.2)."
                ),
                tr(
                    "Reconnect the LAN hosts one by one while watching the switch lamps and the "
                    "router CPU to find the source; check for a cabling loop."
                ),
            ]
        if router_bad:
            assert end.router is not None
            # "generally the customer router is faulty" (一般): 0.8.  If the router nonetheless
            # answered over SSH/console, the lamp report contradicts it: 0.5.
            rconf = 0.8
            ev.append(ctx.cite(rkey))
            reached = _router_reached(ctx, end.router)
            if reached is not None:
                rconf = 0.5
                ev.append(
                    Evidence(
                        observation=reached.id,
                        text=tr(
                            "{router} answered over {via} during this run",
                            router=end.router,
                            via=reached.via,
                        ),
                    )
                )
            conf = max(conf, rconf)
            steps += [
                tr(
                    "Tell the customer the router {router} is at fault; ask them to power-cycle "
                    "it and call their router vendor or integrator.",
                    router=end.router,
                ),
                tr(
                    "Once it runs, read its log and CPU history (a LAN attack can hang it, "
                    "case 4.2)."
                ),
            ]
        lan = ctx.lan(s)
        if router_bad and lan_bad:
            assert end.router is not None
            seg = ctx.seg(lan, end.router)
            if run == "off":
                title = tr(
                    "{router} and the LAN at {site}: run lamp off, switch port lamps blink in "
                    "unison",
                    router=end.router,
                    site=end.site,
                )
                cause = tr(
                    "the run lamp of the customer router {router} is off and all the LAN "
                    "switch's port lamps blink in unison: a virus attack, loop or broadcast "
                    "storm inside the customer's LAN, dragging the router down (customer-owned)",
                    router=end.router,
                )
            else:
                title = tr(
                    "{router} and the LAN at {site}: run lamp flashing-abnormal, switch port "
                    "lamps blink in unison",
                    router=end.router,
                    site=end.site,
                )
                cause = tr(
                    "the run lamp of the customer router {router} is flashing-abnormal and all "
                    "the LAN switch's port lamps blink in unison: a virus attack, loop or "
                    "broadcast storm inside the customer's LAN, dragging the router down "
                    "(customer-owned)",
                    router=end.router,
                )
        elif router_bad:
            assert end.router is not None
            seg = ctx.seg(end.router)
            if run == "off":
                title = tr("{router} at {site}: run lamp off", router=end.router, site=end.site)
                cause = tr(
                    "the run lamp of the customer router {router} is off: the router is faulty "
                    "(customer-owned equipment)",
                    router=end.router,
                )
            else:
                title = tr(
                    "{router} at {site}: run lamp flashing-abnormal",
                    router=end.router,
                    site=end.site,
                )
                cause = tr(
                    "the run lamp of the customer router {router} is flashing-abnormal: the "
                    "router is faulty (customer-owned equipment)",
                    router=end.router,
                )
        else:
            seg = ctx.seg(lan)
            title = tr("LAN at {site}: all switch port lamps blink in unison", site=end.site)
            cause = tr(
                "all the LAN switch's port lamps blink in unison: a virus attack, loop or "
                "broadcast storm inside the customer's LAN"
            )
        out.append(
            _finding(ctx, "customer-router-or-lan", "R-LED-5", title, seg, conf, cause, ev, steps)
        )
    return out
