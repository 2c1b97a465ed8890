"""Alarm correlation for one circuit, computed once per analysis and shared by the step-3.1 rules.

DOMAIN.md §1.2 (3.1, R-AIS-1/R-AIS-2), §2.2 and §2.4 (consequent actions, alarm precedence and
the "rule-engine implication").  The alarms of one circuit are read per signal direction, A→B
and B→A separately, in four stages:

0. *Relevance* (`placement.relevance`).  An alarm counts against the circuit only when it sits on
   the circuit's own port at that NE (a hop's a_port/b_port, the CPE's customer port and line
   port), on a board that carries the circuit, or is NE-wide (power failure).  Every other alarm
   on the path's NEs is *context*: listed with the reason it was not counted, no finding, no
   effect on the verdict.  An alarm on a port the inventory cannot place (the element does not
   list that side's port) is an *inventory note*: the inventory must say before diag can.
   Cleared alarms are context too.
1. *Placement* (`placement.events`).  Each counted alarm, and each defect bit of a DS1-MIB line
   polled directly on an NE, becomes an `Event` at its element, on the direction of flow it
   speaks of: a receive-side defect (LOS, LOF, AIS, optical power, errors) concerns the signal
   *arriving* at the port; an RDI/RAI concerns the signal the port *sends*; POWER_FAIL and
   BD_STATUS concern the whole element, both directions.
2. *Precedence* (`placement.rank`).  At one point (element, direction, receive or remote side)
   only the highest alarm is read; the lower ones are reported as masked (§2.4).
3. *Roots and consequences* (`correlate.correlate`).  Walking each direction from its source, the
   first defect is a root; downstream AIS, LOF and errors are its consequences; a LOS or optical
   alarm downstream is a second, independent root; RDI/RAI are consequences of the nearest root
   downstream of their reporter, or, unexplained, the evidence that the reporter's transmit
   direction is broken downstream.
"""

from __future__ import annotations

from dataclasses import dataclass

from diag.analyzers.correlation.correlate import (
    Consequence,
    Correlation,
    Root,
    correlate,
)
from diag.analyzers.correlation.placement import (
    FLOWS,
    TRANSMISSION,
    ContextItem,
    Event,
    Flow,
    Note,
    events,
    rank,
)
from diag.model.observations import AlarmObservation, NeE1LineObservation
from diag.model.path import CircuitPath


@dataclass
class AlarmPicture:
    """Everything step 3.1 knows about the circuit's alarms, computed once."""

    events: list[Event]
    correlation: Correlation
    context: list[ContextItem]
    notes: list[Note]


def picture(
    path: CircuitPath,
    alarms: list[AlarmObservation],
    lines: list[NeE1LineObservation],
) -> AlarmPicture:
    if not alarms and not lines:
        return AlarmPicture([], Correlation([], [], []), [], [])
    evs, context, notes = events(path, alarms, lines)
    return AlarmPicture(evs, correlate(path, evs), context, notes)


__all__ = [
    "FLOWS",
    "TRANSMISSION",
    "AlarmPicture",
    "Consequence",
    "ContextItem",
    "Correlation",
    "Event",
    "Flow",
    "Note",
    "Root",
    "correlate",
    "events",
    "picture",
    "rank",
]
