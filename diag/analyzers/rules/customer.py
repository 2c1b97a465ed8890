"""Step 3.2 of the procedure: what the customer sees on the equipment at their end (DOMAIN.md §1.2,
article L511-541), plus the optical power budget of R-OPT-2.

Every rule reads the answers of diag/playbooks/questions/3.2-customer.yaml, per end, and only at
ends whose interface kind has the lamp asked about (§1.1: E1 direct, E1 + V.35 converter, E1 +
Ethernet converter).  Confidence values are the rule's, each justified where it is set; 0.7 and
above localises the fault (engine.LOCALIZED_AT).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from diag.analyzers.context import SIDES, Context
from diag.analyzers.registry import by_path, finding, rule
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.inventory import Interface
from diag.model.observations import (
    DeviceAccessObservation,
    InterfaceObservation,
)
from diag.model.path import CircuitPath, EndInfo, PathElement, PathLink, Segment

Flow = Literal["a-to-b", "b-to-a"]
Kind = Literal["fault", "consequence", "not_evaluated", "info", "unreachable"]

E1_DIRECT = {Interface.e1_75, Interface.e1_120}
V35 = {Interface.v35_dte, Interface.v35_dce}
BAD_LAMP = {"off", "flashing-abnormal"}  # R-LED-1 / R-LED-5: "not lit, or flashing abnormally"

# --------------------------------------------------------------------------- helpers


def _toward_a(side: str) -> Flow:
    """The signal direction that arrives at this end."""
    return "b-to-a" if side == "a" else "a-to-b"


def _from_end(side: str) -> Flow:
    """The signal direction that leaves this end."""
    return "a-to-b" if side == "a" else "b-to-a"


def co_side(path: CircuitPath, side: str) -> PathElement:
    """The device opposite this end's CPE: the next element towards the other end (the CO-side
    SDH/PDH, or the far CPE when the two optical terminals face each other directly)."""
    i = path.index(path.end(side).cpe)
    return path.elements[i + 1 if side == "a" else i - 1]


def cpe_uplink(path: CircuitPath, side: str) -> PathLink:
    """The link from this end's CPE towards the carrier network (the customer-end fibre)."""
    i = path.index(path.end(side).cpe)
    return path.links[i if side == "a" else i - 1]


def customer_side(path: CircuitPath, side: str) -> str:
    """The element that feeds the CPE or converter from the customer: router, else the LAN."""
    end = path.end(side)
    return end.router or path.elements[0 if side == "a" else -1].id


def name(link: PathLink) -> str:
    """The link as a person calls it: its inventory label, else its kind and ends."""
    if link.label != link.kind.value:
        return link.label
    a, b, kind = link.from_, link.to, link.kind.value
    if kind == "fiber":
        return tr("the fibre {a} - {b}", a=a, b=b)
    if kind == "e1-cable":
        return tr("the E1 cable {a} - {b}", a=a, b=b)
    if kind == "v35-cable":
        return tr("the V.35 cable {a} - {b}", a=a, b=b)
    return tr("the {kind} {a} - {b}", kind=kind, a=a, b=b)


def _ends(ctx: Context, pred: Callable[[EndInfo], bool]) -> list[str]:
    return [s for s in SIDES if pred(ctx.path.end(s))]


def _finding(
    ctx: Context,
    rid: str,
    ref: str,
    title: str,
    seg: Segment | None,
    confidence: float,
    cause: str,
    evidence: list[Evidence],
    next_steps: list[str],
    *,
    kind: Kind = "fault",
    direction: Flow | None = None,
) -> Finding:
    return finding(
        rule=rid,
        procedure=ref,
        kind=kind,
        title=title,
        direction=direction,
        segment=seg,
        owner=ctx.owner(seg) if seg else "unknown",
        confidence=confidence,
        cause=cause,
        evidence=evidence,
        next_steps=next_steps,
    )


def _cites(ctx: Context, *keys: str) -> list[Evidence]:
    return [ctx.cite(k) for k in keys if ctx.answer(k) is not None]


def _ask(ctx: Context, key: str, side: str | None = None) -> list[str]:
    """Next steps that ask a vocabulary question of this circuit (one end when given)."""
    return ctx.asks(key, side)


