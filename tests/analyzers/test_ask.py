"""`--ask`: which questions are pending for a circuit, in the procedure's order, and the loop that
asks them (skip, validation, re-asking, follow-ups made pointless by an answer)."""

from __future__ import annotations

from datetime import UTC, datetime

from test_customer_rules import make_path, said

from diag.analyzers.ask import MAX_ATTEMPTS, ask_loop, pending_questions
from diag.model.observations import DeviceAccessObservation, NeE1LineObservation, Observation

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def keys(path_obs: list[tuple[str, str, object]]) -> list[str]:
    return [k for k, _, _ in path_obs]


class Script:
    """A prompt that replies from a list and records what it was asked."""

    def __init__(self, replies: list[str | None]) -> None:
        self.replies = list(replies)
        self.asked: list[tuple[str, list[str] | None]] = []

    def __call__(self, text: str, values: list[str] | None) -> str | None:
        self.asked.append((text, values))
        return self.replies.pop(0) if self.replies else None


def test_only_the_lamps_this_circuit_has_are_asked() -> None:
    e1 = keys(pending_questions(make_path("e1-120", "e1-75"), []))  # type: ignore[arg-type]
    assert "a.cpe.lamp.power" in e1 and "b.router.lamp.run" in e1
    assert not [k for k in e1 if ".converter." in k]
    mixed = keys(pending_questions(make_path("v35-dte", "ethernet"), []))  # type: ignore[arg-type]
    assert {"a.converter.lamp.tx", "a.converter.lamp.rx", "b.converter.lamp.ethernet"} <= set(mixed)
    assert "b.converter.lamp.tx" not in mixed and "a.converter.lamp.ethernet" not in mixed


def test_procedure_order_lamps_then_tests_then_swaps_then_hard_cases() -> None:
    ks = keys(pending_questions(make_path(), []))  # type: ignore[arg-type]

    def first(pred: str) -> int:
        return next(i for i, k in enumerate(ks) if k.startswith(pred))

    def last(pred: str) -> int:
        return max(i for i, k in enumerate(ks) if k.startswith(pred) or f".{pred}" in k)

    assert ks[0] == "a.cpe.lamp.power"
    lamps = [i for i, k in enumerate(ks) if ".lamp." in k or "far_end" in k]
    assert max(lamps) < first("test.") < first("swap.")
    assert last("swap.") < first("symptom.")
    # one phone call per site: all of A's step-3.2 questions before B's
    a_32 = [i for i, k in enumerate(ks) if k.startswith("a.") and i < first("test.")]
    b_32 = [i for i, k in enumerate(ks) if k.startswith("b.") and i < first("test.")]
    assert max(a_32) < min(b_32)


def test_answered_keys_are_not_asked_again() -> None:
    obs = said(a__cpe__lamp__power="on", test__e1__ber="0")
    ks = keys(pending_questions(make_path(), obs))  # type: ignore[arg-type]
    assert "a.cpe.lamp.power" not in ks and "test.e1.ber" not in ks
    assert "b.cpe.lamp.power" in ks


def test_what_the_collectors_read_is_not_asked() -> None:
    path = make_path()
    ssh_ok = DeviceAccessObservation(
        id="d-1", collector="router:rtr-a", at=NOW, device="rtr-a", via="ssh", ok=True
    )
    ssh_failed = DeviceAccessObservation(
        id="d-2",
        collector="router:rtr-b",
        at=NOW,
        device="rtr-b",
        via="ssh",
        ok=False,
        stage="connect",
        error="refused",
    )
    line = NeE1LineObservation(
        id="n-1",
        collector="snmp:pdh-2",
        at=NOW,
        device="pdh-2",
        if_index=3,
        port="E1-1",
        line_status_bits=1,
        line_status=["NoAlarm"],
    )
    obs: list[Observation] = [ssh_ok, ssh_failed, line]
    ks = keys(pending_questions(path, obs))  # type: ignore[arg-type]
    assert "a.router.lamp.run" not in ks  # it answered over SSH: it runs
    assert "b.router.lamp.run" in ks  # SSH failed: the lamp is the evidence left
    assert "b.cpe.lamp.power" not in ks and "b.cpe.lamp.e1_alarm" not in ks
    assert "a.cpe.lamp.power" in ks and "b.cpe.lamp.run" in ks


def test_follow_ups_of_a_negative_answer_are_dropped() -> None:
    path = make_path("ethernet", "ethernet")
    obs = said(a__cpe__lamp__optical_alarm="off", a__cpe__lamp__e1_alarm="off")
    ks = keys(pending_questions(path, obs))  # type: ignore[arg-type]
    assert "a.recent_cabling_work" not in ks and "a.nearby_construction" not in ks
    assert "a.converter.lamp.alarm" not in ks
    assert "b.recent_cabling_work" in ks and "b.converter.lamp.alarm" in ks


def test_ask_loop_skips_validates_and_reasks() -> None:
    qs = [
        q
        for q in pending_questions(make_path(), [])
        if q[0] in ("a.cpe.lamp.power", "a.cpe.lamp.run", "test.e1.ber", "b.cpe.lamp.power")
    ]
    prompt = Script(["dark", "OFF", "", None, "abc", "1e-5"])
    got = ask_loop(qs, prompt)
    assert got == {"a.cpe.lamp.power": "off", "test.e1.ber": "1e-5"}
    texts = [t for t, _ in prompt.asked]
    assert "not one of" in texts[1] and texts[1].endswith(texts[0])
    assert prompt.asked[0][1] == ["on", "off", "flashing-abnormal"]
    ber = [t for t, v in prompt.asked if "bit error" in t]
    assert ber[0].endswith("[BER]") and "not a number" in ber[1]


def test_ask_loop_gives_up_after_repeated_invalid_replies() -> None:
    qs = [q for q in pending_questions(make_path(), []) if q[0] == "a.cpe.lamp.power"]
    prompt = Script(["x"] * 10)
    assert ask_loop(qs, prompt) == {}
    assert len(prompt.asked) == MAX_ATTEMPTS


def test_ask_loop_drops_follow_ups_made_pointless_in_the_same_session() -> None:
    wanted = ("a.cpe.lamp.optical_alarm", "a.recent_cabling_work", "a.nearby_construction")
    qs = [q for q in pending_questions(make_path(), []) if q[0] in wanted]
    assert keys(qs) == list(wanted)  # type: ignore[arg-type]
    prompt = Script(["off"])
    assert ask_loop(qs, prompt) == {"a.cpe.lamp.optical_alarm": "off"}
    assert len(prompt.asked) == 1
    prompt = Script(["on", "yes", "no"])
    assert ask_loop(qs, prompt) == dict(zip(wanted, ["on", "yes", "no"], strict=True))


def test_no_optical_questions_at_an_end_without_fibre() -> None:
    copper = {"between": ["sdh-b", "pdh-2"], "kind": "e1-cable", "label": "E1 cable in the CO"}
    ks = keys(pending_questions(make_path(links=[copper]), []))  # type: ignore[arg-type]
    assert "a.cpe.lamp.optical_alarm" in ks and "a.optical.rx_power_dbm" in ks
    assert not [k for k in ks if k.startswith("b.") and ("optical" in k or "construction" in k)]
