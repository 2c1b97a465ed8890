"""The ticket page (`diag circuit ID --html`, `diag render FINDINGS.json --html`): built from real
diagnoses (the lab over real protocols, and the recorded captures through the real analyzer),
opened in real headless Chromium: the path's elements in order with each fault marked, the
verdict, evidence, next steps, ticket and who ran it, what could not be read, hostile inventory
text inert, and the Chinese page."""

from __future__ import annotations

import os
import re
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from diag.capture import load_capture, replay
from diag.cli import cli
from diag.i18n import missed
from diag.model.findings import FindingsDocument
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.report.ticket_page import fault_findings, next_steps, render_ticket_page
from diag.runner import Collected, build_document
from tests.report.browser import Dom, dump_dom, parse, screenshot
from tests.report.test_report import _has_colour, _not_blank

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "fixtures" / "captures"
EVIL = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> 中国工商银行"&\''
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
RED, ORANGE = "#c62828", "#ef6c00"


def _svg_elements(dom: Dom) -> list[dict[str, str | None]]:
    return [a for t, a in dom.elements if t == "g" and "el" in (a.get("class") or "").split()]


def _svg_links(dom: Dom) -> list[dict[str, str | None]]:
    return [a for t, a in dom.elements if t == "g" and "link" in (a.get("class") or "").split()]


def _marks(dom: Dom) -> list[dict[str, str | None]]:
    return [a for t, a in dom.elements if t == "g" and a.get("class") == "fault-mark"]


def _section(dom: Dom, html_text: str, css_id: str) -> str:
    """The text of one <section id=...> (the page's sections do not nest)."""
    m = re.search(rf'<section id="{css_id}"[^>]*>(.*?)</section>', html_text, re.DOTALL)
    assert m, f"no section {css_id}"
    return parse(m.group(1)).text


def _marked_for_black_and_white(dom: Dom) -> None:
    """A faulty element's box is hatched and its tag says "✖ fault N"; a faulty link is dashed
    and its label starts with ✖: the marks read without colour.  Others carry none of them."""
    current: dict[str, str | None] | None = None
    seen_rect = False
    for tag, attrs in dom.elements:
        if tag == "g" and (attrs.get("class") or "").split()[:1] in (["el"], ["link"]):
            current, seen_rect = attrs, False
        elif current is not None and tag in ("rect", "line") and not seen_rect:
            seen_rect = True
            faulty = "faulty" in (current.get("class") or "")
            if tag == "rect":
                assert (attrs.get("fill") == "url(#hatch)") == faulty, current
            else:
                assert ("stroke-dasharray" in attrs) == faulty, current
        elif tag == "g" and attrs.get("class") == "fault-mark":
            current = None
    tags = [a for t, a in dom.elements if t == "text" and a.get("class") == "fault-tag"]
    assert len(tags) == len([a for a in _svg_elements(dom) if a.get("data-faults")])


def _faulty_positions(doc: FindingsDocument) -> set[int]:
    ids = [e.id for e in doc.circuit.path]
    out: set[int] = set()
    for f in doc.verdict.faults:
        i, j = sorted((ids.index(f.segment.from_), ids.index(f.segment.to)))
        out |= set(range(i, j + 1))
    return out


