"""Step 3.3: what the customer routers' E1 controllers add (LOS / AIS / RAI, G.826 ES / SES),
placed with the G.775 / G.806 logic of DOMAIN.md §2.2 / §2.4.  Shared helpers: rules/tests.py.
"""

from __future__ import annotations

from diag.analyzers.context import Context
from diag.analyzers.registry import by_path, finding, rule
from diag.analyzers.rules.tests import (
    CONF_AIS,
    CONF_ERRORS,
    CONF_LOS,
    CONF_RAI,
    _span_text,
    ber_test_step,
    cited,
    controller_alarms,
    controller_evidence,
    ddf_test_step,
    errored,
    flow_from,
    has_e1_router,
    other,
    wan_element,
)
from diag.i18n import mark, tr
from diag.model.findings import Finding

# --------------------------------------------------------------------------- router E1 controllers


def _applies_e1(ctx: Context) -> bool:
    return has_e1_router(ctx)


@rule(
    "e1-controller-los",
    ("3.3",),
    "3.3",
    mark("LOS at a router's E1 controller: the span from its CPE to the router is silent"),
    ("e1_controller",),
    applies=by_path(_applies_e1),
)
def e1_controller_los(ctx: Context) -> list[Finding]:
    # G.775 LOS = no transitions.  Equipment upstream that loses its own input sends AIS
    # (G.806 consequent action), never silence; so a silent receiver means the last span before
    # it: the CPE's tributary output (or the CPE itself, unpowered), the converter if any, the E1
    # cable / DDF jumper, or the router's own receive port.
    out = []
    for side, c, alarms in controller_alarms(ctx):
        if "LOS" not in alarms:
            continue
        end = ctx.path.end(side)
        seg = ctx.seg(end.cpe, c.device)
        out.append(
            finding(
                rule="e1-controller-los",
                procedure="3.3",
                title=tr(
                    "LOS at {device} {controller}: no signal from {cpe}",
                    device=c.device,
                    controller=c.controller,
                    cpe=end.cpe,
                ),
                direction="b-to-a" if side == "a" else "a-to-b",
                segment=seg,
                owner=ctx.owner(seg),
                confidence=CONF_LOS,
                cause=tr(
                    "{device}'s E1 receiver sees no signal at all (LOS); upstream failures arrive "
                    "as AIS, not silence, so the break is in {span}",
                    device=c.device,
                    span=_span_text(ctx, seg),
                ),
                evidence=[cited(ctx, controller_evidence, c)],
                next_steps=[
                    tr(
                        "At {site}: check {cpe}'s power and E1 tributary lamps; in the NMS, its "
                        "tributary port alarms (step 3.1).",
                        site=end.site,
                        cpe=end.cpe,
                    ),
                    tr(
                        "Plug a hard loop on {device}'s E1 port ({port}): if the controller stays "
                        "in LOS the router port is faulty; otherwise replace the E1 cable and DDF "
                        "jumper between {cpe} and {device} (same impedance as configured, "
                        "{interface}).",
                        device=c.device,
                        port=end.wan_interface,
                        cpe=end.cpe,
                        interface=end.interface.value,
                    ),
                ],
            )
        )
    return out


@rule(
    "e1-controller-ais",
    ("3.3",),
    "3.3",
    mark("AIS at a router's E1 controller: the fault is upstream of its CPE"),
    ("e1_controller",),
    applies=by_path(_applies_e1),
)
def e1_controller_ais(ctx: Context) -> list[Finding]:
    # AIS (all ones) is what the equipment upstream inserts after losing its own input: the E1
    # reaches the router intact but already replaced by AIS, so the break is before (or inside)
    # this end's CPE, on the direction towards us.  Step 3.1's E1_AIS alarms pin the station;
    # the router alone bounds only the whole span, hence a suspicion.
    out = []
    for side, c, alarms in controller_alarms(ctx):
        if "AIS" not in alarms or "LOS" in alarms:
            continue
        end = ctx.path.end(side)
        far = other(side)
        seg = ctx.seg(wan_element(ctx, far), end.cpe)
        out.append(
            finding(
                rule="e1-controller-ais",
                procedure="3.3",
                title=tr(
                    "AIS at {device} {controller}: broken upstream of {cpe}",
                    device=c.device,
                    controller=c.controller,
                    cpe=end.cpe,
                ),
                direction=flow_from(far),
                segment=seg,
                owner=ctx.owner(seg),
                confidence=CONF_AIS,
                cause=tr(
                    "{device} receives AIS: equipment upstream lost its input and inserted it, so "
                    "the E1 towards {site} is broken between {far} and {cpe} (consistent with "
                    "step 3.1's E1_AIS)",
                    device=c.device,
                    site=end.site,
                    far=wan_element(ctx, far),
                    cpe=end.cpe,
                ),
                evidence=[cited(ctx, controller_evidence, c)],
                next_steps=[
                    tr(
                        "In the NMS, find the first station from {far_cpe} towards {cpe} that "
                        "reports UP/DOWN E1_AIS (step 3.1, R-AIS-1/2).",
                        far_cpe=ctx.path.end(far).cpe,
                        cpe=end.cpe,
                    ),
                    tr(
                        "At {far_site}: read {far}'s E1 controller and {far_cpe}'s tributary: LOS "
                        "there is the source.",
                        far_site=ctx.path.end(far).site,
                        far=wan_element(ctx, far),
                        far_cpe=ctx.path.end(far).cpe,
                    ),
                    *ddf_test_step(ctx),
                ],
            )
        )
    return out


