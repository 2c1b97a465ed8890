"""Step 3.3 rules from observations alone (no I/O): ping tests, channel BER, the online DDF test
(R-TEST-4) and the routers' E1 controllers; each with a firing and a non-firing case."""

from __future__ import annotations

import pytest

from diag.analyzers import analyze
from diag.analyzers.context import Context
from diag.analyzers.rules.tests import channel_clean
from diag.analyzers.thresholds import defaults
from diag.model.inventory import Inventory
from diag.model.observations import (
    E1ControllerObservation,
    Observation,
)
from diag.model.path import CircuitPath, Segment, build_path
from tests.analyzers.analyzer_helpers import NOW, answers, crc, of, ping, poll, run

# --------------------------------------------------------------------------- observation makers


def ctl(
    device: str,
    alarms: list[str] | None = None,
    es: int = 0,
    ses: int = 0,
    n: int = 1,
) -> E1ControllerObservation:
    return E1ControllerObservation(
        id=f"e1-controller-{n}",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        controller="E1 0/0/0",
        source="cli:show controllers e1",
        status="up",
        alarms=alarms or [],
        framing="crc4",
        linecode="hdb3",
        errored_secs=es,
        severely_err_secs=ses,
        path_code_violations=es * 3,
        interval_s=300,
    )


@pytest.fixture
def e1(lab_inventory: Inventory) -> CircuitPath:
    # lan-a, ok1-rtr-a, ok1-pdh-1, ok1-sdh-a, ok1-sdh-b, ok1-sdh-c, ok1-pdh-2, ok1-rtr-b, lan-b
    return build_path(lab_inventory.circuits["LAB-E1-OK1"], lab_inventory)


@pytest.fixture
def v35(lab_inventory: Inventory) -> CircuitPath:
    # lan-a, v35-rtr-a, v35-conv-a, v35-pdh-1, v35-sdh-a, v35-sdh-b, v35-pdh-2, v35-rtr-b, lan-b
    return build_path(lab_inventory.circuits["LAB-V35-1"], lab_inventory)


@pytest.fixture
def eth(lab_inventory: Inventory) -> CircuitPath:
    # lan-a, eth-rtr-a, eth-conv-a, eth-pdh-1, eth-msap, eth-sdh-a, eth-pdh-2, eth-conv-b, ...
    return build_path(lab_inventory.circuits["LAB-ETH-1"], lab_inventory)


A_IP, B_IP = "10.9.0.1", "10.9.0.2"
LINE = Segment(from_="ok1-rtr-a", to="ok1-rtr-b")
CHANNEL = Segment(from_="ok1-pdh-1", to="ok1-pdh-2")


# --------------------------------------------------------------------------- ping-wan-to-wan


def test_router_ping_loss_is_a_suspicion_over_the_line(e1: CircuitPath) -> None:
    findings = run(e1, [ping("ok1-rtr-a", B_IP, 7.0), ping("ok1-rtr-b", A_IP, 0.0, n=2)])
    (f,) = of(findings, "ping-wan-to-wan")
    assert (f.kind, f.procedure, f.segment, f.owner) == ("fault", "3.3", LINE, "unknown")
    assert f.confidence == 0.4
    assert [e.observation for e in f.evidence] == ["ping-1"]
    assert "repeat 1000 size 1500" in f.next_steps[0]  # ok1-rtr-a is a Cisco
    assert "ping -c 1000 -s 1472 10.9.0.1" in f.next_steps[0]  # ok1-rtr-b is a Huawei
    assert any("test.e1.ber" in s for s in f.next_steps)  # no BER yet: ask for it


def test_router_ping_loss_corroborated_by_crc_growth(e1: CircuitPath) -> None:
    obs: list[Observation] = [ping("ok1-rtr-a", B_IP, 30.0), crc("ok1-rtr-b", "Serial1/0/0:0", 40)]
    findings, verdict = analyze(e1, [*obs, poll(e1)])
    (f,) = of(findings, "ping-wan-to-wan")
    assert f.confidence == 0.6 and "heavy loss" in f.title
    assert {e.observation for e in f.evidence} == {"ping-1", "crc-growth-1"}
    assert any("Online test at a DDF" in s for s in f.next_steps)  # heavy loss: R-TEST-4
    assert verdict.status == "fault_suspected"  # a ping alone never localises


