"""Step 3.1: the confidence each kind of the alarm correlation's roots earns, and the fault
findings of signal loss, optical power and equipment roots.  The other kinds and the table of
builders are in rules/alarm_paths.py, the shared words and span-splitting steps in
rules/alarm_steps.py; the registered rules that report them are in rules/alarms.py.
"""

from __future__ import annotations

from collections.abc import Iterable

from diag.analyzers.correlation import Consequence, Event, Root
from diag.analyzers.correlation.placement import CONF_BOARD
from diag.analyzers.registry import finding
from diag.analyzers.rules.alarm_steps import (
    _arrow,
    _at,
    _budget,
    _follow,
    _span_steps,
)
from diag.i18n import tr
from diag.model.findings import Evidence, Finding
from diag.model.path import CircuitPath

# ---------------------------------------------------------------------------- confidence
# A fault finding at >= 0.7 localises the fault (engine.LOCALIZED_AT); below it is suspected.
#
# R-AIS-1 is stated literally by the article: the reporter's own input span.
CONF_AIS_FIRST = 0.9
# R-AIS-2 widens the span to every station and cable back to the source CPE: still the
# article's rule, but more places to look.
CONF_AIS_FURTHER = 0.75
# An AIS whose span an RDI upstream narrows to a single span: two independent reports (the
# RDI's reporter sends a good signal, the AIS reporter receives a broken one) bracket one span.
CONF_AIS_BRACKETED = 0.85
# A LOS is detected at the receiver itself (G.775: no transitions on the port); the span feeding
# it holds every possible cause (upstream transmitter, the link, this receiver).  What is left
# is a misplaced port in the inventory or a spurious alarm: 0.85, and 0.9 when the consequent
# actions the standard predicts (AIS downstream, RDI upstream) are seen and in time.
CONF_LOS = 0.85
# LOF: the signal arrives but cannot be framed, which is also the span feeding the receiver,
# but a framing mismatch (CRC-4 / no CRC-4) between its two ends gives the same alarm.
CONF_LOF = 0.8
CONF_CORROBORATED = 0.05
# An NE that reports its own power failure is the fault; a board alarm on the board that carries
# the circuit's port too (correlation.placement.CONF_BOARD; one naming no board is suspected).
CONF_POWER = 0.9
# Optical power out of range at a receiver: the fiber/optics feeding it.  Confirmed by the
# inventory's link budget (launch - attenuation against overload point / sensitivity): 0.9.
CONF_OPTICAL = 0.8
CONF_OPTICAL_BUDGET = 0.9
# AIS / LOP of the SDH layers with nothing upstream.  Same reading as R-AIS, not stated by the
# article, and the VC path may be cross-connected through NEs the inventory does not list: one
# notch below R-AIS, and only suspected when the span is wider than one link.
CONF_PATH_AIS_SPAN = 0.75
CONF_PATH_AIS_WIDE = 0.65
# An RDI that no root explains: the reporter's transmit direction is broken downstream.  The
# section layers (MS/RS RDI) are returned by the very next NE: one span.  Path RDI/RAI come from
# the path's far end, so only an upper bound: suspected unless that is one span.
CONF_RDI_SPAN = 0.75
CONF_RDI_WIDE = 0.6
# Bit errors or lost multiframe at a receiver: a symptom, not an interruption; errors on a
# framed path may be inserted anywhere upstream.
CONF_ERRORS = 0.5
# An alarm of a type the normalisation table does not know, on the circuit's own port; or a
# DS1-MIB defect on a polled port the path does not place.
CONF_UNPLACED = 0.4
CONF_OTHER_ALARM = 0.5
# How sure a consequence is explained by its root: the topology says so (0.9); when the two were
# raised further apart than the correlation window, it may be an earlier, separate event.
CONF_CONSEQUENCE = 0.9
CONF_CONSEQUENCE_LATE = 0.7


def _seconds_apart(a: Event, b: Event) -> float | None:
    if a.raised is None or b.raised is None:
        return None
    return abs((a.raised - b.raised).total_seconds())


def _in_time(c: Consequence, window_s: float) -> bool:
    apart = _seconds_apart(c.event, c.by)
    return apart is None or apart <= window_s


def _evidence(evs: Iterable[Event]) -> list[Evidence]:
    seen: set[tuple[str | None, str]] = set()
    out = []
    for e in evs:
        key = (e.evidence.observation, e.evidence.text)
        if key not in seen:
            seen.add(key)
            out.append(e.evidence)
    return out


def _corroborated(root: Root, window_s: float) -> bool:
    """Another NE saw the consequent action the standard predicts, in time (alarms at the same
    point or element are not independent evidence)."""
    return any(
        c.why not in ("masked", "same-element") and _in_time(c, window_s) for c in root.consequences
    )


def _loss_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    link = root.link
    over = f" ({link.label})" if link is not None else ""
    lead = root.lead
    if lead.type == "LOS":
        what = tr("the signal {w} sends to it does not arrive", w=w)
        causes = tr(
            "{w}'s transmitter, the link between them{over}, or {x}'s receiver", w=w, over=over, x=x
        )
        conf = CONF_LOS
    else:
        what = tr("the signal from {w} arrives but cannot be framed", w=w)
        causes = tr(
            "{w}'s output, the link{over}, {x}'s receiver, or a framing mismatch "
            "(CRC-4 / no CRC-4) between them",
            w=w,
            over=over,
            x=x,
        )
        conf = CONF_LOF
    if _corroborated(root, window_s):
        conf += CONF_CORROBORATED
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr(
            "{alarms} at {x}: the span from {w} is broken ({arrow})",
            alarms=root.names(),
            x=x,
            w=w,
            arrow=arrow,
        ),
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=tr(
            "{at} reports {alarms} on its receive side ({arrow}): {what}, so the fault is in the "
            "span {w} → {x}: {causes}{follow}",
            at=_at(x, lead.port),
            alarms=root.names(),
            arrow=arrow,
            what=what,
            w=w,
            x=x,
            causes=causes,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=_span_steps(root, link),
    )


