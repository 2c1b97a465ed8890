"""`--ask`, what is pointless to ask: which question cannot tell anything is declared in the
vocabulary (diag/playbooks/questions/*.yaml: `applies_to`, `only_if`, `unless`, `group`) and
checked against the circuit, what the collectors read and the answers so far
(`pending_questions`).  diag.analyzers.ask re-exports these names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from diag.analyzers.answers import ANY, Question, lookup, questions_for, vocabulary
from diag.model.observations import (
    AnswerObservation,
    DeviceAccessObservation,
    NeE1LineObservation,
    Observation,
)
from diag.model.path import CircuitPath

Pending = tuple[str, str, Question]

# Line-status bits of DS1-MIB dsx1LineStatus that light a CPE's E1 alarm lamp (RFC 4805).
E1_LOS_BITS = frozenset({"LossOfSignal", "LossOfFrame", "RcvAIS"})


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