def test_latency_alone_fails_the_ping_test(e1: CircuitPath) -> None:
    (f,) = of(run(e1, [ping("ok1-rtr-a", B_IP, 0.0, rtt=180.0)]), "ping-wan-to-wan")
    assert f.kind == "fault" and "180 ms" in f.title


def test_clean_ping_without_other_evidence_passes_the_line(e1: CircuitPath) -> None:
    findings, verdict = analyze(
        e1, [ping("ok1-rtr-a", B_IP, 0.0), ping("ok1-rtr-b", A_IP, 1.0, n=2), poll(e1)]
    )
    (f,) = of(findings, "ping-wan-to-wan")
    assert f.kind == "info" and "passed" in f.title and "customers accept" in f.cause
    assert verdict.status == "healthy"


def test_clean_ping_with_crc_growth_is_not_a_pass(e1: CircuitPath) -> None:
    obs: list[Observation] = [ping("ok1-rtr-a", B_IP, 0.0), crc("ok1-rtr-a", "Serial0/0/0:0", 12)]
    (f,) = of(run(e1, obs), "ping-wan-to-wan")
    assert f.kind == "info" and "passed" not in f.title and "intermittent" in f.cause


def test_host_pings_are_management_reachability_never_a_line_fault(e1: CircuitPath) -> None:
    obs = [ping("noc", A_IP, 100.0, kind="host"), ping("noc", B_IP, 100.0, kind="host", n=2)]
    findings, verdict = analyze(e1, [*obs, poll(e1)])
    (f,) = of(findings, "ping-wan-to-wan")
    assert (f.kind, f.segment) == ("unreachable", None)
    assert "not that the line between the ends is down" in f.cause
    assert (verdict.status, verdict.segment) == ("inconclusive", None)
    one = [ping("noc", A_IP, 0.0, kind="host"), ping("noc", B_IP, 20.0, kind="host", n=2)]
    (g,) = of(run(e1, one), "ping-wan-to-wan")
    assert (g.kind, g.segment) == ("unreachable", None) and B_IP in g.title
    clean = [ping("noc", A_IP, 0.0, kind="host"), ping("noc", B_IP, 0.0, kind="host", n=2)]
    findings, verdict = analyze(e1, [*clean, poll(e1)])
    (h,) = of(findings, "ping-wan-to-wan")
    assert h.kind == "info" and "not tested" in h.title
    assert verdict.status == "inconclusive"  # this host's reach is no end-to-end test


def test_pings_elsewhere_and_no_pings(e1: CircuitPath) -> None:
    assert of(run(e1, [ping("ok1-rtr-a", "192.0.2.9", 100.0)]), "ping-wan-to-wan") == []
    (f,) = of(run(e1, []), "ping-wan-to-wan")
    assert f.kind == "not_evaluated"


def test_clean_channel_says_the_loss_is_at_an_end(e1: CircuitPath) -> None:
    obs = [ping("ok1-rtr-a", B_IP, 5.0), *answers(test__e1__ber="0")]
    (f,) = of(run(e1, obs), "ping-wan-to-wan")
    assert "loss arises at one of the ends" in f.cause
    assert not any("test.e1.ber" in s for s in f.next_steps)


# --------------------------------------------------------------------------- ping-laptop-bypass


def test_laptop_ping_loss_is_on_the_operator_part(eth: CircuitPath) -> None:
    findings, verdict = analyze(
        eth, [*answers(test__laptop_ping__loss_pct="12", test__laptop_ping__rtt_ms="30"), poll(eth)]
    )
    (f,) = of(findings, "ping-laptop-bypass")
    assert f.segment == Segment(from_="eth-conv-a", to="eth-conv-b")
    assert (f.kind, f.owner, f.confidence) == ("fault", "carrier", 0.7)
    assert verdict.status == "fault_localized"


def test_laptop_ping_clean_is_info_and_needs_ethernet_ends(
    eth: CircuitPath, e1: CircuitPath
) -> None:
    (f,) = of(run(eth, answers(test__laptop_ping__loss_pct="0")), "ping-laptop-bypass")
    assert f.kind == "info" and f.segment is None
    # an E1 end has no port for a laptop: the rule does not apply (not even asked)
    assert of(run(e1, answers(test__laptop_ping__loss_pct="12")), "ping-laptop-bypass") == []


# --------------------------------------------------------------------------- channel BER


