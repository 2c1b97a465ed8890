"""Every shipped circuit renders in English and in Chinese, and the language never changes a
verdict.

Each circuit is analysed offline from its recorded observations (fixtures/captures: one per
circuit of the shipped scenarios, the same readings `diag demo` collects), once per language;
the terminal summary and the findings JSON are rendered for both.  The Chinese pass must find a
translation for every message it asks for, carry Chinese in every text field a reader sees, and
reach the same statuses, segments, owners, rule ids and confidences as the English one.

`test_every_circuit_renders_in_chinese` checks the whole text, the rule modules' included, so it
holds only once every catalog is complete; the `_core` tests check this package's own frame (the
verdict, the terminal, the customer text, the questions), whatever the rules say.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from rich.console import Console

from diag import i18n
from diag.analyzers.answers import questions_for, vocabulary
from diag.analyzers.playbook import load
from diag.capture import load_capture, replay
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.output.terminal import render

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = sorted(p for p in (ROOT / "fixtures" / "captures").iterdir() if p.is_dir())
CJK = re.compile(r"[\u4e00-\u9fff]")
# the English frame's words, none of which may show in a Chinese summary
ENGLISH_HEADINGS = ("Verdict:", "\nEvidence", "\nNext steps", "\nCollectors", "For the customer")


@pytest.fixture(scope="module")
def validator(findings_schema: dict[str, object]) -> jsonschema.Draft202012Validator:
    """Built once: the schema's references resolved once, not per document."""
    return jsonschema.Draft202012Validator(findings_schema)


def _analysed(folder: Path, language: i18n.Lang) -> tuple[FindingsDocument, str]:
    """The document and its terminal summary (verbose: every finding shown) in `language`."""
    with i18n.using(language):
        doc = replay(folder)
        out = io.StringIO()
        render(doc, Console(file=out, width=160, color_system=None), verbose=True)
    return doc, out.getvalue()


def _decision(doc: FindingsDocument) -> dict[str, Any]:
    """Everything the language must not change: what was decided, where, by which rules."""
    v = doc.verdict
    return {
        "status": v.status,
        "segment": v.segment,
        "owner": v.owner,
        "faults": [
            (f.number, f.segment, f.owner, f.rules, f.procedure, f.confidence, f.impact)
            for f in v.faults
        ],
        "unread": len(v.unread),
        "findings": [
            (f.rule, f.procedure, f.kind, f.segment, f.owner, f.confidence, len(f.evidence))
            for f in doc.findings
        ],
        "context": [(c.observation, c.reason) for c in doc.context],
        "notes": [n.observation for n in doc.inventory_notes],
        "customer": (
            doc.customer_summary.loss_pct if doc.customer_summary else None,
            doc.customer_summary.latency_ms if doc.customer_summary else None,
        ),
    }


def _keys(value: object, at: str = "") -> set[str]:
    """Every key path of a JSON value (list positions folded): the document's shape."""
    out: set[str] = set()
    if isinstance(value, dict):
        for k, v in value.items():
            out.add(f"{at}.{k}")
            out |= _keys(v, f"{at}.{k}")
    elif isinstance(value, list):
        for v in value:
            out |= _keys(v, f"{at}[]")
    return out


@dataclass(frozen=True)
class Both:
    en: FindingsDocument
    en_text: str
    zh: FindingsDocument
    zh_text: str
    missed: frozenset[str]  # the messages the Chinese pass found no translation for


@cache
def _both(folder: Path) -> Both:
    """Both passes of one circuit, once for every test that reads them."""
    en, en_text = _analysed(folder, "en")
    i18n.clear_missed()
    zh, zh_text = _analysed(folder, "zh")
    missed = frozenset(m for lang, m in i18n.missed() if lang == "zh")
    return Both(en, en_text, zh, zh_text, missed)


def _no_cjk(texts: list[tuple[str, str]]) -> list[str]:
    return [f"{where}: {text!r}" for where, text in texts if not CJK.search(text)]


@pytest.mark.parametrize("folder", CAPTURES, ids=[p.name for p in CAPTURES])
def test_language_never_changes_the_verdict_core(
    folder: Path, validator: jsonschema.Draft202012Validator
) -> None:
    both = _both(folder)
    en, en_text, zh, zh_text = both.en, both.en_text, both.zh, both.zh_text
    assert (en.lang, zh.lang) == ("en", "zh")
    assert _decision(zh) == _decision(en)
    en_json, zh_json = json.loads(en.to_json()), json.loads(zh.to_json())
    assert _keys(zh_json) == _keys(en_json)  # the keys never change, only the text
    for doc in (en_json, zh_json):
        validator.validate(doc)
    # this package's frame is Chinese: the verdict, the customer text, the terminal's words
    texts = [("verdict.summary", zh.verdict.summary)]
    texts += [(f"verdict.unread[{i}]", u) for i, u in enumerate(zh.verdict.unread)]
    texts += [(f"verdict.basis[{i}]", b) for i, b in enumerate(zh.verdict.basis)]
    if zh.customer_summary is not None:
        texts.append(("customer_summary.text", zh.customer_summary.text))
    assert not _no_cjk(texts)
    assert not [h for h in ENGLISH_HEADINGS if h in zh_text], zh_text
    assert "结论：" in zh_text and "采集器" in zh_text
    assert "Verdict: " in en_text and "结论" not in en_text


@pytest.mark.parametrize("folder", CAPTURES, ids=[p.name for p in CAPTURES])
def test_every_circuit_renders_in_chinese(folder: Path) -> None:
    """The whole text, the rule modules' findings included (their catalogs: zh.rules_*.yaml)."""
    both = _both(folder)
    zh, missed = both.zh, sorted(both.missed)
    assert not missed, f"{len(missed)} message(s) without Chinese:\n" + "\n".join(missed)
    texts: list[tuple[str, str]] = []
    for f in zh.findings:
        texts += [(f"{f.rule}.title", f.title), (f"{f.rule}.cause", f.cause)]
        texts += [(f"{f.rule}.evidence", e.text) for e in f.evidence]
        texts += [(f"{f.rule}.next_steps", s) for s in f.next_steps]
    texts += [(f"fault {x.number}.summary", x.summary) for x in zh.verdict.faults]
    bad = _no_cjk(texts)
    assert not bad, f"{len(bad)} text field(s) with no Chinese:\n" + "\n".join(bad)


@pytest.mark.parametrize("folder", CAPTURES[:1] + CAPTURES[-1:], ids=lambda p: p.name)
def test_questions_are_asked_in_chinese(folder: Path) -> None:
    cap = load_capture(folder)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    path = build_path(cap.circuit, inv)
    with i18n.using("en"):
        en = questions_for(path)
    i18n.clear_missed()
    with i18n.using("zh"):
        zh = questions_for(path)
        steps = [s.shown_title for s in load()]
    assert [k for k, _, _ in zh] == [k for k, _, _ in en] and zh
    assert not _no_cjk([(k, text) for k, text, _ in zh])
    assert not _no_cjk([("step", s) for s in steps])
    assert not i18n.missed()
    assert not [text for _, text, _ in en if CJK.search(text)]


def test_every_question_has_its_chinese() -> None:
    missing = [q.key for q in vocabulary().values() if not q.zh]
    assert not missing
    assert all(s.zh for s in load())
