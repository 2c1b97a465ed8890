"""Step 3.1 of the procedure: localise from the NMS's alarms, before going on site.

The correlation itself (relevance, placement, precedence, roots and consequences) lives in
`diag.analyzers.correlation` and is computed once per analysis (`Context.alarms`).  This module
turns it into findings: one registered rule per kind of root, and one per kind of consequence.
Alarms that do not count against the circuit are not findings at all: they are the document's
`context` (and `inventory_notes` for ports the inventory cannot place).
"""

from __future__ import annotations

from diag.analyzers.context import Context
from diag.analyzers.correlation import Consequence, Correlation, Root
from diag.analyzers.registry import by_inputs, finding, rule
from diag.analyzers.rules.alarm_faults import (
    CONF_CONSEQUENCE,
    CONF_CONSEQUENCE_LATE,
    CONF_OTHER_ALARM,
    CONF_UNPLACED,
    _seconds_apart,
)
from diag.analyzers.rules.alarm_paths import _fault
from diag.analyzers.rules.alarm_steps import _arrow
from diag.i18n import mark, tr
from diag.model.findings import Evidence, Finding
from diag.model.observations import NmsPollObservation
from diag.model.path import CircuitPath, Segment


def _root_where(root: Root) -> str:
    seg = root.segment
    span = seg.from_ if seg.from_ == seg.to else f"{seg.from_} … {seg.to}"
    return tr(
        "{where} ({alarms}, fault in {span})",
        where=root.lead.where(),
        alarms=root.names(),
        span=span,
    )


def consequence_rule(c: Consequence) -> str:
    """The registered rule that reports a consequence."""
    if c.why in ("masked", "same-element"):
        return "alarm-masked"
    if c.why in ("upstream", "forwarded"):
        return "rdi-upstream-consequence"
    if c.why == "downstream" and c.event.type == "AIS":
        return "ais-downstream-consequence"
    return "alarm-consequence"


def _consequence_cause(root: Root, c: Consequence) -> str:
    e = c.event
    x, alarm, arrow = e.element.id, e.name, _arrow(e.flow)
    if c.why == "masked":
        return tr(
            "{alarm} at {where} is masked by the higher-ranking {by} at the same point (alarm "
            "precedence LOS > LOF > MS-AIS > AU-AIS > TU-AIS, DOMAIN §2.4)",
            alarm=alarm,
            where=e.where(),
            by=c.by.name,
        )
    if c.why == "same-element":
        return tr(
            "{alarm} at {where} follows from {by} at the same element; not a separate fault",
            alarm=alarm,
            where=e.where(),
            by=c.by.name,
        )
    if c.why == "dead-neighbour":
        return tr(
            "{x} reports {alarm} ({arrow}) because its neighbour {ne} has failed ({alarms}) "
            "and sends nothing; not a separate fault",
            x=x,
            alarm=alarm,
            arrow=arrow,
            ne=root.element.id,
            alarms=root.names(),
        )
    where = _root_where(root)
    if c.why == "downstream" and root.kind == "errors":
        return tr(
            "{x} reports {alarm} ({arrow}): the errors start upstream at {where}; not a "
            "separate fault",
            x=x,
            alarm=alarm,
            arrow=arrow,
            where=where,
        )
    if c.why == "downstream":
        return tr(
            "{x} reports {alarm} ({arrow}) because the signal is already broken upstream at "
            "{where}: AIS is inserted downstream as a consequent action; not a separate fault",
            x=x,
            alarm=alarm,
            arrow=arrow,
            where=where,
        )
    if c.why == "upstream":
        return tr(
            "{x} reports {alarm}: the equipment downstream of it in {arrow} returns a remote "
            "defect indication for the signal lost at {where}; not a separate fault",
            x=x,
            alarm=alarm,
            arrow=arrow,
            where=where,
        )
    return tr(  # forwarded
        "{x} reports {alarm}: it forwards, {arrow}, the AIS caused upstream at {where}, and "
        "the far end answers with a remote defect indication; not a separate fault",
        x=x,
        alarm=alarm,
        arrow=arrow,
        where=where,
    )


def _consequence(path: CircuitPath, root: Root, c: Consequence, window_s: float) -> Finding:
    e = c.event
    x = e.element.id
    rid = consequence_rule(c)
    cause = _consequence_cause(root, c)
    conf = CONF_CONSEQUENCE
    apart = _seconds_apart(e, c.by)
    if c.why != "masked" and apart is not None and apart > window_s:
        conf = CONF_CONSEQUENCE_LATE
        cause += tr(
            " (raised {apart:.0f} s apart from {by}, more than the {window:g} s correlation "
            "window: check the alarm history for an earlier, separate event)",
            apart=apart,
            by=c.by.name,
            window=window_s,
        )
    return finding(
        rule=rid,
        procedure="R-AIS-2" if e.is_e1_ais else "3.1",
        kind="consequence",
        title=tr(
            "{alarm} at {x} follows from the fault at {root}",
            alarm=e.name,
            x=x,
            root=root.element.id,
        ),
        direction=e.flow,
        segment=None,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=cause,
        evidence=[e.evidence],
    )