def _optical_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x, w, arrow = root.element.id, root.upstream.id if root.upstream else "?", _arrow(root.flow)
    link = root.link
    lead = root.lead
    at = _at(x, lead.port)
    rx = _budget(link)
    conf = CONF_OPTICAL
    label = link.label if link is not None else tr("the fiber from {w}", w=w)
    budget = ""
    if lead.type == "OPTICAL_POWER_HIGH":
        what = tr(
            "the light {x} receives from {w} is above its receiver's overload point, which "
            "gives bit errors without any other alarm (R-OPT-2)",
            x=x,
            w=w,
        )
        over_budget = (
            link is not None
            and rx is not None
            and link.overload_dbm is not None
            and rx > link.overload_dbm
        )
        if over_budget:
            assert link is not None and rx is not None and link.overload_dbm is not None  # noqa: PT018
            budget = tr(
                "; the inventory's budget agrees: launch {launch:g} dBm − {attenuation:g} dB = "
                "{rx:g} dBm, above the {overload:g} dBm overload point",
                launch=link.launch_power_dbm,
                attenuation=link.attenuation_db,
                rx=rx,
                overload=link.overload_dbm,
            )
            conf = CONF_OPTICAL_BUDGET
            pad = f"{rx - link.overload_dbm + margin_db:g} dB"
        else:
            pad = tr("enough to stay {margin:g} dB below overload", margin=margin_db)
        steps = [
            tr(
                "Measure the received power at {at} with an optical power meter and compare it "
                "with the receiver's overload point.",
                at=at,
            ),
            tr(
                "Insert a fixed optical attenuator at {x}'s receive side ({pad}); then run an E1 "
                "BER test to confirm the errors stop (R-OPT-2).",
                x=x,
                pad=pad,
            ),
        ]
        title = tr("{alarm} at {x}: optical overload on {link}", alarm=lead.name, x=x, link=label)
    else:
        what = tr(
            "the light {x} receives from {w} is too weak: fiber attenuation, a dirty or "
            "damaged connector, or a failing transmitter at {w}",
            x=x,
            w=w,
        )
        if (
            link is not None
            and rx is not None
            and link.sensitivity_dbm is not None
            and rx < link.sensitivity_dbm + margin_db
        ):
            conf = CONF_OPTICAL_BUDGET
            budget = tr(
                "; the inventory's budget is already marginal: {rx:g} dBm against "
                "{sensitivity:g} dBm sensitivity",
                rx=rx,
                sensitivity=link.sensitivity_dbm,
            )
        steps = [
            tr(
                "Measure {w}'s launch power and the power received at {at} with an optical "
                "power meter: the difference is the span loss (the inventory expects "
                "{attenuation:g} dB).",
                w=w,
                at=at,
                attenuation=link.attenuation_db,
            )
            if link is not None and link.attenuation_db is not None
            else tr(
                "Measure {w}'s launch power and the power received at {at} with an optical "
                "power meter: the difference is the span loss.",
                w=w,
                at=at,
            ),
            tr(
                "Clean or replace the connectors and jumpers at both ODFs; OTDR the fiber for "
                "bends, bad splices or a partial break (R-OPT-1)."
            ),
        ]
        title = tr("{alarm} at {x}: weak light on {link}", alarm=lead.name, x=x, link=label)
    if _corroborated(root, window_s):
        conf = min(conf + CONF_CORROBORATED, 0.95)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=title,
        direction=root.flow,
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=tr(
            "{at} reports {alarms} ({arrow}): {what}{budget}{follow}",
            at=at,
            alarms=root.names(),
            arrow=arrow,
            what=what,
            budget=budget,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=steps,
    )


def _equipment_fault(path: CircuitPath, root: Root, window_s: float, margin_db: float) -> Finding:
    x = root.element
    lead = root.lead
    if lead.type == "POWER_FAIL":
        conf = CONF_POWER
        what = tr("has lost power")
        steps = [
            tr(
                "Dispatch to {element} first: check its mains / DC feed, rectifier, fuses "
                "and power board; bring a spare power board and a multimeter.",
                element=x.label,
            ),
        ]
    else:
        conf = root.board_confidence
        board = lead.port or tr("the alarmed board")
        if conf < CONF_BOARD:
            what = tr(
                "has a board fault ({alarm} on {board}), on a board the inventory does not tie "
                "to this circuit's ports",
                alarm=lead.name,
                board=board,
            )
        else:
            what = tr("has a board fault ({alarm} on {board})", alarm=lead.name, board=board)
        steps = [
            tr(
                "In the NMS check board {board} of {x} (in position, running); on site reseat "
                "it, or swap it for a spare board of the same type (substitution, 3.4).",
                board=board,
                x=x.id,
            ),
        ]
    steps.append(
        tr(
            "Once it is back, re-read the NMS: the LOS/AIS/RDI reported as consequences must "
            "clear; one that stays is a second fault."
        )
    )
    if _corroborated(root, window_s):
        conf = min(conf + CONF_CORROBORATED, 0.95)
    return finding(
        rule=root.rule,
        procedure="3.1",
        title=tr("{alarms} at {x}", alarms=root.names(), x=x.id),
        segment=root.segment,
        owner=path.owner_of(root.segment),
        confidence=conf,
        cause=tr(
            "{x} {what}: both directions of the circuit are interrupted at this element{follow}",
            x=x.id,
            what=what,
            follow=_follow(root),
        ),
        evidence=_evidence(root.head),
        next_steps=steps,
    )
