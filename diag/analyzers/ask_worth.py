"""`--ask`, what is worth asking: every possible answer of every pending question is put
through the analyzer (`engine.analyze`) hypothetically and measured by how it splits the
candidate segments (`weigh`, `rank`, `order`; the method is in diag.analyzers.ask's docstring).
diag.analyzers.ask re-exports these names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from diag.analyzers.answers import ANY, Question, questions_for
from diag.analyzers.ask_pending import (
    Pending,
    _answers,
    _side,
    _step_order,
    known_by_collectors,
    pointless,
)
from diag.analyzers.engine import analyze
from diag.analyzers.thresholds import Thresholds
from diag.model.findings import Finding, Verdict
from diag.model.observations import (
    AlarmObservation,
    AnswerObservation,
    NmsPollObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath, Segment

LOCALIZED = "fault_localized"


@dataclass(frozen=True)
class Outcome:
    """What the analyzer concludes if the question is answered with one of `values` (a value
    and a follow-up's answer read "on, a.converter.lamp.alarm=off")."""

    values: tuple[str, ...]
    verdict: Verdict
    blames: frozenset[int]  # path units (elements and links) its new fault findings point at
    share: float  # its probability when splitting the candidate segments


@dataclass(frozen=True)
class Choice:
    key: str
    text: str
    question: Question
    bits: float  # how well its answers split the candidate segments
    changes: float  # the chance its answer moves the verdict towards a fault (`_narrows`)
    outcomes: tuple[Outcome, ...]
    opens: float = 0.0  # the worth of the best question waiting for this one's answer, halved

    @property
    def worth(self) -> float:
        return max(self.bits + self.changes, self.opens)


def _units(path: CircuitPath, seg: Segment) -> range:
    """A segment as path units: element i is unit 2i, the link after it 2i+1."""
    i, j = sorted((path.index(seg.from_), path.index(seg.to)))
    return range(2 * i, 2 * j + 1)


OUTSIDE = 0.1  # weight of a path unit outside the suspected segment (the verdict may be wrong)
READ_CLEAN = 0.1  # weight of a unit step 3.1 read without an alarm (a dead NE or cut fibre alarms)


def candidate_weights(
    path: CircuitPath, verdict: Verdict, observations: Sequence[Observation] = ()
) -> dict[int, float]:
    """Where the fault can still be, as weights over path units (element i is unit 2i, the link
    after it 2i+1).  The verdict's segment counts fully and the rest of the path a little (a
    suspicion can be wrong); with no fault found, the whole path counts.  What step 3.1 read
    clean counts little (`read_clean`).  This is only the prior for choosing a question;
    nothing is cleared or blamed by it."""
    units = range(2 * len(path.elements) - 1)
    if verdict.status in (LOCALIZED, "fault_suspected") and verdict.segment is not None:
        inside = set(_units(path, verdict.segment))
        weights = {u: 1.0 if u in inside else OUTSIDE for u in units}
    else:
        weights = dict.fromkeys(units, 1.0)
    for u in read_clean(path, observations):
        weights[u] *= READ_CLEAN
    return weights


def read_clean(path: CircuitPath, observations: Sequence[Observation]) -> frozenset[int]:
    """The units step 3.1 saw without an alarm: managed NEs read completely with none, and the
    links on either side of them: a power failure, a board fault, a cut cable or a stream of
    bit errors there would most likely have raised an alarm."""
    polled = {
        ne
        for o in observations
        if isinstance(o, NmsPollObservation) and o.ok and not o.partial
        for ne in o.nes
    }
    alarmed = {o.device for o in observations if isinstance(o, AlarmObservation)}
    out: set[int] = set()
    for i, e in enumerate(path.elements):
        if e.ne_name and e.ne_name in polled and e.id not in alarmed:
            out.update(
                u for u in (2 * i - 1, 2 * i, 2 * i + 1) if 0 <= u < 2 * len(path.elements) - 1
            )
    return frozenset(out)


def _fault_key(f: Finding) -> tuple[object, ...]:
    seg = (f.segment.from_, f.segment.to) if f.segment else None
    return (f.rule, seg, f.direction, f.confidence)


def _faults(findings: Sequence[Finding]) -> frozenset[tuple[object, ...]]:
    return frozenset(_fault_key(f) for f in findings if f.kind == "fault" and f.segment)


def _hypothetical(key: str, value: str) -> AnswerObservation:
    return AnswerObservation(
        id=f"hypothetical-{key}",
        collector="answers:ask",
        at=datetime.now(UTC),
        key=key,
        value=value,
        source="ask",
    )


IMPLAUSIBLE = 0.1  # odds of an answer the pings across the line contradict (`line_state`)


def weigh(
    path: CircuitPath,
    observations: Sequence[Observation],
    item: Pending,
    thresholds: Thresholds | None = None,
    now: tuple[list[Finding], Verdict] | None = None,
) -> Choice:
    """Put every possible answer of one question through the analyzer and measure how the
    answers split the candidate segments (bits).

    An answer that opens follow-ups (`only_if`) is looked through: for a value that opens one,
    the follow-up's answers are tried too, and the question is worth the better of its own split
    and the two questions' split per question asked (R-LED-4a needs the E1 lamp *and* the
    converter's alarm lamp; neither alone blames anything)."""
    key, _, q = item
    findings0, verdict0 = now or analyze(path, observations, thresholds)
    base = _faults(findings0)
    prior = candidate_weights(path, verdict0, observations)
    odds = _Odds(line_state(path, observations))
    known: dict[str, str | None] = {**known_by_collectors(path, observations)}
    known.update(_answers(observations))
    follow = _follow_ups(path, key, known)

    def leaf(
        label: str, said: Sequence[Observation], dead: bool, damaged: bool, extra: bool = False
    ) -> _Leaf:
        findings, verdict = analyze(path, said, thresholds)
        blames = frozenset(
            u
            for f in findings
            if f.kind == "fault" and f.segment and _fault_key(f) not in base
            for u in _units(path, f.segment)
        )
        return _Leaf(label, verdict, blames, dead, damaged, extra)

    own: list[_Leaf] = []
    deep: list[_Leaf] = []
    for value in q.choices(path):
        said = [*observations, _hypothetical(key, value)]
        mine = leaf(value, said, value in q.no_signal, value in q.degraded)
        own.append(mine)
        best = [mine]
        for fkey, _, fq in follow:
            if pointless(fkey, fq, {**known, key: value}):
                continue
            leaves = [
                leaf(
                    f"{value}, {fkey}={w}",
                    [*said, _hypothetical(fkey, w)],
                    value in q.no_signal or w in fq.no_signal,
                    value in q.degraded or w in fq.degraded,
                    extra=True,
                )
                for w in fq.choices(path)
            ]
            if _reach(leaves, prior) > _reach(best, prior):
                best = leaves
        deep.extend(best)
    current = (verdict0.status, verdict0.segment)
    outcomes, bits, changes, _ = _split(own, prior, odds, current)
    if deep != own:
        deeper, dbits, dchanges, extra = _split(deep, prior, odds, current)
        if (dbits + dchanges) / (1 + extra) > bits + changes:
            outcomes = deeper
            bits, changes = dbits / (1 + extra), dchanges / (1 + extra)
    return Choice(key, item[1], q, round(bits, 6), round(changes, 6), tuple(outcomes))


@dataclass
class _Leaf:
    value: str
    verdict: Verdict
    blames: frozenset[int]
    dead: bool  # a `no_signal` answer: says no signal crosses its place
    damaged: bool  # a `degraded` answer: says the signal crosses, with errors or loss
    extra: bool = False  # reached through a follow-up: one more question


@dataclass(frozen=True)
class _Odds:
    """How likely an answer is, given what the pings across the line showed (`line_state`)."""

    line: str | None

    def of(self, leaf: _Leaf, unit: int) -> float:
        if (leaf.dead and self.line == "passes") or (leaf.damaged and self.line == "down"):
            return IMPLAUSIBLE
        return 1.0


def line_state(path: CircuitPath, observations: Sequence[Observation]) -> str | None:
    """What the pings across the line show.  "passes": a ping between the two ends' WAN
    addresses got replies, so every box and cable between the routers carries signal and an
    answer saying no signal crosses one of them (`no_signal`) is unlikely.  "down": a router's
    ping across the line to the far router's WAN got no reply at all, so an answer saying the
    signal crosses but is damaged (`degraded`: bit errors, some loss) is unlikely.  None: no
    such ping.  Unlikely, not impossible: the fault may be newer than the ping."""
    wans = {path.end(s).wan_ip for s in ("a", "b")} - {None}
    pings = [o for o in observations if isinstance(o, PingObservation) and o.target in wans]
    if any(o.received > 0 for o in pings):
        return "passes"
    routers = {path.end(s).router for s in ("a", "b")} - {None}
    if any(o.origin_kind == "router" and o.origin in routers and o.sent > 0 for o in pings):
        return "down"
    return None


def _reach(leaves: Sequence[_Leaf], prior: Mapping[int, float]) -> tuple[int, float]:
    """How much a set of answers blames: how many distinct parts, and their weight."""
    parts = {lf.blames for lf in leaves if lf.blames}
    units = frozenset().union(*parts) if parts else frozenset()
    return len(parts), sum(prior[u] for u in units)


def _follow_ups(path: CircuitPath, key: str, known: Mapping[str, str | None]) -> list[Pending]:
    """The questions whose `only_if` names this key (at the same end) and are still unknown."""
    side = _side(key)
    tmpl = "{s}" + key[1:] if side else key
    return [
        item
        for item in questions_for(path)
        if item[0] not in known
        and _side(item[0]) in (side, None)
        and ANY not in item[2].only_if.get(tmpl, [ANY])
    ]


def _narrows(verdict: Verdict, current: tuple[object, object]) -> bool:
    """The answer changes the verdict towards a fault: localizes it, or suspects elsewhere."""
    moved = (verdict.status, verdict.segment) != current
    return moved and verdict.status in (LOCALIZED, "fault_suspected")


def _split(
    leaves: Sequence[_Leaf],
    prior: Mapping[int, float],
    odds: _Odds,
    current: tuple[object, object],
) -> tuple[list[Outcome], float, float, float]:
    """What the answers tell about where the fault is.  The answers that blame the same units
    are one outcome.  With the fault at unit u, the answer is one of the outcomes that blame u
    (each as likely as its answers there, `_Odds`: a no-signal answer is unlikely while traffic
    passes, leaving room for the outcomes that blame nothing),
    or, when none blames u, one of those that blame nothing.  The bits are the mutual information between the fault's unit (weighed
    by `prior`) and the outcome: answers blaming nested or overlapping parts tell apart less
    than disjoint ones.  Returns the outcomes, the bits, the chance the verdict narrows, and the
    chance a follow-up gets asked."""
    groups: dict[frozenset[int], list[_Leaf]] = {}
    for lf in leaves:
        groups.setdefault(lf.blames, []).append(lf)
    keys = list(groups)
    neutral = [b for b in keys if not b]
    total = sum(prior.values()) or 1.0
    p_out = dict.fromkeys(keys, 0.0)
    cond_h = 0.0
    for u, w in prior.items():
        mine = {b: max(odds.of(m, u) for m in groups[b]) for b in keys if u in b}
        if neutral:
            rest = 1.0 - max(mine.values(), default=0.0)
            mine.update(dict.fromkeys(neutral, rest / len(neutral)))
        z = sum(mine.values())
        if z <= 0:
            continue  # no answer fits a fault here: this question says nothing about u
        pu = w / total
        for b, x in mine.items():
            p_out[b] += pu * x / z
            if x > 0:
                cond_h -= pu * (x / z) * math.log2(x / z)
    norm = sum(p_out.values()) or 1.0
    bits = -sum(p / norm * math.log2(p / norm) for p in p_out.values() if p > 0) - cond_h / norm
    outcomes: list[Outcome] = []
    changes = extra = 0.0
    for b, members in groups.items():
        share = p_out[b] / norm
        # the outcome's share among its answers: a plausible one before a no-signal one
        like = [max((odds.of(m, u) for u in b), default=1.0) for m in members]
        weight = sum(like)
        by_verdict: dict[tuple[object, object], list[tuple[_Leaf, float]]] = {}
        for m, x in zip(members, like, strict=True):
            p = share * x / weight
            changes += p * _narrows(m.verdict, current)
            extra += p * m.extra
            by_verdict.setdefault((m.verdict.status, m.verdict.segment), []).append((m, p))
        for ms in by_verdict.values():
            outcomes.append(
                Outcome(tuple(m.value for m, _ in ms), ms[0][0].verdict, b, sum(p for _, p in ms))
            )
    return outcomes, max(bits, 0.0), changes, extra


def rank(
    path: CircuitPath,
    observations: Sequence[Observation],
    pending: Sequence[Pending],
    thresholds: Thresholds | None = None,
    waiting: Sequence[Pending] = (),
) -> list[Choice]:
    """The pending questions weighed, the best first (see `order`).  A question others wait for
    (`waiting`: R-SUB's swaps wait for a test result) is worth at least half the best of them:
    two questions for what that one tells."""
    now = analyze(path, observations, thresholds)
    held = [weigh(path, observations, item, thresholds, now) for item in waiting]
    out = []
    for item in pending:
        c = weigh(path, observations, item, thresholds, now)
        tmpl = "{s}" + c.key[1:] if _side(c.key) else c.key
        opened = [h.worth for h in held if ANY in h.question.only_if.get(tmpl, [])]
        if opened:
            c = replace(c, opens=round(max(opened) / 2, 6))
        out.append(c)
    return order(out)


TIE = 1.25  # worths in one band of this ratio are a tie: the prior they come from is no finer


def _bucket(worth: float) -> int:
    return math.floor(math.log(max(worth, 1e-3)) / math.log(TIE))


def order(choices: Sequence[Choice]) -> list[Choice]:
    """The most worth first (the split's bits plus the chance the verdict narrows); worths in
    the same TIE band are a tie, broken by the procedure's step order (lamps by phone,
    then tests, swaps, hard cases), then the cheapest to ask (a phone call before a site visit,
    an instrument last), then as given."""
    steps = _step_order()
    numbered = list(enumerate(choices))
    numbered.sort(
        key=lambda nc: (
            -_bucket(nc[1].worth),
            steps.get(nc[1].question.step, len(steps)),
            nc[1].question.cost,
            nc[0],
        )
    )
    return [c for _, c in numbered]