def check_page(doc: FindingsDocument, html_text: str) -> Dom:
    """What every page must show of its document, read from the DOM as parsed."""
    dom = parse(html_text)
    els = _svg_elements(dom)
    assert [a["data-id"] for a in els] == [e.id for e in doc.circuit.path]
    assert [a["data-index"] for a in els] == [str(i) for i in range(len(doc.circuit.path))]
    assert [a["data-id"] for a in _svg_links(dom)] == [lk.id for lk in doc.circuit.links]
    faulty = {int(a["data-index"] or -1) for a in els if "faulty" in (a["class"] or "")}
    assert faulty == _faulty_positions(doc)
    assert [int(a["data-fault"] or 0) for a in _marks(dom)] == [
        f.number for f in doc.verdict.faults
    ]
    _marked_for_black_and_white(dom)
    for b in doc.verdict.basis:
        assert b in dom.text
    for f in doc.verdict.faults:  # every fault: in the list with its number and its evidence
        dom.index("div", f"fault-{f.number}")
        for finding in fault_findings(doc, f):
            for ev in finding.evidence:
                assert ev.text in dom.text
    (status,) = [a for t, a in dom.elements if a.get("id") == "status"]
    assert status["data-status"] == doc.verdict.status
    assert doc.verdict.summary in dom.text
    for step in next_steps(doc):
        assert step in dom.text
    unread = _section(dom, html_text, "unread")
    for u in doc.verdict.unread:
        assert u in unread
    for r in doc.collectors:  # every collector that failed: named where the page says so
        if not r.ok:
            assert r.name.split(":", 1)[-1] in unread and (r.error or "") in dom.text
    for sk in doc.run.skipped:  # --quick: not read on purpose, said so
        assert f"CRC growth on {sk.device}" in unread or doc.lang == "zh"
    run = doc.run
    everything = not (doc.verdict.unread or run.skipped or run.interrupted or run.provisional)
    if everything and all(r.ok for r in doc.collectors):
        assert unread.strip().endswith("Every source was read.") or doc.lang == "zh"
    else:
        assert "Every source was read." not in unread
    assert doc.run.operator in dom.text and doc.run.tool_version in dom.text
    assert doc.run.started.strftime("%Y-%m-%d %H:%M:%S") in dom.text
    if doc.customer_summary is not None:
        assert doc.customer_summary.text in dom.text
    if doc.ticket is not None:
        assert doc.ticket.number in dom.text
    assert dom.tags("script") == [] and "http://" not in html_text and "https://" not in html_text
    return dom


@pytest.mark.parametrize("capture", sorted(p.name for p in CAPTURES.iterdir()))
def test_every_recorded_diagnosis_makes_its_page(capture: str) -> None:
    doc = replay(CAPTURES / capture, capture)
    check_page(doc, render_ticket_page(doc, generated=T0))