def root_findings(
    path: CircuitPath, corr: Correlation, rule_id: str, window_s: float, margin_db: float
) -> list[Finding]:
    """The fault findings of one rule's roots."""
    return [_fault(path, r, window_s, margin_db) for r in corr.roots if r.rule == rule_id]


def consequence_findings(
    path: CircuitPath, corr: Correlation, rule_id: str, window_s: float
) -> list[Finding]:
    """The consequences one rule reports (masked, downstream AIS, upstream RDI, others)."""
    return [
        _consequence(path, root, c, window_s)
        for root in corr.roots
        for c in root.consequences
        if consequence_rule(c) == rule_id
    ]


def other_alarm_findings(path: CircuitPath, corr: Correlation) -> list[Finding]:
    """Counted alarms no correlation rule can read (a type the table does not know, on the
    circuit's own port): suspected at their element, never localising."""
    out = []
    for ev in [*corr.unplaced, *corr.other]:
        el = ev.element
        seg = Segment(from_=el.id, to=el.id)
        if ev.type == "UNKNOWN":
            why = tr(
                "an alarm diag does not recognise, {alarm!r} ({layer} layer), on this circuit's "
                "port",
                alarm=ev.name,
                layer=ev.layer,
            )
            conf = CONF_OTHER_ALARM
        else:
            why = tr(
                "{alarm} on port {port}, whose direction on this circuit is unknown",
                alarm=ev.name,
                port=ev.port or "?",
            )
            conf = CONF_UNPLACED
        out.append(
            finding(
                rule="alarm-on-path",
                procedure="3.1",
                title=tr("{alarm} active at {x}", alarm=ev.name, x=el.id),
                segment=seg,
                owner=path.owner_of(seg),
                confidence=conf,
                cause=tr("{x} has {why}; suspected only", x=el.id, why=why),
                evidence=[ev.evidence],
                next_steps=[
                    tr(
                        "Look up {alarm!r} in {x}'s vendor alarm reference and its alarm "
                        "history in the NMS; if it is a known alarm, add it to diag's alarm "
                        "table.",
                        alarm=ev.name,
                        x=el.id,
                    )
                ],
            )
        )
    return out


def unreadable_findings(polls: list[NmsPollObservation]) -> list[Finding]:
    """Say which NMS could not be read: its NEs' alarms are unknown, not absent."""
    return [
        finding(
            rule="nms-unreadable",
            procedure="3.1",
            kind="unreachable",
            title=tr("NMS {nms} could not be read", nms=poll.nms),
            segment=None,
            owner="unknown",
            confidence=1.0,
            cause=tr(
                "the alarms of {nes} are unknown: {error}",
                nes=", ".join(poll.nes),
                error=poll.error,
            ),
            # the error is the collector's own text, recorded as it was read
            evidence=[
                Evidence(
                    observation=poll.id, text=tr("{nms}: {error}", nms=poll.nms, error=poll.error)
                )
            ],
            next_steps=[
                tr(
                    "Check that NMS {nms} answers SNMP from this host (address, port, "
                    "credentials, firewall), or read its alarms on its own console.",
                    nms=poll.nms,
                ),
                tr("Meanwhile go on with the customer-side questions (step 3.2)."),
            ],
        )
        for poll in polls
        if not poll.ok
    ]


def unmanaged_findings(path: CircuitPath) -> list[Finding]:
    unmanaged = [e.id for e in path.elements if e.kind in TRANSMISSION and e.ne_name is None]
    if not unmanaged:
        return []
    return [
        finding(
            rule="ne-unmanaged",
            procedure="3.1",
            kind="info",
            title=tr("network elements without an NMS"),
            segment=None,
            owner="unknown",
            confidence=1.0,
            cause=(
                tr(
                    "{nes} are not managed by any NMS in the inventory; step 3.1 cannot see "
                    "their alarms",
                    nes=", ".join(unmanaged),
                )
                if len(unmanaged) > 1
                else tr(
                    "{ne} is not managed by any NMS in the inventory; step 3.1 cannot see its "
                    "alarms",
                    ne=unmanaged[0],
                )
            ),
        )
    ]


# --------------------------------------------------------------------------- registered rules

SOURCES = ("nms_poll", "ne_e1_line")
TRANSMISSION = ("pdh", "sdh", "msap")


@by_inputs
def _has_source(ctx: Context) -> bool:
    # The correlation rules stay silent without alarm sources: ais-upstream-localize already
    # reports step 3.1 as not evaluated, once.
    return any(ctx.has(s) for s in SOURCES)


def _run(ctx: Context, rule_id: str) -> list[Finding]:
    corr = ctx.alarms.correlation
    if not corr.roots:
        return []
    return root_findings(
        ctx.path,
        corr,
        rule_id,
        ctx.thresholds["alarm_correlation_window_s"],
        ctx.thresholds["optical_margin_db"],
    )


