"""Step 3.1: the fault findings of the roots that bound a span by what the stations report
(E1 AIS, path AIS / LOP, remote defects, errors), and the table of every kind's builder.  The
builders of losses, optical power and equipment roots are in rules/alarm_faults.py."""

from __future__ import annotations

from diag.analyzers.correlation import Root
from diag.analyzers.registry import finding
from diag.analyzers.rules.alarm_faults import (
    CONF_AIS_BRACKETED,
    CONF_AIS_FIRST,
    CONF_AIS_FURTHER,
    CONF_ERRORS,
    CONF_PATH_AIS_SPAN,
    CONF_PATH_AIS_WIDE,
    CONF_RDI_SPAN,
    CONF_RDI_WIDE,
    _equipment_fault,
    _evidence,
    _loss_fault,
    _optical_fault,
)
from diag.analyzers.rules.alarm_steps import _arrow, _follow, _layer_name, _span_steps
from diag.i18n import tr
from diag.model.findings import Finding
from diag.model.path import CircuitPath


def _fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    return _FAULTS[root.kind](path, root, window_s, margin_db)


def _ais_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, start, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    _, span_links = path.span(root.segment)
    carried = "; ".join(lk.label for lk in span_links)
    name = root.lead.name
    stations = ", ".join(e.id for e in root.between)
    if root.bounded_by:
        bound = root.bounded_by[0]
        if root.between:
            cause = tr(
                "{x} reports {alarm} ({arrow}) and {start} reports {bound} for the signal it "
                "sends that way: the signal leaves {start} and is broken before {x}, stations "
                "{stations} included ({carried})",
                x=x,
                alarm=name,
                arrow=arrow,
                start=start,
                bound=bound.name,
                stations=stations,
                carried=carried,
            )
        else:
            cause = tr(
                "{x} reports {alarm} ({arrow}) and {start} reports {bound} for the signal it "
                "sends that way: the signal leaves {start} and is broken before {x} ({carried})",
                x=x,
                alarm=name,
                arrow=arrow,
                start=start,
                bound=bound.name,
                carried=carried,
            )
        conf = CONF_AIS_BRACKETED if not root.between else CONF_AIS_FURTHER
    elif root.first_station:
        cause = tr(
            "{x} reports {alarm}: the E1 that {start} sends to it ({arrow}) is interrupted, "
            "the link between them included ({carried})",
            x=x,
            alarm=name,
            start=start,
            arrow=arrow,
            carried=carried,
        )
        conf = CONF_AIS_FIRST
    else:
        cause = tr(
            "{x} reports {alarm} and no station before it does: the E1 ({arrow}) is broken "
            "somewhere from {start} to {x}, stations {stations} and the links between them "
            "included ({carried})",
            x=x,
            alarm=name,
            arrow=arrow,
            start=start,
            stations=stations,
            carried=carried,
        )
        conf = CONF_AIS_FURTHER
    seg = root.segment
    steps = [
        tr(
            "Read {start}'s tributary port and alarms in the NMS, then loop the E1 back at the "
            "DDF nearest {x} to split the span.",
            start=start,
            x=x,
        ),
        tr(
            "Bring a BER tester, spare E1 cables and DDF jumpers; test each E1 cable and jumper "
            "of the span {a} … {b} in the {arrow} direction.",
            a=seg.from_,
            b=seg.to,
            arrow=arrow,
        ),
    ]
    if root.between:
        steps.insert(
            0,
            tr(
                "Check the NMS for {ne}: it should see the same E1; if its port shows no alarm, "
                "the break is after it.",
                ne=root.between[0].id,
            ),
        )
    return finding(
        rule=root.rule,
        procedure="R-AIS-1" if root.first_station else "R-AIS-2",
        title=tr("E1 AIS first seen at {x} ({flow})", x=x, flow=root.flow),
        direction=root.flow,
        segment=seg,
        owner=path.owner_of(seg),
        confidence=conf,
        cause=cause + _follow(root),
        evidence=_evidence([*root.head, *root.bounded_by]),
        next_steps=steps,
    )


