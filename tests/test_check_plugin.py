"""`diag check ID` as a Nagios / Icinga plugin against the real lab: the state line, the exit
code, and the perfdata read by a strict parser written from the Monitoring Plugins Development
Guidelines (https://www.monitoring-plugins.org/doc/guidelines.html, "Performance data").
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from diag.analyzers.thresholds import defaults
from diag.check import Perf, from_document
from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import Scenario
from diag.model.inventory import Inventory

DIAG = str(Path(sys.executable).parent / "diag")
SCENARIOS = Path(__file__).resolve().parents[1] / "diag" / "lab" / "shipped" / "scenarios"
FAST = ["--set", "crc_sample_interval_s=2", "--set", "ping_count=5"]

# ---------------------------------------------------------------- the guidelines' grammar
# 'label'=value[UOM];[warn];[crit];[min];[max], items separated by spaces.  A label is quoted
# when it holds a space (a quote inside is doubled); it never holds '=' or a bare quote.  value,
# min and max are in [-0-9.]; warn and crit are ranges ([@][start:][end], start may be ~); the
# UOM is none, s/ms/us, %, B/KB/MB/TB or c.  Trailing unfilled semicolons may be dropped.
_NUM = r"-?[0-9]+(?:\.[0-9]+)?"
_RANGE = rf"@?(?:(?:~|{_NUM}):)?(?:{_NUM})?"
_ITEM = re.compile(
    rf"(?P<label>'(?:[^'=]|'')+'|[^'= ]+)=(?P<value>{_NUM})(?P<uom>us|ms|s|%|KB|MB|TB|B|c)?"
    rf"(?:;(?P<warn>{_RANGE})(?:;(?P<crit>{_RANGE})(?:;(?P<min>{_NUM})?(?:;(?P<max>{_NUM})?)?)?)?)?"
)
_STATUS = re.compile(
    r"DIAG (?P<state>OK|WARNING|CRITICAL|UNKNOWN) - (?P<text>[^|\n]+?)(?: \| (?P<perf>[^|\n]+))?"
)
EXIT = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}


@dataclass(frozen=True)
class Item:
    label: str
    value: float
    uom: str
    warn: str
    crit: str
    min: float | None
    max: float | None


def parse_perfdata(text: str) -> dict[str, Item]:
    """Every item of `text`, or ValueError at the first character off the grammar."""
    out: dict[str, Item] = {}
    pos = 0
    while pos < len(text):
        m = _ITEM.match(text, pos)
        end = m.end() if m else pos
        if m is None or (end < len(text) and text[end] != " "):
            raise ValueError(f"perfdata off the grammar at {pos}: {text[pos:]!r}")
        label = m["label"]
        if label.startswith("'"):
            label = label[1:-1].replace("''", "'")
        if label in out:
            raise ValueError(f"label {label!r} twice")
        out[label] = Item(
            label,
            float(m["value"]),
            m["uom"] or "",
            m["warn"] or "",
            m["crit"] or "",
            None if m["min"] is None else float(m["min"]),
            None if m["max"] is None else float(m["max"]),
        )
        pos = end + 1
    return out


@dataclass(frozen=True)
class Output:
    code: int
    state: str
    text: str
    perf: dict[str, Item]
    long: list[str]
    stderr: str


def parse_output(r: subprocess.CompletedProcess[str]) -> Output:
    first, *long = r.stdout.splitlines()
    m = _STATUS.fullmatch(first)
    assert m, f"status line off the format: {first!r}"
    assert r.returncode == EXIT[m["state"]], (r.returncode, first)
    perf = parse_perfdata(m["perf"]) if m["perf"] else {}
    assert all("|" not in line for line in long)
    return Output(r.returncode, m["state"], m["text"], perf, long, r.stderr)


def check(*args: str, timeout: float = 120) -> Output:
    env = {**os.environ, "COLUMNS": "40"}
    env.pop("DIAG_INVENTORY", None)
    r = subprocess.run(
        [DIAG, *args], env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert "Traceback" not in r.stderr + r.stdout
    return parse_output(r)


# ---------------------------------------------------------------- the parser itself


@pytest.mark.parametrize(
    "good",
    [
        "'loss'=0%;1;20;0;100",
        "rta=12.5ms;50;;0 pl=0%",
        "'a b'=1;~:10;@5:9;; 'it''s'=2c",
        "x=1;2;3",
        "x=-1.5",
    ],
)
def test_the_parser_takes_the_guidelines_forms(good: str) -> None:
    assert parse_perfdata(good)


@pytest.mark.parametrize(
    "bad",
    ["loss=1,5%", "x=1e-06", "'a'b'=1", "a b=1", "x=1;2;3;4;5;6", "x=1  y=2", "x=1mb", "x=nan"],
)
def test_the_parser_refuses_what_the_grammar_does_not_allow(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_perfdata(bad)


@given(
    value=st.floats(min_value=-1e9, max_value=1e9, allow_nan=False),
    warn=st.none() | st.floats(min_value=0, max_value=1e6),
    label=st.text(st.characters(blacklist_characters="=\n\r|", codec="ascii"), min_size=1),
)
def test_every_rendered_item_parses_back(value: float, warn: float | None, label: str) -> None:
    item = parse_perfdata(Perf(label, value, "ms", warn, None, 0).render())[label]
    assert item.value == pytest.approx(value, abs=1e-6)
    assert item.uom == "ms" and item.min == 0


# ---------------------------------------------------------------- against the lab


@pytest.fixture(scope="module")
def lab() -> Iterator[tuple[Path, Inventory, list[Scenario]]]:
    names = ["healthy-e1", "ais-first-station", "unreach-everything", "hc-customer-pdh"]
    with tempfile.TemporaryDirectory(prefix="diag-check-") as tmp:
        inv, scns, inv_dir = prepare([SCENARIOS / n for n in names], None, Path(tmp))
        with LabThread(LabNetwork(inv, scns)):
            yield inv_dir, inv, scns


@pytest.fixture(scope="module")
def lab_inv(lab: tuple[Path, Inventory, list[Scenario]]) -> Path:
    return lab[0]


pytestmark = pytest.mark.lab


def _thresholds_in(perf: dict[str, Item]) -> None:
    t = defaults()
    loss = perf["loss"]
    assert (loss.uom, loss.min, loss.max) == ("%", 0, 100)
    assert float(loss.warn) == t["loss_pct"] and float(loss.crit) == t["loss_severe_pct"]
    if "rtt" in perf:
        assert perf["rtt"].uom == "ms" and float(perf["rtt"].warn) == t["latency_ms"]
    if "crc_rate" in perf:
        assert float(perf["crc_rate"].warn) == t["crc_growth_per_min"]


def test_a_healthy_circuit_is_ok_with_its_measurements(lab_inv: Path) -> None:
    out = check("check", "LAB-E1-OK1", "-i", str(lab_inv), *FAST)
    assert (out.code, out.state) == (0, "OK"), out
    assert out.text == "LAB-E1-OK1: healthy: no fault found"
    assert out.long[0].startswith("No fault found")  # the verdict's whole sentence
    assert set(out.perf) == {"loss", "rtt", "crc_rate"}, out.perf
    assert out.perf["loss"].value == 0 and out.perf["rtt"].value > 0
    assert out.perf["crc_rate"].value == 0
    _thresholds_in(out.perf)


def test_a_localized_fault_is_critical_with_the_segment_below(lab_inv: Path) -> None:
    out = check("check", "LAB-E1-AIS1", "-i", str(lab_inv), *FAST)
    assert (out.code, out.state) == (2, "CRITICAL"), out
    assert out.text == "LAB-E1-AIS1: fault localized: ais1-pdh-1 … ais1-sdh-a (carrier)"
    assert any(
        line.startswith("fault 1: ais1-pdh-1 … ais1-sdh-a (carrier): ") for line in out.long
    ), out.long
    _thresholds_in(out.perf)


def test_an_unreachable_circuit_is_unknown_and_reports_no_unread_value(lab_inv: Path) -> None:
    out = check("check", "LAB-UNREACH-ALL", "-i", str(lab_inv), *FAST)
    assert (out.code, out.state) == (3, "UNKNOWN"), out
    assert out.text.startswith("LAB-UNREACH-ALL: inconclusive")
    # no router answered: no RTT and no CRC rate were measured, so none is reported (never 0)
    assert "rtt" not in out.perf and "crc_rate" not in out.perf, out.perf
    assert any(line.startswith("collector ") for line in out.long), out.long


def test_the_timeout_is_unknown(lab_inv: Path) -> None:
    out = check("check", "LAB-E1-OK1", "-i", str(lab_inv), "-t", "1")
    assert (out.code, out.state) == (3, "UNKNOWN")
    assert out.text == "LAB-E1-OK1: no verdict within 1 s (-t/--timeout)" and not out.perf


def test_chinese_long_text_keeps_the_english_state(lab_inv: Path) -> None:
    out = check("--lang", "zh", "check", "LAB-E1-AIS1", "-i", str(lab_inv), *FAST)
    assert out.state == "CRITICAL"
    assert out.text == "LAB-E1-AIS1: 故障已定位：ais1-pdh-1 … ais1-sdh-a（carrier）"
    assert any(line.startswith("故障 1：ais1-pdh-1 … ais1-sdh-a（carrier）：") for line in out.long)


def test_localized_faults_that_only_degrade_the_line_are_a_warning(
    lab: tuple[Path, Inventory, list[Scenario]],
) -> None:
    """Case 4.3's customer PDH (R-HC-4b, with the site's answers): localized, errors but no
    outage."""
    from diag.lab.scenario import given_observations
    from diag.runner import diagnose_many

    _, inv, scns = lab
    given = {cid: obs for s in scns for cid, obs in given_observations(s).items()}
    (dx,) = diagnose_many(inv, ["LAB-HC4B-1"], given=given, overrides={"crc_sample_interval_s": 2})
    doc = dx.document
    assert doc.verdict.status == "fault_localized"
    assert {f.impact for f in doc.verdict.faults} == {"degraded"}
    result = from_document(doc, defaults())
    assert result.state == 1
    first, *long = result.text().splitlines()
    m = _STATUS.fullmatch(first)
    assert m and m["state"] == "WARNING"
    assert m["text"] == "LAB-HC4B-1: fault localized: hc4b-pdh-2 (customer)"
    parse_perfdata(m["perf"] or "")
    assert long[0] == doc.verdict.summary
    assert long[1].startswith("fault 1: hc4b-pdh-2 (customer): ")


# ---------------------------------------------------------------- no verdict: always 3


def test_an_unknown_id_is_unknown_with_the_right_case(lab_inv: Path) -> None:
    out = check("check", "lab-e1-ok1", "-i", str(lab_inv))
    assert (out.code, out.state) == (3, "UNKNOWN")
    assert "did you mean LAB-E1-OK1?" in out.text


def test_a_broken_inventory_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("circuits: [\n", encoding="utf-8")
    out = check("check", "LAB-E1-OK1", "-i", str(tmp_path))
    assert (out.code, out.state) == (3, "UNKNOWN")
    assert out.text == f"LAB-E1-OK1: inventory {tmp_path}: 1 problem"
    assert out.long[0].startswith(f"- {tmp_path / 'bad.yaml'}: line 2 column 1 is not valid YAML")


def test_a_missing_inventory_and_a_usage_error_are_unknown(tmp_path: Path) -> None:
    out = check("check", "X", "-i", str(tmp_path / "none"))
    assert (out.code, out.state) == (3, "UNKNOWN")
    out = check("check")
    assert (out.code, out.text) == (3, "usage: Missing argument 'CIRCUIT_ID'.")
    out = check("check", "X", "-t", "zero")
    assert out.code == 3 and out.text.startswith("usage: ")
