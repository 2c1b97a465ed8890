"""`--ask`: which questions are pointless for a circuit and its answers (declared in the
vocabulary), how the analyzer's hypothetical verdicts rank the rest, and the conversation
(? help, s skip, q finish, the offer to finish once localized, Ctrl-C / Ctrl-D keep the answers)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from diag.analyzers.answers import ANY, questions_for, vocabulary
from diag.analyzers.ask import (
    MAX_ATTEMPTS,
    TIE,
    Ask,
    Session,
    line_state,
    pending_questions,
    rank,
    run,
    weigh,
)
from diag.capture import load_capture
from diag.model.inventory import Inventory
from diag.model.observations import (
    AnswerObservation,
    DeviceAccessObservation,
    NeE1LineObservation,
    Observation,
)
from diag.model.path import CircuitPath, build_path
from tests.analyzers.analyzer_helpers import ping
from tests.analyzers.test_customer_rules import NOW, make_path, said

CAPTURES = Path(__file__).resolve().parent.parent.parent / "fixtures" / "captures"


def keys(items: Sequence[tuple[str, str, object]]) -> list[str]:
    return [k for k, _, _ in items]


def collected(name: str) -> tuple[CircuitPath, list[Observation]]:
    """A recorded circuit's path and what its collectors read, without the answers recorded."""
    cap = load_capture(CAPTURES / name)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    obs: list[Observation] = [o for o in cap.observations if not isinstance(o, AnswerObservation)]
    return build_path(cap.circuit, inv), obs


class Script:
    """A person at the prompt: replies from a list (a callable reply may raise), records what
    it was asked; an exhausted script finishes with `q`."""

    def __init__(self, replies: Sequence[object]) -> None:
        self.replies = list(replies)
        self.asked: list[Ask] = []

    def __call__(self, ask: Ask) -> str | None:
        self.asked.append(ask)
        reply = self.replies.pop(0) if self.replies else "q"
        if isinstance(reply, BaseException):
            raise reply
        assert reply is None or isinstance(reply, str), reply
        return reply


# --------------------------------------------------------------------------- pointless questions


def test_only_what_the_circuit_has_is_asked() -> None:
    e1 = keys(pending_questions(make_path("e1-120", "e1-75"), []))
    assert "a.cpe.lamp.power" in e1 and "b.router.lamp.run" in e1 and "test.e1.ber" in e1
    assert not [k for k in e1 if ".converter." in k]  # no converter on an E1-direct circuit
    assert "test.v35.ber" not in e1  # no V.35 test on an E1-only circuit
    assert "a.cpe.burn_marks" not in e1  # R-HC-4b: only a customer-owned CPE
    mixed = keys(pending_questions(make_path("v35-dte", "ethernet"), []))
    assert {"a.converter.lamp.tx", "a.converter.lamp.rx", "b.converter.lamp.ethernet"} <= set(mixed)
    assert "b.converter.lamp.tx" not in mixed and "a.converter.lamp.ethernet" not in mixed
    assert "test.v35.ber" in mixed
    # and vice versa: the E1 impedance questions (R-HC-4a) only at an E1 end
    assert "a.cpe.e1_ohms" not in mixed and "b.cpe.e1_ohms" not in mixed
    both_e1 = keys(questions_for(make_path("e1-120", "e1-75")))
    assert {"a.cpe.e1_ohms", "b.cpe.e1_ohms"} <= set(both_e1)


def test_no_optical_questions_at_an_end_without_fibre() -> None:
    copper = {"between": ["sdh-b", "pdh-2"], "kind": "e1-cable", "label": "E1 cable in the CO"}
    ks = keys(pending_questions(make_path(links=[copper]), []))
    assert "a.cpe.lamp.optical_alarm" in ks and "a.optical.rx_power_dbm" in ks
    assert not [k for k in ks if k.startswith("b.") and ("optical" in k or "construction" in k)]


def test_answered_or_collected_is_not_asked() -> None:
    path = make_path()
    obs: list[Observation] = [
        *said(a__cpe__lamp__power="on", test__e1__ber="0"),
        DeviceAccessObservation(
            id="d-1", collector="router:rtr-a", at=NOW, device="rtr-a", via="ssh", ok=True
        ),
        NeE1LineObservation(
            id="n-1",
            collector="snmp:pdh-2",
            at=NOW,
            device="pdh-2",
            if_index=3,
            port="E1-1",
            line_status_bits=1,
            line_status=["NoAlarm"],
        ),
    ]
    ks = keys(pending_questions(path, obs))
    assert "a.cpe.lamp.power" not in ks and "test.e1.ber" not in ks
    assert "a.router.lamp.run" not in ks  # it answered over SSH: it runs
    assert "b.cpe.lamp.power" not in ks and "b.cpe.lamp.e1_alarm" not in ks  # its DS1-MIB line
    assert "b.router.lamp.run" in ks and "b.cpe.lamp.run" in ks


