"""The rule messages no shipped capture produces, rendered with real values in both languages.

tests/i18n/test_render.py renders the 60 shipped captures; about a third of the rule catalogs'
messages (path AIS / LOP, forwarded AIS, masking, rare lamp and test answers...) never come out
of them, so only their placeholders were checked.  Each case here (fixtures/i18n_rare/cases.yaml)
takes a shipped capture's circuit and inventory, replaces its readings by the smallest set that
makes one rule branch speak, and analyses it offline the way `diag circuit --replay` does, in
English and in Chinese: the English finding must say what the branch says; the Chinese pass must
find every message it asks for and put Chinese in every text a reader sees.

The last test measures which messages of the rule catalogs (and zh.core.yaml) are asked for by
nothing at all (the captures, their questions, `diag rules`, and these cases), by wrapping
`i18n.translation`, and requires that set to be exactly the documented allow-list
(fixtures/i18n_rare/unreached.yaml: each message with why it is not reached).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, Field
from rich.console import Console

from diag import i18n
from diag.analyzers import context
from diag.analyzers.answers import questions_for
from diag.capture import Capture, analyse_capture, load_capture, replay
from diag.cli import cli
from diag.model.findings import Finding, FindingsDocument
from diag.model.inventory import Inventory
from diag.model.observations import (
    AlarmDirection,
    AlarmObservation,
    AnswerObservation,
    Observation,
    PingObservation,
    Severity,
)
from diag.model.path import build_path
from diag.output.terminal import render

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = sorted(p for p in (ROOT / "fixtures" / "captures").iterdir() if p.is_dir())
DATA = ROOT / "fixtures" / "i18n_rare"
CATALOGS = ("zh.rules_a.yaml", "zh.rules_b.yaml", "zh.core.yaml")
CJK = re.compile(r"[\u4e00-\u9fff]")
AT = datetime(2026, 12, 6, 16, 36, tzinfo=UTC)

AlarmRow = (
    tuple[str, str | None, str, str, str, AlarmDirection]
    | tuple[str, str | None, str, str, str, AlarmDirection, bool]
)
# rule (or @context / @note / @verdict / @terminal), kind, segment [from, to], a text the English says
ExpectRow = tuple[str, str | None, tuple[str, str] | None, str]
# observation kind, device (null: readings with no device), field, new value
PatchRow = tuple[
    str, str | None, str, bool | int | float | str | list[str] | dict[str, bool] | None
]


class Case(BaseModel):
    """One rare branch: a shipped circuit with the readings that make the rule say it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    template: str
    alarms: list[AlarmRow] | None = None
    answers: dict[str, str] | None = None
    drop: list[str] = Field(default_factory=list)
    host_pings: list[tuple[str, int]] = Field(default_factory=list)
    links: list[tuple[str, str, float, float]] = Field(default_factory=list)
    no_transport: bool = False  # the CPEs joined directly, no transport hop
    interrupted: bool = False  # the run was stopped (Ctrl-C) before every collector answered
    patch: list[PatchRow] = Field(default_factory=list)
    expect: list[ExpectRow]
    known_bug: str | None = None  # a defect this case shows (reported, not fixed here): xfail


def _param(case: Case) -> object:
    if case.known_bug is None:
        return pytest.param(case, id=case.name)
    return pytest.param(
        case, id=case.name, marks=pytest.mark.xfail(strict=True, reason=case.known_bug)
    )


def _cases() -> list[Case]:
    rows = yaml.safe_load((DATA / "cases.yaml").read_text(encoding="utf-8"))
    return [Case.model_validate(r) for r in rows]


CASES = _cases()


@contextmanager
def recording() -> Iterator[set[str]]:
    """Every message id asked for in a non-English language within the block (tr() asks the
    catalog through i18n.translation, looked up at call time).  The analysis keeps the texts
    that depend on a circuit's shape only, per language (diag.analyzers.context._SHAPES): cleared
    first, or what an earlier test rendered would not be asked for again."""
    context._SHAPES.clear()
    asked: set[str] = set()
    original = i18n.translation

    def wrapped(msgid: str, language: i18n.Lang) -> str:
        asked.add(msgid)
        return original(msgid, language)

    setattr(i18n, "translation", wrapped)  # noqa: B010 - a module function, swapped back below
    try:
        yield asked
    finally:
        setattr(i18n, "translation", original)  # noqa: B010


def unrendered(asked: set[str]) -> dict[str, list[str]]:
    """Per catalog, its messages that nothing asked for: the measurement this module reports."""
    out: dict[str, list[str]] = {}
    for name in CATALOGS:
        data = yaml.safe_load((ROOT / "diag" / "i18n" / name).read_text(encoding="utf-8"))
        out[name] = sorted(m for m in data if m not in asked)
    return out