def test_e1_ber_errors_localise_to_the_channel(e1: CircuitPath) -> None:
    findings, verdict = analyze(e1, [*answers(test__e1__ber="2e-5"), poll(e1)])
    (f,) = of(findings, "e1-channel-ber")
    assert (f.kind, f.segment, f.owner, f.confidence) == ("fault", CHANNEL, "carrier", 0.8)
    assert f.evidence[0].observation == "answer-1"
    assert any("ok1-sdh-b" in s for s in f.next_steps)  # split at the middle station
    assert (verdict.status, verdict.segment) == ("fault_localized", CHANNEL)
    (g,) = of(run(e1, answers(test__e1__ber="0.01")), "e1-channel-ber")
    assert "excessive" in g.cause


def test_e1_ber_clean_excludes_the_channel(e1: CircuitPath) -> None:
    (f,) = of(run(e1, answers(test__e1__ber="1e-9")), "e1-channel-ber")
    assert (f.kind, f.segment) == ("info", None) and "excluded" in f.title
    (g,) = of(run(e1, []), "e1-channel-ber")
    assert g.kind == "not_evaluated" and "test.e1.ber" in g.next_steps[0]


def test_channel_clean_helper(e1: CircuitPath) -> None:
    def ctx(obs: list[Observation]) -> Context:
        return Context.build(e1, obs, defaults())

    assert channel_clean(ctx([])) is None
    assert channel_clean(ctx(list(answers(test__e1__ber="0")))) is True
    assert channel_clean(ctx(list(answers(test__e1__ber="0", test__v35__ber="1e-4")))) is False


def test_v35_ber_spans_the_v35_ports(v35: CircuitPath, e1: CircuitPath) -> None:
    (f,) = of(run(v35, answers(test__v35__ber="1e-5")), "v35-channel-ber")
    assert f.segment == Segment(from_="v35-conv-a", to="v35-pdh-2") and f.owner == "carrier"
    (g,) = of(run(v35, answers(test__v35__ber="0")), "v35-channel-ber")
    assert g.kind == "info"
    assert of(run(e1, answers(test__v35__ber="1e-5")), "v35-channel-ber") == []  # no V.35 end


# --------------------------------------------------------------------------- R-TEST-4


def test_ddf_ais_from_b_dispatches_to_b(e1: CircuitPath) -> None:
    obs = answers(test__ddf__ais_from="b", test__ddf__errors_from="none", test__ddf__at="ok1-sdh-b")
    findings, verdict = analyze(e1, [*obs, poll(e1)])
    (f,) = of(findings, "ddf-online-direction")
    assert (f.procedure, f.direction, f.confidence) == ("R-TEST-4", "b-to-a", 0.75)
    assert f.segment == Segment(from_="ok1-sdh-b", to="ok1-pdh-2") and f.owner == "carrier"
    assert f.next_steps[0].startswith("Dispatch to Head office first")
    assert "BER tester" in f.next_steps[0]
    assert verdict.status == "fault_localized"


def test_ddf_station_by_ne_name_and_unknown_station(e1: CircuitPath) -> None:
    (f,) = of(
        run(e1, answers(test__ddf__errors_from="a", test__ddf__at="OK1-SDH-A")),
        "ddf-online-direction",
    )
    assert f.segment == Segment(from_="ok1-pdh-1", to="ok1-sdh-a")
    assert f.direction == "a-to-b" and "bit errors" in f.title
    (g,) = of(run(e1, answers(test__ddf__ais_from="a")), "ddf-online-direction")
    assert g.segment == Segment(from_="ok1-pdh-1", to="ok1-sdh-c") and g.confidence == 0.6
    assert any("test.ddf.at" in s for s in g.next_steps)


def test_ddf_conflicting_and_clean(e1: CircuitPath) -> None:
    both = of(
        run(e1, answers(test__ddf__ais_from="a", test__ddf__errors_from="b")),
        "ddf-online-direction",
    )
    assert sorted(f.direction or "" for f in both) == ["a-to-b", "b-to-a"]
    assert all(f.confidence == 0.5 for f in both)
    (f,) = of(
        run(e1, answers(test__ddf__ais_from="none", test__ddf__errors_from="none")),
        "ddf-online-direction",
    )
    assert f.kind == "info"


# --------------------------------------------------------------------------- E1 controllers