def _consequences(ctx: Context, rule_id: str) -> list[Finding]:
    corr = ctx.alarms.correlation
    if not corr.roots:
        return []
    return consequence_findings(
        ctx.path, corr, rule_id, ctx.thresholds["alarm_correlation_window_s"]
    )


@rule(
    "ais-upstream-localize",
    ("R-AIS-1", "R-AIS-2"),
    "3.1",
    mark("E1_AIS: the most upstream reporting station bounds the fault, per direction"),
    SOURCES,
)
def _ais(ctx: Context) -> list[Finding]:
    return _run(ctx, "ais-upstream-localize")


@rule(
    "signal-loss-localize",
    ("3.1", "R-OPT-1"),
    "3.1",
    mark(
        "LOS/LOF at a receiver: the span feeding it, per direction (AIS down, RDI up: consequences)"
    ),
    SOURCES,
    applies=_has_source,
)
def _loss(ctx: Context) -> list[Finding]:
    return _run(ctx, "signal-loss-localize")


@rule(
    "equipment-fault-localize",
    ("3.1",),
    "3.1",
    mark("power failure or board fault at an NE: that NE, both directions"),
    SOURCES,
    applies=_has_source,
)
def _equipment(ctx: Context) -> list[Finding]:
    return _run(ctx, "equipment-fault-localize")


@rule(
    "optical-power-alarm",
    ("3.1", "R-OPT-1", "R-OPT-2"),
    "3.1",
    mark("received optical power too high (overload) or too low: the fiber feeding the receiver"),
    SOURCES,
    applies=_has_source,
)
def _optical(ctx: Context) -> list[Finding]:
    return _run(ctx, "optical-power-alarm")


@rule(
    "path-ais-localize",
    ("3.1",),
    "3.1",
    mark("MS/AU/TU AIS or LOP with nothing upstream: the span back to the source, per direction"),
    SOURCES,
    applies=_has_source,
)
def _path_ais(ctx: Context) -> list[Finding]:
    return _run(ctx, "path-ais-localize")


@rule(
    "remote-defect-localize",
    ("3.1",),
    "3.1",
    mark("RDI/RAI no other alarm explains: the reporter's transmit direction is broken downstream"),
    SOURCES,
    applies=_has_source,
)
def _remote(ctx: Context) -> list[Finding]:
    return _run(ctx, "remote-defect-localize")


@rule(
    "alarm-on-path",
    ("3.1",),
    "3.1",
    mark("errors, and alarms of unknown type on the circuit's own ports: suspected at their place"),
    SOURCES,
    applies=_has_source,
)
def _on_path(ctx: Context) -> list[Finding]:
    corr = ctx.alarms.correlation
    if not (corr.unplaced or corr.other):
        return _run(ctx, "alarm-on-path")
    return [*_run(ctx, "alarm-on-path"), *other_alarm_findings(ctx.path, corr)]


@rule(
    "ais-downstream-consequence",
    ("R-AIS-2", "3.1"),
    "3.1",
    mark("AIS downstream of a root: the consequent action of the sink that lost the signal"),
    SOURCES,
    applies=_has_source,
)
def _ais_down(ctx: Context) -> list[Finding]:
    return _consequences(ctx, "ais-downstream-consequence")


@rule(
    "rdi-upstream-consequence",
    ("3.1",),
    "3.1",
    mark("RDI/RAI upstream of a root, or answering a forwarded AIS: not a separate fault"),
    SOURCES,
    applies=_has_source,
)
def _rdi_up(ctx: Context) -> list[Finding]:
    return _consequences(ctx, "rdi-upstream-consequence")


@rule(
    "alarm-consequence",
    ("3.1",),
    "3.1",
    mark("LOF, errors and LOS caused by a root upstream or a dead neighbour: not a separate fault"),
    SOURCES,
    applies=_has_source,
)
def _other_down(ctx: Context) -> list[Finding]:
    return _consequences(ctx, "alarm-consequence")


@rule(
    "alarm-masked",
    ("3.1",),
    "3.1",
    mark("lower-ranking alarms at the same point or element (precedence, DOMAIN §2.4)"),
    SOURCES,
    applies=_has_source,
)
def _masked(ctx: Context) -> list[Finding]:
    return _consequences(ctx, "alarm-masked")


@rule("nms-unreadable", ("3.1",), "3.1", mark("which NMS could not be read, and whose alarms"), ())
def _unreadable(ctx: Context) -> list[Finding]:
    return unreadable_findings(ctx.of(NmsPollObservation))


@rule("ne-unmanaged", ("3.1",), "3.1", mark("which NEs no NMS in the inventory manages"), ())
def _unmanaged(ctx: Context) -> list[Finding]:
    # the path's only: built once per circuit shape (findings are frozen)
    return ctx.shaped("alarms.unmanaged", lambda: unmanaged_findings(ctx.path))
