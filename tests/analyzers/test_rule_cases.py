"""Every registered rule against its own passing and failing cases, picked up by glob.

fixtures/rules/<rule-id>/fires/<case>.yaml must make the rule report what `expect` says;
fixtures/rules/<rule-id>/silent/<case>.yaml is a near miss (the noise of a real network) on
which it must stay quiet.  The format is fixtures/rules/README.md; `FiresCase` and `SilentCase`
(tests/analyzers/rule_cases.py, with the loading and checking) are its schema, and every case
file is validated with them before it runs (a bad file fails naming the file and the field).  Each case runs the whole analysis (`analyze_full`:
every rule, then the decision table) and checks the findings of its folder's rule, as the
findings document has them.

A case whose rule is wrong by the DOMAIN.md procedure keeps its expectation and carries an
`xfail_reason:` naming the bug: it is a strict xfail, so it fails the day the rule is fixed and
the reason has to go.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from diag.analyzers import playbook
from diag.analyzers.registry import RULES
from tests.analyzers.rule_cases import CASES, EXEMPT, CaseError, case_files, check, load_case, run

# --------------------------------------------------------------------------- the tests


def _params() -> list[Any]:
    out = []
    for file in case_files():
        try:  # only the xfail mark is read here; the test itself validates the whole file
            raw = yaml.safe_load(file.read_text(encoding="utf-8"))
            reason = raw.get("xfail_reason") if isinstance(raw, dict) else None
        except yaml.YAMLError:
            reason = None
        marks = [pytest.mark.xfail(strict=True, reason=str(reason))] if reason else []
        cid = f"{file.parent.parent.name}/{file.parent.name}/{file.stem}"
        out.append(pytest.param(file, id=cid, marks=marks))
    return out


@pytest.mark.parametrize("file", _params())
def test_case(file: Path) -> None:
    case = load_case(file)
    check(case, run(case))


def _cases_by_rule() -> dict[str, dict[str, list[Path]]]:
    out: dict[str, dict[str, list[Path]]] = {}
    for file in case_files():
        out.setdefault(file.parent.parent.name, {}).setdefault(file.parent.name, []).append(file)
    return out


def test_every_rule_has_a_firing_and_a_silent_case() -> None:
    have = _cases_by_rule()
    missing = [
        f"{rid}: {kind}"
        for rid in sorted(set(RULES) - set(EXEMPT))
        for kind in ("fires", "silent")
        if not have.get(rid, {}).get(kind)
    ]
    assert not missing, "rules without a case folder (fixtures/rules/README.md):\n" + "\n".join(
        missing
    )
    assert set(EXEMPT) <= set(RULES), f"exempt ids not registered: {set(EXEMPT) - set(RULES)}"


def test_case_folders_are_registered_rules_and_hold_only_cases() -> None:
    assert playbook.load()  # registers every rule
    problems = []
    for entry in sorted(CASES.iterdir()):
        if entry.is_file():
            if entry.name != "README.md":
                problems.append(f"{entry.name}: only README.md and rule folders belong here")
            continue
        if entry.name not in RULES:
            problems.append(f"{entry.name}/: not a registered rule id (`diag rules` lists them)")
        for sub in sorted(entry.iterdir()):
            if sub.name not in ("fires", "silent") or not sub.is_dir():
                problems.append(f"{entry.name}/{sub.name}: only fires/ and silent/ belong here")
                continue
            for f in sorted(sub.iterdir()):
                if f.suffix != ".yaml":
                    problems.append(f"{entry.name}/{sub.name}/{f.name}: cases are .yaml files")
    assert not problems, "\n".join(problems)


# --------------------------------------------------------------------------- bad case files

GOOD = {
    "description": "UP_E1_AIS at the first station localises to PDH 1 - SDH A (R-AIS-1).",
    "circuit": "LAB-E1-AIS1",
    "observations": [
        {"kind": "nms_poll", "ok": True},
        {
            "kind": "nms_alarm",
            "device": "ais1-sdh-a",
            "port": "2-PQ1-5",
            "vendor_name": "UP_E1_AIS",
        },
    ],
    "expect": {"kind": "fault", "segment": {"from": "ais1-pdh-1", "to": "ais1-sdh-a"}},
}


def _write(tmp_path: Path, body: dict[str, Any], kind: str = "fires") -> Path:
    f = tmp_path / "ais-upstream-localize" / kind / "case.yaml"
    f.parent.mkdir(parents=True, exist_ok=True)
    f.write_text(yaml.safe_dump(body, sort_keys=False), encoding="utf-8")
    return f


def test_a_good_case_file_loads_and_fires(tmp_path: Path) -> None:
    case = load_case(_write(tmp_path, GOOD))
    check(case, run(case))


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        (
            {"expect": {"segment": {"from": "ais1-pdh-1", "to": "ais1-sdh-a"}}},
            "expect.kind",
            "Field required",
        ),
        ({"expect": {"kind": "fault", "confidence": 0.9}}, "expect.confidence", "Extra inputs"),
        ({"circuit": "LAB-NO-SUCH"}, "circuit", "no circuit 'LAB-NO-SUCH'"),
        ({"capture": "LAB-E1-AIS1"}, "capture", "exactly one of circuit"),
        ({"answers": {"a.cpe.lamp.powr": "off"}}, "answers", "unknown observation key"),
        ({"answers": {"a.cpe.lamp.power": "dim"}}, "answers", "not one of"),
        (
            {
                "observations": [
                    {
                        "kind": "nms_alarm",
                        "device": "ais1-sdh-a",
                        "vendor_name": "X",
                        "severity": "loud",
                    }
                ]
            },
            "observations",
            "[0].severity",
        ),
        (
            {"observations": [{"kind": "ping", "origin": "ais1-rtr-a"}]},
            "observations",
            "[0].origin_kind",
        ),
        (
            {"expect": {"kind": "fault", "segment": {"from": "ais1-pdh-9", "to": "ais1-sdh-a"}}},
            "expect",
            "'ais1-pdh-9' is not an element",
        ),
        (
            {"description": "fires on UP_E1_AIS, no reference given here"},
            "description",
            "cite the DOMAIN.md",
        ),
        ({"drop": ["alarm-1"]}, "drop", "this case has none"),
        ({"xfail_reason": "bug"}, "xfail_reason", "at least 20"),
        ({"colour": "red"}, "colour", "Extra inputs"),
    ],
)
def test_bad_case_files_name_the_file_and_the_field(
    tmp_path: Path, change: dict[str, Any], field: str, words: str
) -> None:
    f = _write(tmp_path, GOOD | change)
    with pytest.raises(CaseError) as err:
        load_case(f)
    msg = str(err.value)
    assert msg.startswith(f"{f}: "), msg
    assert f"field '{field}" in msg and words in msg, msg


def test_silent_expectations_are_checked_against_the_silent_schema(tmp_path: Path) -> None:
    f = _write(tmp_path, GOOD | {"expect": {"kind": "fault"}}, kind="silent")
    with pytest.raises(CaseError, match=r"field 'expect\.kind': Extra inputs"):
        load_case(f)
    quiet = _write(tmp_path, GOOD | {"expect": {"absent": ["fault"]}}, kind="silent")
    case = load_case(quiet)
    with pytest.raises(pytest.fail.Exception, match="must report no fault"):
        check(case, run(case))  # the alarm does make the fault: a silent check must see it


def test_a_silent_case_must_reach_its_rule(tmp_path: Path) -> None:
    # No NMS read at all: ais-upstream-localize is "not evaluated", which proves no near miss.
    unread = GOOD | {"observations": [], "expect": {}}
    case = load_case(_write(tmp_path, unread, kind="silent"))
    with pytest.raises(pytest.fail.Exception, match="did not run on it"):
        check(case, run(case))
    case = load_case(_write(tmp_path, unread | {"expect": {"evaluated": False}}, kind="silent"))
    check(case, run(case))


def test_a_fires_check_names_what_the_rule_reported(tmp_path: Path) -> None:
    wrong = GOOD | {"expect": {"kind": "fault", "direction": "b-to-a"}}
    case = load_case(_write(tmp_path, wrong))
    with pytest.raises(pytest.fail.Exception, match=r"(?s)must report .*dir=a-to-b"):
        check(case, run(case))