def _path_ais_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, start, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    lead = root.lead
    one_span = not root.between
    what = _layer_name(lead.layer)
    bound = (
        tr(
            "; {where} reports {alarm}, so the signal left {start} intact",
            where=root.bounded_by[0].where(),
            alarm=root.bounded_by[0].name,
            start=start,
        )
        if root.bounded_by
        else ""
    )
    if root.between:
        cause = tr(
            "{x} receives {alarm} on the {what} ({arrow}) and nothing upstream reports a "
            "defect: the signal is broken between {start} and {x}, {stations} included",
            x=x,
            alarm=lead.name,
            what=what,
            arrow=arrow,
            start=start,
            stations=", ".join(e.id for e in root.between),
        )
    else:
        cause = tr(
            "{x} receives {alarm} on the {what} ({arrow}) and nothing upstream reports a "
            "defect: the signal is broken between {start} and {x}",
            x=x,
            alarm=lead.name,
            what=what,
            arrow=arrow,
            start=start,
        )
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr("{alarms} first seen at {x} ({flow})", alarms=root.names(), x=x, flow=root.flow),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_PATH_AIS_SPAN if one_span else CONF_PATH_AIS_WIDE,
        cause=cause + bound + _follow(root),
        evidence=_evidence([*root.head, *root.bounded_by]),
        next_steps=[
            tr(
                "In the NMS, trace the {what} cross-connections from {start} to {x} and read "
                "each station's alarm history (one may be unmanaged or switched to protection).",
                what=what,
                start=start,
                x=x,
            ),
            tr(
                "Bridge a BER tester at the DDF nearest {x} on the {arrow} E1 (AIS / errors) and "
                "move towards the source until the signal is good.",
                x=x,
                arrow=arrow,
            ),
        ],
    )


def _remote_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, arrow = root.element.id, _arrow(root.flow)
    reach = root.reach.id if root.reach else "?"
    one_span = not root.between
    nxt = root.between[0].id if root.between else reach
    sink = root.reach
    steps = [
        tr(
            "In the NMS, read the alarm history of {next}: it is the first equipment after {x} "
            "in the {arrow} direction and should show when it lost the signal (it may be "
            "unmanaged, or report to another NMS).",
            next=nxt,
            x=x,
            arrow=arrow,
        ),
        tr(
            "Measure what {x} sends at {next}'s receive side: optical power meter on a fiber "
            "span, a BER tester bridged at the DDF on an E1.",
            x=x,
            next=nxt,
        ),
    ]
    if sink is not None and sink.owner == "customer":
        steps.append(
            tr(
                "Ask the customer to read {sink}'s E1 controller (LOS / AIS / RAI) and check its "
                "cable (step 3.2).",
                sink=sink.id,
            )
        )
    if root.between:
        cause = tr(
            "{x} reports {alarms} with no alarm that explains it: the equipment downstream in "
            "{arrow} does not receive what {x} sends, so the fault is between {x}'s output and "
            "{reach} ({stations} included)",
            x=x,
            alarms=root.names(),
            arrow=arrow,
            reach=reach,
            stations=", ".join(e.id for e in root.between),
        )
    else:
        cause = tr(
            "{x} reports {alarms} with no alarm that explains it: the equipment downstream in "
            "{arrow} does not receive what {x} sends, so the fault is between {x}'s output and "
            "{reach}",
            x=x,
            alarms=root.names(),
            arrow=arrow,
            reach=reach,
        )
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr(
            "{alarms} at {x}: its {arrow} output is not received",
            alarms=root.names(),
            x=x,
            arrow=arrow,
        ),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_RDI_SPAN if one_span else CONF_RDI_WIDE,
        cause=cause + _follow(root),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _errors_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr(
            "{alarms} at {x}: errors arriving from {w} ({arrow})",
            alarms=root.names(),
            x=x,
            w=w,
            arrow=arrow,
        ),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=CONF_ERRORS,
        cause=tr(
            "{x} reports {alarms} on its receive side ({arrow}): bit errors on the signal from "
            "{w}; suspected in the span {w} → {x}, though errors on a framed path may come from "
            "further upstream{follow}",
            x=x,
            alarms=root.names(),
            arrow=arrow,
            w=w,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=[
            tr(
                "Run an online E1 BER test (high-impedance bridging at the DDF) on the {arrow} E1 "
                "at {x} for at least 15 minutes, then at {w}: where the errors start is the span.",
                arrow=arrow,
                x=x,
                w=w,
            ),
            *_span_steps(root, root.link)[:1],
        ],
    )


_FAULTS = {
    "loss": _loss_fault,
    "optical": _optical_fault,
    "equipment": _equipment_fault,
    "ais": _ais_fault,
    "path-ais": _path_ais_fault,
    "remote": _remote_fault,
    "errors": _errors_fault,
}