def test_a_box_whose_power_is_off_is_asked_nothing_else() -> None:
    ks = keys(pending_questions(make_path(), said(a__cpe__lamp__power="off")))
    assert not [k for k in ks if k.startswith("a.cpe.") and ("lamp" in k or "alarm" in k)]
    assert {"b.cpe.lamp.run", "b.cpe.far_end_alarm", "a.router.lamp.run"} <= set(ks)
    eth = make_path("ethernet", "ethernet")
    ks = keys(pending_questions(eth, said(b__converter__lamp__power="off")))
    assert not [k for k in ks if k.startswith("b.converter.lamp")]
    assert "a.converter.lamp.run" in ks and "b.cpe.lamp.run" in ks


def test_follow_ups_wait_for_their_premise() -> None:
    path = make_path("ethernet", "ethernet")
    before = set(keys(pending_questions(path, [])))
    assert not before & {"a.recent_cabling_work", "a.converter.lamp.alarm", "test.ddf.at"}
    negative = said(a__cpe__lamp__optical_alarm="off", a__cpe__lamp__e1_alarm="off")
    ks = set(keys(pending_questions(path, negative)))
    assert not ks & {"a.recent_cabling_work", "a.nearby_construction", "a.converter.lamp.alarm"}
    positive = said(a__cpe__lamp__optical_alarm="on", a__cpe__lamp__e1_alarm="on")
    ks = set(keys(pending_questions(path, positive)))
    assert {"a.recent_cabling_work", "a.nearby_construction", "a.converter.lamp.alarm"} <= ks
    assert "b.recent_cabling_work" not in ks  # the other end's premise is not answered
    # a premise nobody could answer lets the follow-up be asked directly
    ks = set(keys(pending_questions(path, [], skipped={"b.cpe.lamp.optical_alarm"})))
    assert "b.recent_cabling_work" in ks


def test_a_test_not_done_is_not_asked_about_again() -> None:
    ks = set(keys(pending_questions(make_path(), [], skipped={"test.ddf.ais_from"})))
    assert not ks & {"test.ddf.errors_from", "test.ddf.at"}
    ks = set(keys(pending_questions(make_path(), [], skipped={"test.laptop_ping.loss_pct"})))
    assert "test.laptop_ping.rtt_ms" not in ks and "test.wan_only_ping.loss_pct" in ks


def test_swaps_wait_for_a_test_result() -> None:
    path = make_path()
    swaps = {"swap.e1_line", "a.swap.e1_cable", "swap.customer_router", "a.swap.transmission"}
    assert not swaps & set(keys(pending_questions(path, [])))
    waiting = set(keys(pending_questions(path, [], waiting=True)))
    assert {"swap.e1_line", "a.swap.e1_cable", "swap.customer_router"} <= waiting
    assert not waiting & set(keys(pending_questions(path, [])))
    after = set(keys(pending_questions(path, said(test__e1__ber="0"))))
    assert {"swap.e1_line", "a.swap.e1_cable", "swap.transmission"} <= after
    # the per-end swap asks which end, once the line-wide one says a swap fixed it
    assert "a.swap.transmission" not in after
    fixed = said(test__e1__ber="0", swap__transmission="fixed")
    assert "a.swap.transmission" in set(keys(pending_questions(path, fixed)))


def test_premises_name_vocabulary_keys() -> None:
    vocab = vocabulary()
    for q in vocab.values():
        for premise, vals in (q.only_if | q.unless).items():
            assert premise in vocab, (q.key, premise)
            allowed = vocab[premise].values
            assert allowed is None or set(vals) <= {*allowed, ANY}, (q.key, premise)


# --------------------------------------------------------------------------- what is worth asking


def test_an_answer_no_rule_uses_yet_is_worth_nothing() -> None:
    path = make_path()
    obs: list[Observation] = [ping("rtr-a", "10.0.0.2", loss=30.0)]
    items = {k: (k, t, q) for k, t, q in pending_questions(path, obs)}
    # R-HC-3 reads the symptom's pattern only with a clean channel test
    assert weigh(path, obs, items["symptom.pattern"]).worth == 0
    assert weigh(path, obs, items["test.e1.ber"]).worth > 0


def test_no_signal_answers_count_less_while_traffic_passes() -> None:
    path = make_path()
    down: list[Observation] = [ping("rtr-a", "10.0.0.2", loss=100.0)]
    lossy: list[Observation] = [ping("rtr-a", "10.0.0.2", loss=30.0)]
    assert line_state(path, down) == "down" and line_state(path, lossy) == "passes"
    item = next(i for i in pending_questions(path, down) if i[0] == "a.cpe.lamp.optical_alarm")

    def share_of_on(obs: list[Observation]) -> float:
        return sum(o.share for o in weigh(path, obs, item).outcomes if "on" in o.values)

    assert share_of_on(lossy) < share_of_on(down) / 2