@rule(
    "e1-controller-rai",
    ("3.3",),
    "3.3",
    mark("RAI at a router's E1 controller: the far end does not receive us"),
    ("e1_controller",),
    applies=by_path(_applies_e1),
)
def e1_controller_rai(ctx: Context) -> list[Finding]:
    # RAI (the A bit of TS0, G.704) is what the far end sends back when it does not receive us
    # (G.806 consequent action): the break is on our transmit direction, anywhere up to the far
    # receiver.  When the far router itself reports LOS/AIS/LOF, that report explains ours.
    states = controller_alarms(ctx)
    by_side = {s: alarms for s, _, alarms in states}
    out = []
    for side, c, alarms in states:
        if "RAI" not in alarms:
            continue
        far = other(side)
        far_alarms = by_side.get(far, frozenset()) & {"LOS", "AIS", "LOF"}
        seg = ctx.seg(wan_element(ctx, side), wan_element(ctx, far))
        if far_alarms:
            out.append(
                finding(
                    rule="e1-controller-rai",
                    procedure="3.3",
                    kind="consequence",
                    title=tr(
                        "RAI at {device} follows from the far end's {alarms}",
                        device=c.device,
                        alarms="/".join(sorted(far_alarms)),
                    ),
                    direction=flow_from(side),
                    segment=None,
                    owner=ctx.owner(seg),
                    confidence=0.9,
                    cause=tr(
                        "{far} does not receive {device} ({alarms}) and says so with RAI; not a "
                        "separate fault",
                        far=wan_element(ctx, far),
                        device=c.device,
                        alarms="/".join(sorted(far_alarms)),
                    ),
                    evidence=[cited(ctx, controller_evidence, c)],
                )
            )
            continue
        out.append(
            finding(
                rule="e1-controller-rai",
                procedure="3.3",
                title=tr(
                    "RAI at {device} {controller}: the far end does not receive us",
                    device=c.device,
                    controller=c.controller,
                ),
                direction=flow_from(side),
                segment=seg,
                owner=ctx.owner(seg),
                confidence=CONF_RAI,
                cause=tr(
                    "{device} receives the far end's remote alarm (RAI): the E1 it sends towards "
                    "{site} does not arrive, somewhere in {a} … {b}",
                    device=c.device,
                    site=ctx.path.end(far).site,
                    a=seg.from_,
                    b=seg.to,
                ),
                evidence=[cited(ctx, controller_evidence, c)],
                next_steps=[
                    tr(
                        "Read {far}'s E1 controller (LOS/AIS/LOF) and the NMS alarms along the "
                        "path in this direction (step 3.1).",
                        far=wan_element(ctx, far),
                    ),
                    *ddf_test_step(ctx),
                ],
            )
        )
    return out


@rule(
    "e1-controller-errors",
    ("3.3",),
    "3.3",
    mark("G.826 errored / severely errored seconds at a router's E1 controller"),
    ("e1_controller",),
    applies=by_path(_applies_e1),
)
def e1_controller_errors(ctx: Context) -> list[Finding]:
    # ES / SES (G.826, DOMAIN.md §2.3) count what the router's receiver saw: errors anywhere on
    # the receive direction, far router to here.  A controller in LOS/AIS counts every second as
    # SES; those are explained by the alarm rules, not reported twice.
    t = ctx.thresholds
    out = []
    for side, c, alarms in controller_alarms(ctx):
        if "LOS" in alarms or "AIS" in alarms or not errored(ctx, c):
            continue
        far = other(side)
        end = ctx.path.end(side)
        seg = ctx.seg(wan_element(ctx, far), c.device)
        out.append(
            finding(
                rule="e1-controller-errors",
                procedure="3.3",
                title=tr(
                    "Errored seconds at {device} {controller}",
                    device=c.device,
                    controller=c.controller,
                ),
                direction=flow_from(far),
                segment=seg,
                owner=ctx.owner(seg),
                confidence=CONF_ERRORS,
                cause=tr(
                    "{device} counts {es} ES / {ses} SES (thresholds {es_limit}; {ses_limit}): "
                    "the E1 arriving at {site} carries errors, somewhere in {a} … {b}",
                    device=c.device,
                    es=c.errored_secs or 0,
                    ses=c.severely_err_secs or 0,
                    es_limit=t.source("es_per_interval"),
                    ses_limit=t.source("ses_per_interval"),
                    site=end.site,
                    a=seg.from_,
                    b=seg.to,
                ),
                evidence=[cited(ctx, controller_evidence, c)],
                next_steps=[
                    ber_test_step(ctx, ctx.path.end("a").cpe, ctx.path.end("b").cpe),
                    *ddf_test_step(ctx, tr(" It tells which end the errors come from.")),
                    tr(
                        "Compare framing, line code and clock on both routers' controllers "
                        "({framing}/{linecode}, clock {clock}): slips point at clocking rather "
                        "than the line.",
                        framing=c.framing or "?",
                        linecode=c.linecode or "?",
                        clock=c.clock_source or "?",
                    ),
                ],
            )
        )
    return out