def _alarm(n: int, row: AlarmRow) -> AlarmObservation:
    device, port, vendor, ctype, layer, direction = row[:6]
    known = bool(row[6]) if len(row) > 6 else True
    return AlarmObservation(
        id=f"nms-alarm-{n}",
        collector="nms:nms-lab",
        at=AT,
        nms="nms-lab",
        ne=device.upper(),
        device=device,
        port=port,
        type=ctype,
        layer=layer,
        direction=direction,
        severity=Severity.major,
        raised=AT,
        vendor_name=vendor,
        known=known,
    )


def _host_ping(n: int, target: str, received: int) -> PingObservation:
    ok = received > 0
    return PingObservation(
        id=f"ping-host-{n}",
        collector="ping",
        at=AT,
        origin="host:noc",
        origin_kind="host",
        target=target,
        engine="icmplib",
        count=10,
        size=100,
        sent=10,
        received=received,
        loss_pct=100.0 * (10 - received) / 10,
        rtt_min_ms=1.0 if ok else None,
        rtt_mean_ms=1.2 if ok else None,
        rtt_max_ms=1.6 if ok else None,
    )


def _observations(case: Case, cap: Capture) -> list[Observation]:
    def kept(o: Observation) -> bool:
        if o.kind in case.drop:
            return False
        if case.alarms is not None and o.kind == "nms_alarm":
            return False
        return not (case.answers is not None and o.kind == "answer")

    def patched(o: Observation) -> Observation:
        device = getattr(o, "device", None)
        changes = {f: v for kind, d, f, v in case.patch if o.kind == kind and d == device}
        return o.model_copy(update=changes) if changes else o

    obs: list[Observation] = [patched(o) for o in cap.observations if kept(o)]
    obs += [_alarm(n, row) for n, row in enumerate(case.alarms or [], 1)]
    obs += [
        AnswerObservation(
            id=f"answer-{n}", collector="answers", at=AT, key=k, value=v, source="observe"
        )
        for n, (k, v) in enumerate((case.answers or {}).items(), 1)
    ]
    obs += [_host_ping(n, t, r) for n, (t, r) in enumerate(case.host_pings, 1)]
    return obs


def _circuit_capture(case: Case) -> Capture:
    cap = load_capture(ROOT / "fixtures" / "captures" / case.template)
    links = []
    for lk in cap.circuit.links:
        if case.no_transport and not set(lk.between) <= {cap.circuit.a.cpe, cap.circuit.b.cpe}:
            continue
        for x, y, launch, attenuation in case.links:
            if set(lk.between) == {x, y}:
                lk = lk.model_copy(
                    update={"launch_power_dbm": launch, "attenuation_db": attenuation}
                )
        links.append(lk)
    transport = [] if case.no_transport else cap.circuit.transport
    circuit = cap.circuit.model_copy(update={"links": links, "transport": transport})
    return cap.model_copy(update={"circuit": circuit})


def _analyse(case: Case, language: i18n.Lang) -> tuple[FindingsDocument, str]:
    """What `diag circuit --replay` computes and prints (verbose) for the case, in `language`."""
    cap = _circuit_capture(case)
    cap = cap.model_copy(
        update={"observations": _observations(case, cap), "interrupted": case.interrupted}
    )
    with i18n.using(language):
        doc = analyse_capture(cap)
        out = io.StringIO()
        for verbose in (True, False):  # every finding, then the summary's own lines
            render(doc, Console(file=out, width=160, color_system=None), verbose=verbose)
    return doc, out.getvalue()


@dataclass(frozen=True)
class Run:
    en: FindingsDocument
    en_text: str
    zh: FindingsDocument
    zh_text: str
    asked: frozenset[str]
    missed: frozenset[str]


@cache
def _run(name: str) -> Run:
    case = next(c for c in CASES if c.name == name)
    en, en_text = _analyse(case, "en")
    i18n.clear_missed()
    with recording() as asked:
        zh, zh_text = _analyse(case, "zh")
    missed = frozenset(m for lang, m in i18n.missed() if lang == "zh")
    return Run(en, en_text, zh, zh_text, frozenset(asked), missed)


def _says(f: Finding) -> str:
    return "\n".join([f.title, f.cause, *f.next_steps, *(e.text for e in f.evidence)])