def _router_reached(ctx: Context, router: str | None) -> DeviceAccessObservation | None:
    if router is None:
        return None
    return next((o for o in ctx.of(DeviceAccessObservation) if o.device == router and o.ok), None)


def _wan_reading(ctx: Context, side: str) -> InterfaceObservation | None:
    end = ctx.path.end(side)
    if not end.router or not end.wan_interface:
        return None
    want = end.wan_interface.replace(" ", "").lower()
    for o in ctx.of(InterfaceObservation):
        if o.device == end.router and o.interface.replace(" ", "").lower() == want:
            return o
    return None


# --------------------------------------------------------------------------- R-LED-1


def _lamp_seen(key: str, state: str | None) -> str:
    """A dark or abnormal lamp as the customer reported it: `power lamp off`."""
    lamp = key.rsplit(".", maxsplit=1)[-1]
    if lamp == "power":
        return tr("power lamp off") if state == "off" else tr("power lamp flashing-abnormal")
    return tr("run lamp off") if state == "off" else tr("run lamp flashing-abnormal")


def _dead_lamps(ctx: Context, side: str, box: str, device: str, rid: str) -> list[Finding]:
    keys = [f"{side}.{box}.lamp.power", f"{side}.{box}.lamp.run"]
    bad = [k for k in keys if ctx.answer(k) in BAD_LAMP]
    if not bad:
        return []
    power_off = ctx.answer(keys[0]) == "off"
    # A dark power lamp is unambiguous and the article states R-LED-1 literally: 0.9.  A run lamp
    # that is off or flashes abnormally alone is the same rule, but lamps are read by a customer on
    # the phone (a normally blinking run lamp is easily called abnormal): 0.8.
    conf = 0.9 if power_off else 0.8
    el = ctx.element(device)
    seen = tr(", ").join(_lamp_seen(k, ctx.answer(k)) for k in bad)
    site = ctx.path.end(side).site
    steps = [
        tr(
            "Have the customer check that {device} is plugged in and the socket/UPS at {site} "
            "has power (a dead site supply is not a device fault).",
            device=device,
            site=site,
        ),
        tr(
            "Dispatch with a spare {element}; replace it and check that the lamps come up.",
            element=el.label,
        ),
    ]
    if not power_off:
        steps.insert(0, tr("Ask the customer to power-cycle it once and report the lamps again."))
    return [
        _finding(
            ctx,
            rid,
            "R-LED-1",
            tr("{device} at {site}: {seen}", device=device, site=site, seen=seen),
            ctx.seg(device),
            conf,
            tr(
                "the customer reports {seen} on {element}: the device itself is faulty",
                seen=seen,
                element=el.label,
            ),
            _cites(ctx, *keys),
            steps,
        )
    ]


