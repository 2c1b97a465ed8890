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

What is pointless is in diag.analyzers.ask_pending, what is worth asking in
diag.analyzers.ask_worth; this module keeps the session and the conversation and re-exports both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from diag.analyzers.answers import WHO, AnswerError, Question, parse_answer
from diag.analyzers.ask_pending import (
    E1_LOS_BITS,
    Pending,
    _side,
    answered_by_collectors,
    known_by_collectors,
    pending_questions,
    pointless,
)
from diag.analyzers.ask_worth import (
    IMPLAUSIBLE,
    LOCALIZED,
    OUTSIDE,
    READ_CLEAN,
    TIE,
    Choice,
    Outcome,
    _hypothetical,
    candidate_weights,
    line_state,
    order,
    rank,
    read_clean,
    weigh,
)
from diag.analyzers.engine import analyze
from diag.analyzers.thresholds import Thresholds
from diag.analyzers.verdict import OWNER_WORDS
from diag.i18n import mark, tr, tr_marked
from diag.model.findings import Finding, Verdict
from diag.model.observations import Observation
from diag.model.path import CircuitPath, Segment

__all__ = [
    "E1_LOS_BITS",
    "HELP_KEYS",
    "IMPLAUSIBLE",
    "LOCALIZED",
    "MAX_ATTEMPTS",
    "OUTSIDE",
    "QUIT_KEYS",
    "READ_CLEAN",
    "SKIP_KEYS",
    "STATUS_WORDS",
    "TIE",
    "Ask",
    "Choice",
    "Outcome",
    "Pending",
    "Prompt",
    "Say",
    "Session",
    "answered_by_collectors",
    "candidate_weights",
    "explain",
    "known_by_collectors",
    "line_state",
    "order",
    "pending_questions",
    "pointless",
    "rank",
    "read_clean",
    "run",
    "weigh",
]

Say = Callable[[str], None]

MAX_ATTEMPTS = 5  # invalid replies to one question before moving on (a script stuck on a bad value)

SKIP_KEYS = ("s", "")
QUIT_KEYS = ("q",)
HELP_KEYS = ("?",)


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