# --------------------------------------------------------------------------- the live lab


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The lab serving three scenarios over real protocols; its inventory folder."""
    from diag.lab.manager import prepare
    from diag.lab.network import LabNetwork, LabThread
    from diag.lab.scenario import shipped_scenarios_dir

    base = shipped_scenarios_dir()
    dirs = [base / n for n in ("ais-second-station", "healthy-e1", "unreach-everything")]
    inv, scns, inv_dir = prepare(dirs, None, tmp_path_factory.mktemp("lab"))
    with LabThread(LabNetwork(inv, scns)):
        yield inv_dir


def _diagnose(inv_dir: Path, circuit: str, tmp: Path, *extra: str) -> tuple[int, Path, Path]:
    page, js = tmp / f"{circuit}.html", tmp / f"{circuit}.json"
    args = ["circuit", circuit, "--inventory", str(inv_dir), "--html", str(page), "--json"]
    args += [str(js), "--set", "crc_sample_interval_s=1", "--set", "ping_count=3", *extra]
    r = CliRunner().invoke(cli, args)
    assert page.is_file(), r.output
    return r.exit_code, page, js


@pytest.mark.lab
def test_live_fault_page_in_chromium(lab: Path, tmp_path: Path) -> None:
    operator = "field-eng-7 <b>张工</b>"
    code, page, js = _diagnose(
        lab, "LAB-E1-AIS2", tmp_path, "--ticket", "TS2611007", "--operator", operator
    )
    assert code == 10
    doc = FindingsDocument.model_validate_json(js.read_text(encoding="utf-8"))
    assert doc.verdict.status == "fault_localized" and doc.run.mode == "live"
    dom = check_page(doc, dump_dom(page, tmp_path / "profile"))
    # the fault: ais2-pdh-1 … ais2-sdh-b, carrier's, marked in the drawing and numbered 1
    faulty = [a["data-id"] for a in _svg_elements(dom) if a.get("data-faults")]
    assert faulty == ["ais2-pdh-1", "ais2-sdh-a", "ais2-sdh-b"]
    assert [a["data-faults"] for a in _svg_elements(dom) if a.get("data-faults")] == ["1"] * 3
    assert [a["data-id"] for a in _svg_links(dom) if a.get("data-faults")] == [
        "ais2-pdh-1~ais2-sdh-a",
        "ais2-sdh-a~ais2-sdh-b",
    ]
    text = dom.text
    assert "fault 1" in text and "✖" in text  # a marker that survives black and white
    assert "TS2611007 (complaint)" in text and operator in text  # markup shown as text
    assert "First-contact ownership: field-eng-7 <b>张工</b> took this report" in text
    assert "procedure e1-fault-handling" in text and "Every source was read." in text
    assert dom.index("section", "verdict") < dom.index("section", "path")
    png = tmp_path / "ais2.png"
    screenshot(page, png, tmp_path / "profile")
    _not_blank(png)
    assert _has_colour(png, RED) > 500, "the fault marks are not drawn"

    # the same page from the saved document, without diagnosing again
    again = tmp_path / "again.html"
    r = CliRunner().invoke(cli, ["render", str(js), "--html", str(again)])
    assert r.exit_code == 0 and f"LAB-E1-AIS2: wrote {again}" in r.stderr
    svg = re.compile(r"<svg.*</svg>", re.DOTALL)
    first, second = page.read_text(encoding="utf-8"), again.read_text(encoding="utf-8")
    assert svg.search(first).group(0) == svg.search(second).group(0)  # type: ignore[union-attr]


@pytest.mark.lab
def test_live_healthy_page_has_no_fault_mark(lab: Path, tmp_path: Path) -> None:
    code, page, js = _diagnose(lab, "LAB-E1-OK1", tmp_path)
    assert code == 0
    doc = FindingsDocument.model_validate_json(js.read_text(encoding="utf-8"))
    dom = check_page(doc, dump_dom(page, tmp_path / "profile"))
    assert not [a for a in _svg_elements(dom) if "faulty" in (a["class"] or "")]
    assert not [a for a in _svg_links(dom) if a.get("data-faults")] and not _marks(dom)
    assert "✖" not in dom.text and "✔ Healthy" in dom.text
    png = tmp_path / "ok.png"
    screenshot(page, png, tmp_path / "profile")
    _not_blank(png)
    assert _has_colour(png, RED) == 0


@pytest.mark.lab
def test_live_quick_page_says_what_was_not_read(lab: Path, tmp_path: Path) -> None:
    _, page, js = _diagnose(lab, "LAB-E1-OK1", tmp_path, "--quick")
    doc = FindingsDocument.model_validate_json(js.read_text(encoding="utf-8"))
    assert doc.run.quick and doc.run.skipped
    html_text = dump_dom(page, tmp_path / "profile")
    check_page(doc, html_text)
    unread = _section(parse(html_text), html_text, "unread")
    assert "not read on purpose" in unread and "Every source was read." not in unread


@pytest.mark.lab
def test_live_inconclusive_page_shows_what_could_not_be_read(lab: Path, tmp_path: Path) -> None:
    code, page, js = _diagnose(lab, "LAB-UNREACH-ALL", tmp_path)
    assert code == 12
    doc = FindingsDocument.model_validate_json(js.read_text(encoding="utf-8"))
    html_text = dump_dom(page, tmp_path / "profile")
    dom = check_page(doc, html_text)
    failed = [r for r in doc.collectors if not r.ok]
    assert len(failed) >= 3  # the NMS and both routers
    unread = _section(dom, html_text, "unread")
    for r in failed:
        assert r.name.split(":", 1)[1] in unread
    assert "Every source was read." not in dom.text and not _marks(dom)
    assert [a["data-status"] for t, a in dom.elements if a.get("id") == "status"] == [
        "inconclusive"
    ]


# --------------------------------------------------------------------------- recorded


def _hostile(capture: str) -> FindingsDocument:
    """A capture analysed again with inventory text an attacker could write: the customer, a
    site (the LAN's label) and a device's model (its label) carry markup."""
    cap = load_capture(CAPTURES / capture)
    c = cap.circuit
    c = c.model_copy(update={"customer": EVIL, "a": c.a.model_copy(update={"site": EVIL})})
    devices = dict(cap.devices)
    devices[c.a.cpe] = devices[c.a.cpe].model_copy(update={"model": EVIL})
    inv = Inventory(nms=cap.nms, devices=devices, circuits={c.id: c})
    return build_document(
        c,
        build_path(c, inv),
        Collected(observations=list(cap.observations), collectors=list(cap.collectors)),
        started=T0,
        ticket=cap.ticket,
        operator=EVIL,
        mode="replay",
        finished=T0 + timedelta(seconds=61),
    )


def test_hostile_inventory_text_is_inert_in_chromium(tmp_path: Path) -> None:
    doc = _hostile("LAB-E1-AIS2")
    page = tmp_path / "evil.html"
    page.write_text(render_ticket_page(doc, generated=T0), encoding="utf-8")
    html_text = dump_dom(page, tmp_path / "profile")
    dom = check_page(doc, html_text)
    assert dom.tags("script") == [] and not any(a.get("onerror") for a in dom.tags("img"))
    assert dom.tags("img") == []
    assert "pwned" not in parse(html_text.split("</title>")[0]).text  # no script ran
    # shown as text: the customer, the LAN's label and the CPE's label inside the drawing
    assert dom.text.count(EVIL) >= 4
    labels = [a for a in _svg_elements(dom) if a["data-id"] == doc.circuit.path[0].id]
    assert labels and EVIL in _section(dom, html_text, "path")
    png = tmp_path / "evil.png"
    screenshot(page, png, tmp_path / "profile")
    _not_blank(png)


def test_suspected_and_multiple_faults(tmp_path: Path) -> None:
    two = replay(CAPTURES / "LAB-MULTI-NESTAIS", "LAB-MULTI-NESTAIS")
    assert [f.number for f in two.verdict.faults] == [1, 2]
    dom = check_page(two, render_ticket_page(two, generated=T0))
    marks = {a["data-fault"]: (a["data-from"], a["data-to"]) for a in _marks(dom)}
    ids = [e.id for e in two.circuit.path]
    for f in two.verdict.faults:
        span = sorted((ids.index(f.segment.from_), ids.index(f.segment.to)))
        assert marks[str(f.number)] == (str(span[0]), str(span[1]))
    assert dom.index("div", "fault-1") < dom.index("div", "fault-2")

    sus = replay(CAPTURES / "LAB-SUB-NEXT", "LAB-SUB-NEXT")
    assert sus.verdict.status == "fault_suspected"
    page = tmp_path / "sus.html"
    page.write_text(render_ticket_page(sus, generated=T0), encoding="utf-8")
    dom = check_page(sus, dump_dom(page, tmp_path / "profile"))
    assert "Candidates, most specific first" in dom.text
    png = tmp_path / "sus.png"
    screenshot(page, png, tmp_path / "profile")
    assert _has_colour(png, ORANGE) > 300 and _has_colour(png, RED) == 0


def test_chinese_page(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cap = CAPTURES / "LAB-E1-AIS2"
    page, js = tmp_path / "zh.html", tmp_path / "zh.json"
    args = ["circuit", "LAB-E1-AIS2", "--replay", str(cap), "--html", str(page), "--json", str(js)]
    r = CliRunner().invoke(cli, ["--lang", "zh", *args])
    assert r.exit_code == 10, r.output
    doc = FindingsDocument.model_validate_json(js.read_text(encoding="utf-8"))
    assert doc.lang == "zh"
    html_text = dump_dom(page, tmp_path / "profile")
    assert '<html lang="zh-CN">' in html_text
    dom = check_page(doc, html_text)
    for label in ("诊断结论", "未能读取的内容", "故障 1", "首问责任", "下一步", "已检查的内容"):
        assert label in dom.text, label
    drawing = _section(dom, html_text, "path")  # roles and links in the terminal's words
    assert "ais2-rtr-a (路由器, cisco 2901)" in drawing and "光纤" in drawing
    assert not {m for lang, m in missed() if lang == "zh" and m in html_text}
    png = tmp_path / "zh.png"
    screenshot(page, png, tmp_path / "profile")
    _not_blank(png)

    # DIAG_LANG alone, and `diag render` of the Chinese document keeps Chinese labels
    monkeypatch.setenv("DIAG_LANG", "zh")
    env_page = tmp_path / "env.html"
    r = CliRunner().invoke(cli, [*args[:-4], "--html", str(env_page)])
    assert '<html lang="zh-CN">' in env_page.read_text(encoding="utf-8")
    monkeypatch.setenv("DIAG_LANG", "en")
    again = tmp_path / "again.html"
    r = CliRunner().invoke(cli, ["render", str(js), "--html", str(again)])
    assert r.exit_code == 0
    text = again.read_text(encoding="utf-8")
    assert '<html lang="zh-CN">' in text and "诊断结论" in text
    en = tmp_path / "en.html"
    CliRunner().invoke(cli, [*args[:-4], "--html", str(en)])
    assert '<html lang="en">' in en.read_text(encoding="utf-8")


def test_render_errors_and_output_files(tmp_path: Path) -> None:
    doc = replay(CAPTURES / "LAB-E1-OK1", "LAB-E1-OK1")
    js = tmp_path / "f.json"
    js.write_text(doc.to_json(), encoding="utf-8")
    out = tmp_path / "p.html"
    out.write_text("old page\n")
    out.chmod(0o640)
    r = CliRunner().invoke(cli, ["render", str(js), "--html", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["f.json", "p.html"]  # no temp left
    r = CliRunner().invoke(cli, ["render", str(js), "--html", "/dev/null"])
    assert r.exit_code == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)
    r = CliRunner().invoke(cli, ["render", str(js), "--html", "-"])
    assert r.exit_code == 0 and r.stdout.startswith("<!DOCTYPE html>")
    piped = CliRunner().invoke(cli, ["render", "-", "--html", "-"], input=js.read_text())
    assert piped.exit_code == 0 and piped.stdout == r.stdout.replace(
        re.search(r"<tr data-field=\"8\">.*?</tr>", r.stdout).group(0),  # type: ignore[union-attr]
        re.search(r"<tr data-field=\"8\">.*?</tr>", piped.stdout).group(0),  # type: ignore[union-attr]
    )  # the same page but for the time it was made
    r = CliRunner().invoke(cli, ["render", str(js), "--html", str(tmp_path)])
    assert r.exit_code == 2 and "is a directory" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema_version": "1.3"}')
    r = CliRunner().invoke(cli, ["render", str(bad), "--html", str(tmp_path / "x.html")])
    assert r.exit_code == 2 and "not a findings document" in r.stderr
    r = CliRunner().invoke(cli, ["render", str(tmp_path / "none.json"), "--html", "x.html"])
    assert r.exit_code == 2 and "cannot read" in r.stderr
    assert not (tmp_path / "x.html").exists()
    cap = str(CAPTURES / "LAB-E1-OK1")
    r = CliRunner().invoke(cli, ["circuit", "LAB-E1-OK1", "--replay", cap, "--html", "-"])
    assert r.exit_code == 2 and "give a file path" in r.output
    r = CliRunner().invoke(cli, ["circuit", "LAB-E1-OK1", "--replay", cap, "--html", "/dev/null"])
    assert r.exit_code == 0 and stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_interrupted_and_provisional_runs_say_so() -> None:
    doc = replay(CAPTURES / "LAB-E1-AIS1", "LAB-E1-AIS1")
    cut = doc.model_copy(
        update={"run": doc.run.model_copy(update={"interrupted": True, "provisional": True})}
    )
    html_text = render_ticket_page(cut, generated=T0)
    unread = _section(check_page(cut, html_text), html_text, "unread")
    assert "The diagnosis was interrupted: it holds what was read before." in unread
    assert "Provisional verdict: made before the CRC window closed" in unread
    assert "Every source was read." not in unread


def test_rendering_is_deterministic() -> None:
    doc = replay(CAPTURES / "LAB-ALM-TWO", "LAB-ALM-TWO")
    assert render_ticket_page(doc, generated=T0) == render_ticket_page(doc, generated=T0)