@rule(
    "cpe-lamp-dead",
    ("R-LED-1",),
    "3.2",
    mark("CPE transmission box's power or run lamp off or flashing abnormally: the box is faulty"),
    ("{s}.cpe.lamp.power", "{s}.cpe.lamp.run"),
)
def _cpe_lamps(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in SIDES:
        out += _dead_lamps(ctx, s, "cpe", ctx.path.end(s).cpe, "cpe-lamp-dead")
    return out


@rule(
    "converter-lamp-dead",
    ("R-LED-1",),
    "3.2",
    mark(
        "protocol converter's power or run lamp off or flashing abnormally: the converter is faulty"
    ),
    ("{s}.converter.lamp.power", "{s}.converter.lamp.run"),
    applies=by_path(lambda ctx: bool(_ends(ctx, lambda e: e.converter is not None))),
)
def _converter_lamps(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in _ends(ctx, lambda e: e.converter is not None):
        conv = ctx.path.end(s).converter
        assert conv is not None
        out += _dead_lamps(ctx, s, "converter", conv, "converter-lamp-dead")
    return out


# --------------------------------------------------------------------------- R-LED-3

# Far-end lamps (对端告警灯) name the CO-side device opposite the CPE.  Power failure of that box is
# unambiguous (0.85); its loss of E1 signal is reported by the box itself but could come from the
# E1 feeding it at the CO (0.75); far-end loss of light equally implicates the fibre from this CPE
# to it (0.7); an unnamed lamp ("etc.") only says that the far end alarms (0.6).
_FAR_END = {"power-failure": 0.85, "e1-loss": 0.75, "loss-of-light": 0.7, "other": 0.6}


def _far_end_texts(value: str, cpe: str, site: str, opp: PathElement) -> tuple[str, str]:
    """The title and cause of a far-end lamp, one whole message per lamp."""
    o, label = opp.id, opp.label
    if value == "power-failure":
        return (
            tr("far-end power-failure lamp on {cpe}: {opp} faulty", cpe=cpe, opp=o),
            tr(
                "the far-end alarm button on {cpe} ({site}) lights power-failure: the CO-side "
                "device opposite it, {element}, has lost power",
                cpe=cpe,
                site=site,
                element=label,
            ),
        )
    if value == "e1-loss":
        return (
            tr("far-end e1-loss lamp on {cpe}: {opp} faulty", cpe=cpe, opp=o),
            tr(
                "the far-end alarm button on {cpe} ({site}) lights e1-loss: the CO-side device "
                "opposite it, {element}, has lost its E1 signal",
                cpe=cpe,
                site=site,
                element=label,
            ),
        )
    if value == "loss-of-light":
        return (
            tr("far-end loss-of-light lamp on {cpe}: {opp} faulty", cpe=cpe, opp=o),
            tr(
                "the far-end alarm button on {cpe} ({site}) lights loss-of-light: the CO-side "
                "device opposite it, {element}, receives no light from the customer-end CPE",
                cpe=cpe,
                site=site,
                element=label,
            ),
        )
    return (
        tr("far-end other lamp on {cpe}: {opp} faulty", cpe=cpe, opp=o),
        tr(
            "the far-end alarm button on {cpe} ({site}) lights other: the CO-side device "
            "opposite it, {element}, raises an alarm",
            cpe=cpe,
            site=site,
            element=label,
        ),
    )


@rule(
    "far-end-alarm-co-device",
    ("R-LED-3",),
    "3.2",
    mark("far-end alarm lamp on the CPE: the CO-side device opposite it is faulty"),
    ("{s}.cpe.far_end_alarm",),
)
def _far_end(ctx: Context) -> list[Finding]:
    out: list[Finding] = []
    for s in SIDES:
        key = f"{s}.cpe.far_end_alarm"
        value = ctx.answer(key)
        if value is None or value not in _FAR_END:
            continue
        conf = _FAR_END[value]
        end = ctx.path.end(s)
        opp = co_side(ctx.path, s)
        if value == "power-failure":
            steps = [
                tr(
                    "Have the CO check the power supply and power board of {opp}; it is the "
                    "carrier's device, no visit to the customer is needed.",
                    opp=opp.id,
                )
            ]
        elif value == "e1-loss":
            steps = [
                tr(
                    "Check {opp}'s E1 ports and the E1 cable / DDF jumper feeding it at the CO; "
                    "loop back at the DDF to split device from cable.",
                    opp=opp.id,
                )
            ]
        elif value == "loss-of-light":
            steps = [
                tr(
                    "Check {opp}'s optical receiver and, if it is fine, the fibre from {cpe}'s "
                    "transmit to it ({link}).",
                    opp=opp.id,
                    cpe=end.cpe,
                    link=name(cpe_uplink(ctx.path, s)),
                ),
            ]
        else:
            steps = [
                tr(
                    "Read {opp}'s alarms in the NMS, or send the CO staff to look at it.",
                    opp=opp.id,
                )
            ]
        if opp.ne_name:
            steps.append(
                tr("Its NMS name is {ne}: compare with the step 3.1 alarm list.", ne=opp.ne_name)
            )
        title, cause = _far_end_texts(value, end.cpe, end.site, opp)
        out.append(
            _finding(
                ctx,
                "far-end-alarm-co-device",
                "R-LED-3",
                title,
                ctx.seg(opp.id),
                conf,
                cause,
                [ctx.cite(key)],
                steps,
                direction=_from_end(s) if value == "loss-of-light" else None,
            )
        )
    return out
