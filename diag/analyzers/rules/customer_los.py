"""R-LED-4a of step 3.2 (DOMAIN.md §1.2): E1 LOS on the CPE, at an end with a V.35 or Ethernet
converter (the converter-to-CPE cable, or the converter) or an E1-direct end (the customer's E1
cable or port).  The shared helpers are diag.analyzers.rules.customer's.
"""

from __future__ import annotations

from diag.analyzers.context import Context
from diag.analyzers.registry import by_path, rule
from diag.analyzers.rules.customer import (
    E1_DIRECT,
    _ask,
    _cites,
    _ends,
    _finding,
    _from_end,
    _router_reached,
    customer_side,
    name,
)
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.inventory import Interface


def _converter_ends(ctx: Context) -> list[str]:
    return _ends(ctx, lambda e: e.converter is not None)


@rule(
    "e1-los-converter-cable",
    ("R-LED-4a",),
    "3.2",
    mark("E1 LOS on the CPE with no converter alarm: the E1 cable from the converter to the CPE"),
    ("{s}.cpe.lamp.e1_alarm",),
    applies=by_path(lambda ctx: bool(_converter_ends(ctx))),
)
def _los_converter(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in _converter_ends(ctx):
        key = f"{s}.cpe.lamp.e1_alarm"
        if ctx.answer(key) != "on":
            continue
        end = ctx.path.end(s)
        conv = end.converter
        assert conv is not None
        seg = ctx.seg(conv, end.cpe)
        link = ctx.path.span(seg)[1][0]
        conv_key = f"{s}.converter.lamp.alarm"
        conv_alarm = ctx.answer(conv_key)
        ethernet = end.interface == Interface.ethernet
        if conv_alarm is None:
            out.append(
                _finding(
                    ctx,
                    "e1-los-converter-cable",
                    "R-LED-4a",
                    tr("E1 LOS on {cpe}: converter alarm not yet known", cpe=end.cpe),
                    None,
                    0.0,
                    tr(
                        "{cpe} shows E1 LOS; whether {conv} alarms decides between the cable and "
                        "the converter",
                        cpe=end.cpe,
                        conv=conv,
                    ),
                    [ctx.cite(key)],
                    _ask(ctx, "{s}.converter.lamp.alarm", s),
                    kind="not_evaluated",
                )
            )
            continue
        if conv_alarm == "off":
            # The article states R-LED-4a for the Ethernet converter (0.8: the converter shows no
            # alarm, so it believes it transmits; the cable is what is left).  A V.35 converter
            # hands its E1 to the CPE over the same kind of cable, so the rule carries over by
            # analogy (0.7).
            conf = 0.8 if ethernet else 0.7
            cause = tr(
                "{cpe} shows E1 LOS on its customer-side E1 port while {conv} shows no alarm: the "
                "cable from {conv}'s E1 transmit to {cpe}'s receive ({link}) is faulty",
                cpe=end.cpe,
                conv=conv,
                link=name(link),
            )
            steps = [
                tr(
                    "Have the customer check that the E1 cable between {conv} and {cpe} is firmly "
                    "plugged at both ends (and into the right ports).",
                    conv=conv,
                    cpe=end.cpe,
                ),
                tr(
                    "On site: swap the E1 cable, or loop it at the CPE end and check the "
                    "converter's loop lamp, to confirm before replacing anything."
                ),
            ]
        else:
            # Outside the article's condition: the converter alarms too, which points at the
            # converter's E1 side as much as at the cable (0.5: suspected, not localised).
            conf = 0.5
            cause = tr(
                "{cpe} shows E1 LOS and {conv} alarms as well: the converter's E1 side or the "
                "cable to {cpe} ({link})",
                cpe=end.cpe,
                conv=conv,
                link=name(link),
            )
            steps = [
                tr(
                    "Ask which alarm lamp {conv} shows; swap the cable, then the converter.",
                    conv=conv,
                ),
            ]
        out.append(
            _finding(
                ctx,
                "e1-los-converter-cable",
                "R-LED-4a",
                tr("E1 LOS on {cpe} at {site}", cpe=end.cpe, site=end.site),
                seg,
                conf,
                cause,
                _cites(ctx, key, conv_key),
                steps,
                direction=_from_end(s),
            )
        )
    return out


def _e1_direct_ends(ctx: Context) -> list[str]:
    return _ends(ctx, lambda e: e.interface in E1_DIRECT and e.converter is None)


@rule(
    "e1-los-customer-e1-cable",
    ("R-LED-4a",),
    "3.2",
    mark("E1-direct end: E1 LOS on the CPE: the customer's E1 cable or E1 port feeding it"),
    ("{s}.cpe.lamp.e1_alarm",),
    applies=by_path(lambda ctx: bool(_e1_direct_ends(ctx))),
)
def _los_direct(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in _e1_direct_ends(ctx):
        key = f"{s}.cpe.lamp.e1_alarm"
        if ctx.answer(key) != "on":
            continue
        end = ctx.path.end(s)
        feeder = customer_side(ctx.path, s)
        seg = ctx.seg(feeder, end.cpe)
        i = ctx.path.index(end.cpe)
        link = ctx.path.links[i - 1 if s == "a" else i]  # the link on the customer side of the CPE
        # R-LED-4a adapted to an E1-direct end: the CPE's E1 receive hears nothing, and what feeds
        # it is the customer's E1 device and its cable (no converter in between).  Two candidates
        # of different owners, the article names neither for this case: 0.7.
        conf = 0.7
        reached = _router_reached(ctx, end.router)
        ev = [ctx.cite(key)]
        if reached is not None:
            ev.append(
                Evidence(
                    observation=reached.id,
                    text=tr(
                        "{router} answered over {via}: it runs, so its E1 port or the cable is "
                        "the suspect, not the whole router",
                        router=end.router,
                        via=reached.via,
                    ),
                )
            )
        who = end.router or tr("the customer's E1 device (router, voice switch)")
        out.append(
            _finding(
                ctx,
                "e1-los-customer-e1-cable",
                "R-LED-4a",
                tr("E1 LOS on {cpe} at {site}", cpe=end.cpe, site=end.site),
                seg,
                conf,
                tr(
                    "{cpe} shows E1 LOS on its customer-side E1 port: no E1 arrives from {who}; "
                    "the E1 cable ({link}) or the E1 port's transmit is faulty",
                    cpe=end.cpe,
                    who=who,
                    link=name(link),
                ),
                ev,
                [
                    tr(
                        "Have the customer check that the E1 cable from {who} to {cpe} is plugged "
                        "in at both ends, and whether the 75/120 ohm sides match (balun fitted).",
                        who=who,
                        cpe=end.cpe,
                    ),
                    tr(
                        "On site: loop the E1 at {cpe}'s port towards the customer device; if the "
                        "router's controller then comes up, swap the cable, else the E1 port.",
                        cpe=end.cpe,
                    ),
                ],
                direction=_from_end(s),
            )
        )
    return out
