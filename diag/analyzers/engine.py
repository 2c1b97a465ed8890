"""Walk the procedure's steps over the observations and settle the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from diag.analyzers import alarms as step31
from diag.model.findings import Finding, Verdict
from diag.model.observations import AlarmObservation, NmsPollObservation, Observation
from diag.model.path import CircuitPath, Segment

LOCALIZED_AT = 0.7  # a fault finding at or above this confidence localises the fault


def analyze(
    path: CircuitPath, observations: Sequence[Observation]
) -> tuple[list[Finding], Verdict]:
    alarms = [o for o in observations if isinstance(o, AlarmObservation)]
    polls = [o for o in observations if isinstance(o, NmsPollObservation)]
    placed = step31.place(path, alarms)
    findings = [
        *step31.ais_findings(path, placed),
        *step31.unplaced_ais_findings(path, placed),
        *step31.other_alarm_findings(path, placed),
        *step31.coverage_findings(path, polls),
    ]
    return findings, verdict(path, findings, polls)


def verdict(path: CircuitPath, findings: list[Finding], polls: list[NmsPollObservation]) -> Verdict:
    faults = sorted(
        (f for f in findings if f.kind == "fault" and f.segment), key=lambda f: -f.confidence
    )
    if faults:
        strong = [f for f in faults if f.confidence >= LOCALIZED_AT]
        chosen = strong or faults
        seg = _union(path, [f.segment for f in chosen if f.segment])
        status = "fault_localized" if strong else "fault_suspected"
        head = chosen[0]
        more = f" ({len(chosen)} faults)" if len(chosen) > 1 else ""
        verb = "localized to" if strong else "suspected in"
        summary = (
            f"Fault{more} {verb} {seg.from_} … {seg.to} ({path.owner_of(seg)}): "
            f"{head.cause} [{head.procedure}]."
        )
        return Verdict(status=status, segment=seg, owner=path.owner_of(seg), summary=summary)
    blind = [f for f in findings if f.kind == "not_evaluated"]
    if blind or not polls:
        why = blind[0].cause if blind else "no NMS manages the network elements on this path"
        return Verdict(
            status="inconclusive", segment=None, owner="unknown", summary=f"Inconclusive: {why}."
        )
    nes = sum(len(p.nes) for p in polls)
    return Verdict(
        status="healthy",
        segment=None,
        owner="unknown",
        summary=(
            f"No active alarm on the {nes} managed network element"
            f"{'s' if nes != 1 else ''} of the path (NMS step 3.1)."
        ),
    )


def _union(path: CircuitPath, segs: list[Segment]) -> Segment:
    idx = [path.index(s.from_) for s in segs] + [path.index(s.to) for s in segs]
    return Segment(from_=path.elements[min(idx)].id, to=path.elements[max(idx)].id)
