"""The procedure as data: ids resolve, no rule is missing or listed twice, every R-... rule of
DOMAIN.md §1 is encoded by a registered rule and proven by a shipped scenario where it fires."""

from __future__ import annotations

import re
from pathlib import Path

from diag.analyzers import playbook
from diag.analyzers.answers import vocabulary
from diag.analyzers.registry import RULES
from diag.analyzers.thresholds import defaults
from diag.lab.scenario import load_scenario, shipped_scenarios

ROOT = Path(__file__).resolve().parent.parent
DOMAIN_RULES = [
    "R-AIS-1",
    "R-AIS-2",
    "R-LED-1",
    "R-OPT-1",
    "R-OPT-2",
    "R-LED-3",
    "R-LED-4a",
    "R-LED-4b",
    "R-LED-4c",
    "R-LED-5",
    "R-TEST-4",
    "R-SUB",
    "R-HC-1",
    "R-HC-2a",
    "R-HC-2b",
    "R-HC-2c",
    "R-HC-3",
    "R-HC-4a",
    "R-HC-4b",
]


def test_domain_rule_list_matches_domain_md() -> None:
    domain = ROOT.parent / "shared" / "DOMAIN.md"
    if domain.is_file():  # beside the clone on developer machines and in CI
        found = set(re.findall(r"\bR-[A-Z]+(?:-[0-9]+[a-z]?)?", domain.read_text()))
        assert found == set(DOMAIN_RULES)


def test_playbook_loads_and_lists_every_rule_once() -> None:
    steps = playbook.load()
    assert [s.id for s in steps] == ["3.1", "3.2", "3.3", "3.4", "4"]
    listed = [r.id for s in steps for r in s.rules]
    assert len(listed) == len(set(listed)) == len(RULES)


def test_every_domain_rule_is_encoded() -> None:
    encoded = {ref for r in RULES.values() for ref in r.refs}
    missing = [ref for ref in DOMAIN_RULES if ref not in encoded]
    assert missing == []


def test_every_domain_rule_fires_in_a_shipped_scenario() -> None:
    fired = {
        ref
        for d in shipped_scenarios()
        for e in load_scenario(d).expect.values()
        for ref in e.rules
    }
    missing = [ref for ref in DOMAIN_RULES if ref not in fired]
    assert missing == []


def test_rule_needs_are_known() -> None:
    kinds = {
        "nms_alarm",
        "nms_poll",
        "device_access",
        "interface",
        "crc_growth",
        "e1_controller",
        "cpu",
        "log",
        "ping",
        "console",
        "ne_e1_line",
        "answer",
        "lan_capture",
    }
    vocab = set(vocabulary())
    for r in RULES.values():
        for need in r.needs:
            assert need in kinds or need in vocab, f"{r.id}: unknown need {need!r}"


def test_thresholds_have_sources() -> None:
    t = defaults()
    assert t.values
    assert all(v.source and v.unit for v in t.values.values())


def test_every_finding_names_a_registered_rule() -> None:
    # The recorded captures of every shipped scenario, analysed: consequences, unreachable
    # sources and not-evaluated steps included, each finding comes from a registered rule.
    from diag.analyzers.engine import analyze_full
    from diag.capture import load_capture
    from diag.model.inventory import Inventory
    from diag.model.path import build_path

    root = Path(__file__).resolve().parent.parent / "fixtures" / "captures"
    seen: set[str] = set()
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        cap = load_capture(folder)
        inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
        for f in analyze_full(build_path(cap.circuit, inv), list(cap.observations)).findings:
            assert f.rule in RULES, (folder.name, f.rule)
            seen.add(f.rule)
    assert {"rdi-upstream-consequence", "ais-downstream-consequence"} <= seen
