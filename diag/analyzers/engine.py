"""Walk the procedure's steps over the observations and settle the verdict."""

from __future__ import annotations

from collections.abc import Sequence

from diag.analyzers import playbook
from diag.analyzers.context import Context
from diag.analyzers.thresholds import Thresholds, defaults
from diag.model.findings import Finding, Verdict
from diag.model.observations import NmsPollObservation, Observation
from diag.model.path import CircuitPath, Segment

LOCALIZED_AT = 0.7  # a fault finding at or above this confidence localises the fault


def analyze(
    path: CircuitPath, observations: Sequence[Observation], thresholds: Thresholds | None = None
) -> tuple[list[Finding], Verdict]:
    ctx = Context.build(path, observations, thresholds or defaults())
    findings: list[Finding] = []
    for step in playbook.load():
        for r in step.rules:
            if not r.applies(ctx):
                continue
            have = [n for n in r.needs if ctx.has(n)]
            if r.needs and (not have if r.needs_any else len(have) < len(r.needs)):
                findings.append(
                    _not_evaluated(r.id, r.refs, step.id, r.title, r.needs, r.needs_any)
                )
                continue
            findings.extend(r.run(ctx))
    return findings, verdict(path, findings, ctx.of(NmsPollObservation))


def _not_evaluated(
    rid: str, refs: tuple[str, ...], step: str, title: str, needs: tuple[str, ...], any_: bool
) -> Finding:
    from diag.analyzers.answers import question_for

    want = (" or " if any_ else " and ").join(needs)
    asks = [q for n in needs if (q := question_for(n))]
    return Finding(
        rule=rid,
        procedure=",".join(refs),
        kind="not_evaluated",
        title=f"step {step}: {title} — not evaluated",
        direction=None,
        segment=None,
        owner="unknown",
        confidence=1.0,
        cause=f"needs {want}, which nobody has reported yet",
        evidence=[],
        next_steps=asks[:2],
    )


def verdict(path: CircuitPath, findings: list[Finding], polls: list[NmsPollObservation]) -> Verdict:
    faults = sorted(
        (f for f in findings if f.kind == "fault" and f.segment), key=lambda f: -f.confidence
    )
    if faults:
        strong = _most_specific(path, [f for f in faults if f.confidence >= LOCALIZED_AT])
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
    blind = [f for f in findings if f.kind == "not_evaluated" and f.rule == "nms-unreadable"]
    if blind or not polls:
        why = blind[0].cause if blind else "no NMS manages the network elements on this path"
        return Verdict(
            status="inconclusive", segment=None, owner="unknown", summary=f"Inconclusive: {why}."
        )
    nes = sum(len(p.nes) for p in polls)
    pending = sum(1 for f in findings if f.kind == "not_evaluated")
    tail = f"; {pending} check(s) still need answers from site" if pending else ""
    return Verdict(
        status="healthy",
        segment=None,
        owner="unknown",
        summary=(
            f"No fault found: no active alarm on the {nes} managed network "
            f"element{'s' if nes != 1 else ''} of the path and no rule fired"
            f"{tail}."
        ),
    )


def _span(path: CircuitPath, seg: Segment) -> tuple[int, int]:
    i, j = path.index(seg.from_), path.index(seg.to)
    return min(i, j), max(i, j)


def _most_specific(path: CircuitPath, faults: list[Finding]) -> list[Finding]:
    """Drop a fault whose segment strictly contains another fault's: the narrower one is the
    more specific localisation of the same trouble (e.g. BER errors on the whole channel vs an
    optical overload on one fibre of it).  Disjoint or overlapping faults all stay (two faults)."""
    spans = [(_span(path, f.segment), f) for f in faults if f.segment]
    keep = []
    for (lo, hi), f in spans:
        inner = any((lo <= lo2 and hi2 <= hi) and (lo2, hi2) != (lo, hi) for (lo2, hi2), _ in spans)
        if not inner:
            keep.append(f)
    return keep


def _union(path: CircuitPath, segs: list[Segment]) -> Segment:
    idx = [path.index(s.from_) for s in segs] + [path.index(s.to) for s in segs]
    return Segment(from_=path.elements[min(idx)].id, to=path.elements[max(idx)].id)
