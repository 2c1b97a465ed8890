"""`diag circuit ID --ask`: ask people what the collectors could not read, the most useful
question first, and offer to finish as soon as the fault is localized.

Which question is pointless is declared in the vocabulary (diag/playbooks/questions/*.yaml:
`applies_to`, `only_if`, `unless`, `group`) and checked against the circuit, what the collectors
read and the answers so far (`pending_questions`).

Which question is most useful is measured, not tabled (`weigh`, `rank`): every possible answer
of every pending question is put through the analyzer (`engine.analyze`) hypothetically.  The
units of the path (elements and the links between them) where the fault can be carry a prior:
the verdict's segment, else the whole path; what step 3.1 read without an alarm counts little.
An answer blames the units its new fault findings point at; the question is worth the mutual
information between the fault's unit and its answer (how well the answers split the candidate
segments), plus the chance its answer narrows the verdict.  Answers the pings across the line
contradict are unlikely (`no_signal` while traffic passes, `degraded` while nothing does).  A
question that opens value-specific follow-ups is weighed together with them; one that others
wait for (`only_if: *`, the swaps after a test) is worth at least half the best of those.
Worths in one TIE band go to the procedure's step order, then the cheapest to ask (a phone call
before a site visit, an instrument last).

Once localized, the questions the procedure attaches to the rules that localized it come first,
then the offer to finish (`run`).  Pure apart from the `prompt` / `say` callables the CLI passes
in, so every part is tested from data, and a scenario's on-site answers can play the person
(bench/ask_questions.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from diag.analyzers.answers import (
    ANY,
    WHO,
    AnswerError,
    Question,
    lookup,
    parse_answer,
    questions_for,
    vocabulary,
)
from diag.analyzers.engine import analyze
from diag.analyzers.thresholds import Thresholds
from diag.analyzers.verdict import OWNER_WORDS
from diag.i18n import mark, tr, tr_marked
from diag.model.findings import Finding, Verdict
from diag.model.observations import (
    AlarmObservation,
    AnswerObservation,
    DeviceAccessObservation,
    NeE1LineObservation,
    NmsPollObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath, Segment

Say = Callable[[str], None]
Pending = tuple[str, str, Question]

MAX_ATTEMPTS = 5  # invalid replies to one question before moving on (a script stuck on a bad value)
LOCALIZED = "fault_localized"
# Line-status bits of DS1-MIB dsx1LineStatus that light a CPE's E1 alarm lamp (RFC 4805).
E1_LOS_BITS = frozenset({"LossOfSignal", "LossOfFrame", "RcvAIS"})

SKIP_KEYS = ("s", "")
QUIT_KEYS = ("q",)
HELP_KEYS = ("?",)


# --------------------------------------------------------------------------- what is pointless


def _side(key: str) -> str | None:
    head = key.split(".", 1)[0]
    return head if head in ("a", "b") else None


def known_by_collectors(
    path: CircuitPath, observations: Sequence[Observation]
) -> dict[str, str | None]:
    """Keys whose answer the collectors already hold, so nobody is asked for them, with the value
    they imply where there is one (premises of `only_if` / `unless` read it).

    A router that answered over SSH, console or SNMP runs (R-LED-5's run lamp); a CPE that
    answered SNMP directly has power (R-LED-1's power lamp), and its DS1-MIB line status of the
    customer-side port says whether that port is in LOS (R-LED-4a's E1 alarm lamp).
    """
    reached = {o.device for o in observations if isinstance(o, DeviceAccessObservation) and o.ok}
    lines = [o for o in observations if isinstance(o, NeE1LineObservation)]
    out: dict[str, str | None] = {}
    for side in ("a", "b"):
        end = path.end(side)
        if end.router and end.router in reached:
            out[f"{side}.router.lamp.run"] = None  # it runs; whether steady or blinking is unsaid
        cpe = path.element(end.cpe)
        port = cpe.a_port if side == "a" else cpe.b_port
        mine = [o for o in lines if o.device == end.cpe]
        if end.cpe in reached or mine:
            out[f"{side}.cpe.lamp.power"] = "on"
        seen = [o for o in mine if port is not None and o.port == port]
        if seen:
            los = any(E1_LOS_BITS & set(o.line_status) for o in seen)
            out[f"{side}.cpe.lamp.e1_alarm"] = "on" if los else "off"
    return out


def answered_by_collectors(path: CircuitPath, observations: Sequence[Observation]) -> set[str]:
    return set(known_by_collectors(path, observations))


def pointless(
    key: str, q: Question, known: Mapping[str, str | None], unknown: Collection[str] = ()
) -> bool:
    """`unless` answered with one of its values, or no `only_if` premise answered with one of
    its values: the question cannot tell anything here.  A premise nobody could answer
    (`unknown`: skipped) lets its follow-up be asked directly, unless the premise is `*` (asked
    after an answer, whatever it is)."""
    side = _side(key)

    def holds(premise: str, vals: list[str], follow: bool) -> bool:
        key = premise.format(s=side) if side else premise
        if key not in known:
            return follow and key in unknown and ANY not in vals
        return ANY in vals or known[key] in vals

    if any(holds(p, vals, False) for p, vals in q.unless.items()):
        return True
    return bool(q.only_if) and not any(holds(p, vals, True) for p, vals in q.only_if.items())


def _answers(observations: Iterable[Observation]) -> dict[str, str]:
    return {o.key: o.value for o in observations if isinstance(o, AnswerObservation)}


def pending_questions(
    path: CircuitPath,
    observations: Sequence[Observation],
    skipped: Iterable[str] = (),
    *,
    waiting: bool = False,
) -> list[Pending]:
    """The questions that apply to this circuit, that nothing has answered or made pointless,
    and that were not skipped; in the procedure's order: step by step, within a step the
    circuit-wide questions, then the A site's, then the B site's (one phone call per site).

    `waiting`: instead, the questions held back only until another is answered (an `only_if`
    premise of `*`, e.g. the swaps until a test was reported)."""
    known: dict[str, str | None] = {**known_by_collectors(path, observations)}
    known.update(_answers(observations))
    skip = set(skipped)
    not_done = {_group(k) for k in skip} - {None}
    items = []
    for item in questions_for(path):
        key, _, q = item
        if key in known or key in skip or _group(key) in not_done:
            continue
        now = not pointless(key, q, known, skip)
        if waiting:
            side = _side(key)
            assumed = {
                (p.format(s=side) if side else p): ANY
                for p, vals in q.only_if.items()
                if ANY in vals
            }
            if now or pointless(key, q, {**assumed, **known}, skip):
                continue
        elif not now:
            continue
        items.append(item)
    return sorted(items, key=_static_rank(items))


def _group(key: str) -> tuple[str, str | None] | None:
    """The test or look a key belongs to (at its end): skipping one of its questions says the
    test was not done, so its other questions are not asked either."""
    q, side = lookup(key)
    return (q.group, side) if q.group else None


def _static_rank(items: Sequence[Pending]) -> Callable[[Pending], tuple[int, int, int]]:
    steps = _step_order()
    where = {None: 0, "a": 1, "b": 2}
    pos = {item[0]: n for n, item in enumerate(items)}
    return lambda item: (steps.get(item[2].step, len(steps)), where[_side(item[0])], pos[item[0]])


def _step_order() -> dict[str, int]:
    """The vocabulary's steps (3.2, 3.3, 3.4, 4) in the procedure's order."""
    return {s: n for n, s in enumerate(sorted({q.step for q in vocabulary().values()}, key=_num))}


def _num(step: str) -> tuple[int, ...]:
    return tuple(int(x) for x in step.split(".") if x.isdigit())


# --------------------------------------------------------------------------- what is worth asking


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
    """ "passes": a ping between the two ends' WAN addresses got replies, so every box and cable
    between the routers carries signal and an answer saying no signal crosses one of them
    (`no_signal`) is unlikely.  "down": a router's ping across the line to the far router's WAN
    got no reply at all, so an answer saying the signal crosses but is damaged (`degraded`:
    bit errors, some loss) is unlikely.  None: no such ping.  Unlikely, not impossible: the
    fault may be newer than the ping."""
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


# --------------------------------------------------------------------------- the session


@dataclass
class Session:
    """One --ask conversation: what the collectors read, the answers given so far, the questions
    skipped, and the verdict they make."""

    path: CircuitPath
    observations: list[Observation]  # collected, plus answers given before the session
    thresholds: Thresholds | None = None
    answers: dict[str, str] = field(default_factory=dict)
    skipped: set[str] = field(default_factory=set)
    asked: list[tuple[str, str | None]] = field(default_factory=list)  # key, value (None: skip)
    interrupted: bool = False
    _weighed: list[Choice] | None = None
    _now: tuple[list[Finding], Verdict] | None = None

    def all_observations(self) -> list[Observation]:
        return [*self.observations, *(_hypothetical(k, v) for k, v in self.answers.items())]

    def analysis(self) -> tuple[list[Finding], Verdict]:
        if self._now is None:
            self._now = analyze(self.path, self.all_observations(), self.thresholds)
        return self._now

    @property
    def verdict(self) -> Verdict:
        return self.analysis()[1]

    def pending(self) -> list[Pending]:
        return pending_questions(self.path, self.all_observations(), self.skipped)

    def ranked(self) -> list[Choice]:
        """The pending questions, best first.  A skip changes no answer: nothing is re-weighed."""
        if self._weighed is None:
            said = self.all_observations()
            waiting = pending_questions(self.path, said, self.skipped, waiting=True)
            self._weighed = rank(self.path, said, self.pending(), self.thresholds, waiting)
        left = {k for k, _, _ in self.pending()}
        return order([c for c in self._weighed if c.key in left])

    def corroborating(self) -> list[Choice]:
        """Once localized: the pending questions the procedure attaches to the rules that
        localized it (their DOMAIN refs), at the ends its faults touch: R-OPT-1's cabling and
        construction questions confirm a fibre fault, R-LED-5's switch lamps widen a router fault
        to the LAN.  They can still move the verdict, so they come before the offer to finish."""
        verdict = self.verdict
        if verdict.status != LOCALIZED:
            return []
        refs: set[str] = set()
        ends: set[str] = set()
        for fault in verdict.faults:
            refs.update(fault.procedure)
            i, j = sorted((self.path.index(fault.segment.from_), self.path.index(fault.segment.to)))
            ends.update(e.end for e in self.path.elements[i : j + 1])
        wanted = [
            item
            for item in self.pending()
            if set(item[2].rules) & refs and (_side(item[0]) is None or _side(item[0]) in ends)
        ]
        if not wanted:
            return []
        if self._weighed is not None:  # already weighed: no need to weigh again
            keys = {k for k, _, _ in wanted}
            return [c for c in self.ranked() if c.key in keys]
        return rank(self.path, self.all_observations(), wanted, self.thresholds)

    def next(self) -> Choice | None:
        """The best question left (see `rank`); None when nothing is left."""
        best = self.ranked()
        return best[0] if best else None

    def answer(self, key: str, value: str) -> None:
        self.answers[key] = value
        self.asked.append((key, value))
        self._weighed = None
        self._now = None

    def skip(self, key: str) -> None:
        self.skipped.add(key)
        self.asked.append((key, None))

    def given(self) -> dict[str, str]:
        return dict(self.answers)


# --------------------------------------------------------------------------- talking to a person


@dataclass(frozen=True)
class Ask:
    """One prompt: the text, the values it takes (None: a number or free text), and the key
    asked (None for the offer to finish)."""

    text: str
    values: list[str] | None
    key: str | None = None


Prompt = Callable[[Ask], str | None]


#: a verdict's status in the conversation's words
STATUS_WORDS = {
    "healthy": mark("healthy"),
    "fault_localized": mark("fault localized"),
    "fault_suspected": mark("fault suspected"),
    "inconclusive": mark("inconclusive"),
}


def _status(v: Verdict) -> str:
    return tr_marked(STATUS_WORDS[v.status])


def _where(v: Verdict) -> str:
    if v.segment is None:
        return ""
    return tr(
        " {start} … {end} ({owner})",
        start=v.segment.from_,
        end=v.segment.to,
        owner=tr_marked(OWNER_WORDS[v.owner]),
    )


def _shown(text: str, q: Question) -> str:
    if q.type == "number" and q.unit and q.unit not in text:
        return f"{text} [{q.unit}]"
    return text


def explain(choice: Choice) -> str:
    """The `?` help: which rules use the answer and why, the values it takes, and what each
    value would conclude."""
    from diag.analyzers.registry import RULES

    q = choice.question
    tmpl = "{s}" + choice.key[1:] if _side(choice.key) else choice.key
    users = [r for r in RULES.values() if tmpl in r.needs or set(r.refs) & set(q.rules)]
    who = tr_marked(WHO[q.who])
    lines = [f"{choice.key} ({who}): {', '.join(q.rules) or tr('no rule')}"]
    for r in users:
        lines.append(f"  {r.id} [{', '.join(r.refs)}]: {tr_marked(r.title)}")
    if q.values:
        lines.append(tr("  answer one of: {values}", values=", ".join(q.values)))
    elif q.unit:
        lines.append(tr("  answer a number in {unit}", unit=q.unit))
    else:
        lines.append(tr("  answer a number"))
    for o in choice.outcomes:
        v = o.verdict
        lines.append(
            tr(
                "  if {values}: {status}{where}",
                values="/".join(o.values),
                status=_status(v),
                where=_where(v),
            )
        )
    lines.append(tr("  s (or Enter) skips, q finishes with what is known, Ctrl-C / Ctrl-D too"))
    return "\n".join(lines)


def _describe(v: Verdict) -> str:
    if v.segment is None:
        return tr("verdict {status}", status=_status(v))
    return tr("verdict {status} to{where}", status=_status(v), where=_where(v))


def run(session: Session, prompt: Prompt, say: Say = lambda _: None) -> Session:
    """Ask until nothing is left, the person finishes (`q`, or yes to the offer made once the
    verdict is localized), or the input ends (Ctrl-C / Ctrl-D / EOF: KeyboardInterrupt or
    EOFError from `prompt`), which sets `session.interrupted`.  `prompt(text, values)` returns
    the reply (None = Enter); `?` explains the question, `s` or Enter skips it."""
    offered: object = None
    try:
        while True:
            v = session.verdict
            if v.status == LOCALIZED:
                more = session.corroborating()
                if more:  # what the procedure asks to confirm the rule that localized it
                    if not _ask_one(session, more[0], prompt, say):
                        return session
                    continue
                at: list[tuple[Segment | None, str]] = [(f.segment, f.owner) for f in v.faults]
                at = at or [(v.segment, v.owner)]
                if at != offered:
                    offered = at
                    reply = prompt(
                        Ask(tr("{verdict}: finish now? [y/N]", verdict=_describe(v)), ["y", "n"])
                    )
                    if (reply or "").strip().lower() in ("y", "yes", *QUIT_KEYS):
                        return session
            choice = session.next()
            if choice is None:
                return session
            if not _ask_one(session, choice, prompt, say):
                return session
    except (KeyboardInterrupt, EOFError):
        session.interrupted = True
        return session


def _ask_one(session: Session, choice: Choice, prompt: Prompt, say: Say) -> bool:
    """Ask one question; False when the person finishes (`q`)."""
    q = choice.question
    shown = _shown(choice.text, q)
    for _ in range(MAX_ATTEMPTS):
        reply = prompt(Ask(shown, q.values, choice.key))
        word = (reply or "").strip()
        if word.lower() in HELP_KEYS:
            say(explain(choice))
            continue
        if word.lower() in QUIT_KEYS:
            return False
        if word.lower() in SKIP_KEYS:
            session.skip(choice.key)
            return True
        try:
            value = parse_answer(choice.key, word)
        except AnswerError as exc:
            shown = tr(
                "{error} (? explains). {question}", error=exc, question=_shown(choice.text, q)
            )
            continue
        before = session.verdict
        session.answer(choice.key, value)
        after = session.verdict
        if (after.status, after.segment) != (before.status, before.segment):
            say(_describe(after))
        return True
    session.skip(choice.key)
    return True