def test_los_at_router_a_is_the_span_from_its_cpe(e1: CircuitPath) -> None:
    findings, verdict = analyze(e1, [ctl("ok1-rtr-a", ["LOS", "AIS"]), poll(e1)])
    (f,) = of(findings, "e1-controller-los")
    assert f.segment == Segment(from_="ok1-rtr-a", to="ok1-pdh-1")
    assert (f.direction, f.confidence, f.owner) == ("b-to-a", 0.75, "unknown")
    assert of(findings, "e1-controller-ais") == []  # masked by LOS
    assert verdict.status == "fault_localized"
    assert of(run(e1, [ctl("ok1-rtr-a", [])]), "e1-controller-los") == []


def test_ais_at_router_b_is_upstream_of_its_cpe(e1: CircuitPath) -> None:
    (f,) = of(run(e1, [ctl("ok1-rtr-b", ["AIS"])]), "e1-controller-ais")
    assert f.segment == Segment(from_="ok1-rtr-a", to="ok1-pdh-2")
    assert (f.direction, f.confidence) == ("a-to-b", 0.5)
    assert of(run(e1, [ctl("ok1-rtr-b", ["RAI"])]), "e1-controller-ais") == []


def test_rai_is_our_transmit_direction_or_a_consequence(e1: CircuitPath) -> None:
    (f,) = of(run(e1, [ctl("ok1-rtr-a", ["RAI"])]), "e1-controller-rai")
    assert (f.kind, f.segment, f.direction) == ("fault", LINE, "a-to-b")
    both = run(e1, [ctl("ok1-rtr-a", ["RAI"]), ctl("ok1-rtr-b", ["AIS"], n=2)])
    (g,) = of(both, "e1-controller-rai")
    assert (g.kind, g.segment) == ("consequence", None)
    assert of(run(e1, [ctl("ok1-rtr-a", ["AIS"])]), "e1-controller-rai") == []


def test_errored_seconds_over_thresholds(e1: CircuitPath) -> None:
    (f,) = of(run(e1, [ctl("ok1-rtr-b", es=40)]), "e1-controller-errors")
    assert (f.segment, f.direction, f.confidence) == (LINE, "a-to-b", 0.4)
    assert "G.826" in f.cause
    assert of(run(e1, [ctl("ok1-rtr-b", ses=1)]), "e1-controller-errors")
    assert of(run(e1, [ctl("ok1-rtr-b", es=5)]), "e1-controller-errors") == []
    assert of(run(e1, [ctl("ok1-rtr-b", ["LOS"], es=900, ses=900)]), "e1-controller-errors") == []


def test_controller_rules_need_an_e1_router(eth: CircuitPath, e1: CircuitPath) -> None:
    rules = ("e1-controller-los", "e1-controller-ais", "e1-controller-rai", "e1-controller-errors")
    assert not [f for f in run(eth, []) if f.rule in rules]  # not applicable, not even asked
    asked = [f for f in run(e1, []) if f.rule in rules]
    assert asked and all(f.kind == "not_evaluated" for f in asked)


def test_channel_errors_corroborate_the_ping_and_spoil_a_pass(e1: CircuitPath) -> None:
    lossy = [ping("ok1-rtr-a", B_IP, 5.0), *answers(test__e1__ber="1e-4")]
    (f,) = of(run(e1, lossy), "ping-wan-to-wan")
    assert f.confidence == 0.6 and "answer-1" in {e.observation for e in f.evidence}
    clean = [ping("ok1-rtr-a", B_IP, 0.0), *answers(test__e1__ber="1e-4")]
    (g,) = of(run(e1, clean), "ping-wan-to-wan")
    assert g.kind == "info" and "passed" not in g.title


def test_ddf_station_not_on_the_path_is_said(e1: CircuitPath) -> None:
    (f,) = of(
        run(e1, answers(test__ddf__ais_from="b", test__ddf__at="elsewhere-9")),
        "ddf-online-direction",
    )
    assert f.confidence == 0.6 and "'elsewhere-9' is not on this circuit's path" in f.next_steps[-1]


def test_dead_line_asks_for_the_ping_test_after_the_repair(e1: CircuitPath) -> None:
    (f,) = of(run(e1, [ping("ok1-rtr-a", B_IP, 100.0)]), "ping-wan-to-wan")
    assert "no reply at all" in f.title
    assert f.next_steps[-1].startswith("After the repair, confirm")
    assert any(s.startswith("Online test at a DDF") for s in f.next_steps)
    done = [ping("ok1-rtr-a", B_IP, 100.0), *answers(test__ddf__ais_from="none")]
    (g,) = of(run(e1, done), "ping-wan-to-wan")
    assert not any(s.startswith("Online test at a DDF") for s in g.next_steps)  # already done
