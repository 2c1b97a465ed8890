"""`diag circuit ID --ask`: the procedure's questions that nothing has answered yet, asked in the
procedure's order (3.2 lamps by phone, then 3.3 tests, 3.4 substitutions, section 4 facts).

Pure apart from the `prompt` callable the CLI passes in, so both halves are tested from data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from diag.analyzers.answers import AnswerError, Question, parse_answer, questions_for
from diag.analyzers.rules.customer import cpe_uplink
from diag.model.inventory import LinkKind
from diag.model.observations import (
    AnswerObservation,
    DeviceAccessObservation,
    NeE1LineObservation,
    Observation,
)
from diag.model.path import CircuitPath

Prompt = Callable[[str, list[str] | None], str | None]
Pending = tuple[str, str, Question]

MAX_ATTEMPTS = 5  # invalid replies to one question before moving on (a script stuck on a bad value)

# Follow-up questions worth asking only when the question before them was answered a certain way.
# Key templates ({s} = the end) -> (premise template, premise values that make the follow-up useful).
FOLLOW_UPS: dict[str, tuple[str, frozenset[str]]] = {
    # R-OPT-1: "ask whether cables were rearranged or construction is nearby" confirms a fibre fault
    "{s}.recent_cabling_work": ("{s}.cpe.lamp.optical_alarm", frozenset({"on"})),
    "{s}.nearby_construction": ("{s}.cpe.lamp.optical_alarm", frozenset({"on"})),
    # R-LED-4a: the converter's alarm lamp matters only when the CPE shows E1 LOS
    "{s}.converter.lamp.alarm": ("{s}.cpe.lamp.e1_alarm", frozenset({"on"})),
}


def _step_rank() -> dict[str, int]:
    """Step id -> its position in the procedure (the playbook's order)."""
    from diag.analyzers import playbook

    return {step.id: n for n, step in enumerate(playbook.load())}


def _side(key: str) -> str | None:
    head = key.split(".", 1)[0]
    return head if head in ("a", "b") else None


def _template(key: str) -> str:
    side = _side(key)
    return "{s}" + key[1:] if side else key


def _moot(key: str, answers: Mapping[str, str]) -> bool:
    """A follow-up whose premise was answered in a way that makes it pointless."""
    side = _side(key)
    follow = FOLLOW_UPS.get(_template(key))
    if follow is None or side is None:
        return False
    premise, useful = follow
    given = answers.get(premise.format(s=side))
    return given is not None and given not in useful


def answered_by_collectors(path: CircuitPath, observations: Sequence[Observation]) -> set[str]:
    """Keys whose answer the collectors already hold, so nobody is asked for them.

    A router that answered over SSH, console or SNMP runs (R-LED-5's run lamp); a CPE that
    answered SNMP directly has power (R-LED-1's power lamp), and its DS1-MIB line status of the
    customer-side port says whether that port is in LOS (R-LED-4a's E1 alarm lamp).
    """
    reached = {o.device for o in observations if isinstance(o, DeviceAccessObservation) and o.ok}
    lines = [o for o in observations if isinstance(o, NeE1LineObservation)]
    out: set[str] = set()
    for side in ("a", "b"):
        end = path.end(side)
        if end.router and end.router in reached:
            out.add(f"{side}.router.lamp.run")
        cpe = path.element(end.cpe)
        port = cpe.a_port if side == "a" else cpe.b_port
        mine = [o for o in lines if o.device == end.cpe]
        if end.cpe in reached or mine:
            out.add(f"{side}.cpe.lamp.power")
        if any(port is not None and o.port == port for o in mine):
            out.add(f"{side}.cpe.lamp.e1_alarm")
    return out


# Optical questions (R-OPT-1, R-OPT-2) make no sense at an end whose CPE has no fibre to the CO.
OPTICAL = (
    "{s}.cpe.lamp.optical_alarm",
    "{s}.recent_cabling_work",
    "{s}.nearby_construction",
    "{s}.optical.rx_power_dbm",
    "{s}.optical.co_rx_power_dbm",
)


def _no_fibre(path: CircuitPath, key: str) -> bool:
    side = _side(key)
    return (
        side is not None
        and _template(key) in OPTICAL
        and cpe_uplink(path, side).kind != LinkKind.fiber
    )


def pending_questions(path: CircuitPath, observations: Sequence[Observation]) -> list[Pending]:
    """The vocabulary's questions that apply to this circuit and nothing has answered yet, in the
    procedure's order: step by step; within a step the circuit-wide questions, then the A site's,
    then the B site's (one phone call per site)."""
    answers = {o.key: o.value for o in observations if isinstance(o, AnswerObservation)}
    known = set(answers) | answered_by_collectors(path, observations)
    steps = _step_rank()
    rank = {None: 0, "a": 1, "b": 2}
    pending = [
        (n, item)
        for n, item in enumerate(questions_for(path))
        if item[0] not in known and not _moot(item[0], answers) and not _no_fibre(path, item[0])
    ]
    pending.sort(
        key=lambda ni: (
            steps.get(ni[1][2].step, len(steps)),
            rank[_side(ni[1][0])],
            ni[0],
        )
    )
    return [item for _, item in pending]


def _shown(text: str, q: Question) -> str:
    if q.type == "number" and q.unit and q.unit not in text:
        return f"{text} [{q.unit}]"
    return text


def ask_loop(questions: Sequence[Pending], prompt: Prompt) -> dict[str, str]:
    """Ask each question through `prompt(text, allowed values or None)`; an empty reply (or None)
    skips it, an invalid one is explained and asked again.  Follow-ups made pointless by an answer
    given in this loop are skipped.  Returns key -> normalised value."""
    out: dict[str, str] = {}
    for key, text, q in questions:
        if _moot(key, out):
            continue
        shown = _shown(text, q)
        for _ in range(MAX_ATTEMPTS):
            reply = prompt(shown, q.values)
            if reply is None or not reply.strip():
                break
            try:
                out[key] = parse_answer(key, reply)
                break
            except AnswerError as exc:
                shown = f"{exc}. {_shown(text, q)}"
    return out