def _texts(doc: FindingsDocument) -> list[tuple[str, str]]:
    """Every text field a reader sees in a findings document."""
    out = [("verdict.summary", doc.verdict.summary)]
    out += [("verdict.unread", u) for u in doc.verdict.unread]
    out += [("verdict.basis", b) for b in doc.verdict.basis]
    for f in doc.findings:
        out += [(f"{f.rule}.title", f.title), (f"{f.rule}.cause", f.cause)]
        out += [(f"{f.rule}.evidence", e.text) for e in f.evidence]
        out += [(f"{f.rule}.next_steps", s) for s in f.next_steps]
    out += [(f"fault {x.number}.summary", x.summary) for x in doc.verdict.faults]
    out += [(f"context {c.observation}", c.text) for c in doc.context]
    for n in doc.inventory_notes:
        out += [(f"note {n.observation}", n.text), (f"note {n.observation}.next", n.next_step)]
    return out


def _matches(doc: FindingsDocument, terminal: str, row: ExpectRow) -> list[str]:
    rule, kind, segment, text = row
    if rule == "@terminal":
        return [terminal] if text in terminal else []
    if rule == "@verdict":
        v = doc.verdict
        return [t for t in [v.summary, *v.unread, *v.basis] if text in t]
    if rule == "@context":
        return [c.text for c in doc.context if text in c.text]
    if rule == "@note":
        return [n.text for n in doc.inventory_notes if text in n.text]
    seg = None if segment is None else list(segment)
    return [
        _says(f)
        for f in doc.findings
        if f.rule == rule
        and f.kind == kind
        and (None if f.segment is None else [f.segment.from_, f.segment.to]) == seg
        and text in _says(f)
    ]


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_rare_branch_renders_in_both_languages(case: Case) -> None:
    run = _run(case.name)
    for row in case.expect:
        assert _matches(run.en, run.en_text, row), f"no English finding {row}:\n" + "\n".join(
            f"  {f.rule} {f.kind} {f.segment}: {f.title} | {f.cause}" for f in run.en.findings
        )
    # the language changes the words only: the same findings, rules, kinds and segments
    assert [(f.rule, f.kind, f.segment) for f in run.zh.findings] == [
        (f.rule, f.kind, f.segment) for f in run.en.findings
    ]
    assert (run.zh.verdict.status, run.zh.verdict.segment) == (
        run.en.verdict.status,
        run.en.verdict.segment,
    )
    assert not run.missed, "messages without Chinese:\n" + "\n".join(sorted(run.missed))
    english = [f"{where}: {text!r}" for where, text in _texts(run.zh) if not CJK.search(text)]
    assert not english, "text fields with no Chinese:\n" + "\n".join(english)
    assert "结论：" in run.zh_text and "Verdict:" not in run.zh_text


def _rules_listing() -> set[str]:
    """`diag --lang zh rules`: every rule's title, as the command prints it."""
    with recording() as asked:
        result = CliRunner().invoke(cli, ["--lang", "zh", "rules"])
    assert result.exit_code == 0, result.output
    assert CJK.search(result.output)
    return asked


def _captures_asked() -> set[str]:
    """What test_render.py's inputs ask for: every capture rendered, its questions listed."""
    asked: set[str] = set()
    for folder in CAPTURES:
        with recording() as got, i18n.using("zh"):
            doc = replay(folder)
            render(doc, Console(file=io.StringIO(), width=160, color_system=None), verbose=True)
            cap = load_capture(folder)
            inv = Inventory(
                nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit}
            )
            questions_for(build_path(cap.circuit, inv))
        asked |= got
    return asked


def _allowed() -> dict[str, dict[str, str]]:
    data = yaml.safe_load((DATA / "unreached.yaml").read_text(encoding="utf-8"))
    return {name: dict(data.get(name) or {}) for name in CATALOGS}


def test_every_rule_message_is_rendered_or_allowed() -> None:
    steps: list[Callable[[], set[str]]] = [_captures_asked, _rules_listing]
    asked: set[str] = set()
    for step in steps:
        asked |= step()
    before = unrendered(asked)
    for case in CASES:
        asked |= _run(case.name).asked
    after = unrendered(asked)
    allowed = _allowed()
    report = []
    for name in CATALOGS:
        extra = sorted(set(after[name]) - set(allowed[name]))
        stale = sorted(set(allowed[name]) - set(after[name]))
        report += [f"{name}: never rendered, not allowed: {m!r}" for m in extra]
        report += [f"{name}: allowed but rendered now (drop it): {m!r}" for m in stale]
    counts = {n: (len(before[n]), len(after[n])) for n in CATALOGS}
    assert not report, f"never rendered (without cases, with them): {counts}\n" + "\n".join(report)
    # the cases matter: they render rule messages that nothing else does
    assert all(len(after[n]) < len(before[n]) for n in CATALOGS[:2]), counts