def test_the_best_splitter_comes_first_and_ties_go_to_the_cheapest() -> None:
    path, obs = collected("LAB-LED-PWR")
    ranked = rank(path, obs, pending_questions(path, obs))
    worths = [c.worth for c in ranked]
    assert worths[0] * TIE >= max(worths) > 0  # the best, or as good within the prior's precision
    assert worths[-1] < worths[0] / TIE
    # a phone question before an instrument reading that tells the same (R-OPT-1 / R-OPT-2)
    order = [c.key for c in ranked]
    assert order.index("b.cpe.lamp.optical_alarm") < order.index("b.optical.rx_power_dbm")


# --------------------------------------------------------------------------- the conversation


def test_keys_at_the_prompt_help_skip_invalid_finish() -> None:
    path, obs = collected("LAB-TEST-PING")
    session = Session(path, obs)
    first = session.next()
    assert first is not None
    told: list[str] = []
    prompt = Script(["?", "nonsense", "s", "q"])
    run(session, prompt, told.append)
    assert [a.key for a in prompt.asked[:3]] == [first.key] * 3
    assert "not" in prompt.asked[2].text and "? explains" in prompt.asked[2].text
    assert told and first.key in told[0] and "if " in told[0]  # which rule, values, outcomes
    assert session.asked[0] == (first.key, None)  # skipped
    assert len(prompt.asked) == 4 and not session.interrupted and session.answers == {}


def test_gives_up_a_question_after_repeated_invalid_replies() -> None:
    path, obs = collected("LAB-TEST-PING")
    session = Session(path, obs)
    prompt = Script(["nonsense"] * MAX_ATTEMPTS + ["q"])
    run(session, prompt)
    assert len({a.key for a in prompt.asked[:MAX_ATTEMPTS]}) == 1
    assert session.asked == [(prompt.asked[0].key, None)]


@pytest.mark.parametrize("stop", [KeyboardInterrupt(), EOFError()], ids=["ctrl-c", "ctrl-d"])
def test_ctrl_c_and_ctrl_d_keep_the_answers_given(stop: BaseException) -> None:
    path, obs = collected("LAB-LED-PWR")
    session = Session(path, obs)
    first = session.next()
    assert first is not None and first.question.values
    prompt = Script([first.question.values[0], stop])
    run(session, prompt)
    assert session.interrupted
    assert session.answers == {first.key: first.question.values[0]}


def test_offers_to_finish_once_localized() -> None:
    path, obs = collected("LAB-LED-PWR")  # the branch's PDH is dark (R-LED-1)
    session = Session(path, obs)

    def person(ask: Ask) -> str | None:
        if ask.key is None:
            return "y"
        return {"a.cpe.lamp.power": "off"}.get(ask.key, "s")

    run(session, person)
    assert session.verdict.status == "fault_localized"
    assert session.answers == {"a.cpe.lamp.power": "off"}
    assert "a.cpe.lamp.run" not in {k for k, _ in session.asked}  # its power is off


def test_declining_the_offer_goes_on_asking() -> None:
    path, obs = collected("LAB-LED-PWR")
    session = Session(path, obs)
    prompt = Script([])

    def person(ask: Ask) -> str | None:
        prompt.asked.append(ask)
        if ask.key is None:
            return "n" if sum(a.key is None for a in prompt.asked) == 1 else "y"
        if ask.key == "a.cpe.lamp.power":
            return "off"
        return "q" if len(prompt.asked) > 6 else "s"

    run(session, person)
    offers = [n for n, a in enumerate(prompt.asked) if a.key is None]
    assert len(offers) == 1 and offers[0] < len(prompt.asked) - 1  # declined, then asked on


def test_corroborating_questions_come_before_the_offer() -> None:
    path, obs = collected("LAB-OPT-LOS")  # R-OPT-1: the local loss-of-light lamp is lit
    session = Session(path, obs)
    truth = {"a.cpe.lamp.optical_alarm": "on", "a.recent_cabling_work": "yes"}
    seen: list[str | None] = []

    def person(ask: Ask) -> str | None:
        seen.append(ask.key)
        if ask.key is None:
            return "y"
        return truth.get(ask.key, "s")

    run(session, person)
    alarm = seen.index("a.cpe.lamp.optical_alarm")
    offer = seen.index(None)
    assert alarm < seen.index("a.recent_cabling_work") < offer
    assert alarm < seen.index("a.nearby_construction") < offer
