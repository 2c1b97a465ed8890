"""diag report: both reports rendered from a real SQLite history store, opened in real headless
Chromium (screenshot not blank, DOM as described), and their CSV read back with pandas."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from click.testing import CliRunner

from diag.history import HistoryStore, open_store
from diag.model.findings import FindingsDocument
from diag.report.cli import report_cmd
from diag.sweep.model import Incident
from tests.report.browser import dump_dom, parse, screenshot
from tests.report.history import T0, replayed, rerun, ring, ring_cut, sweep_of

if TYPE_CHECKING:
    from numpy.typing import NDArray

EVIL = '<script>document.title="pwned"</script><img src=x onerror=alert(1)> 中国工商银行上海分行'
# A circuit's history, oldest first: clean, CRC errors and loss growing, the line cut, mended.
TIMELINE = [
    (0.0, 0.0, 0.0),
    (0.0, 0.0, 1.0),
    (5.0, 2.0, 3.0),
    (35.0, 300.0, 8.0),
    (35.0, 420.0, 12.0),
    (100.0, None, 0.0),
    (0.0, 0.0, 0.0),
    (0.0, 0.0, 2.0),
]


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'history.sqlite'}"


def _record_sweep(
    store: HistoryStore,
    sweep_id: str,
    at_min: int,
    docs: list[FindingsDocument],
    *,
    incidents: Sequence[Incident] = (),
    failed: Sequence[tuple[str, str]] = (),
    failures: Sequence[str] = (),
) -> None:
    for d in docs:
        store.record(d, sweep_id=sweep_id, region="east")
    when = T0 + timedelta(minutes=at_min)
    sweep = sweep_of(sweep_id, when, docs, incidents=incidents, failed=failed, failures=failures)
    store.record_sweep(sweep)


@pytest.fixture
def sweeps(tmp_path: Path) -> tuple[str, list[FindingsDocument]]:
    """Two sweeps in a real SQLite store. The latest: a fibre cut on a shared ring and its
    incidents as diag.sweep.incidents groups them (tests/sweep_incidents' ring network, a
    Chinese customer among them), recorded captures beside, a circuit that failed, and an
    inventory customer name with markup in it."""
    from diag.sweep.incidents import group_incidents

    old = [replayed(c, T0) for c in ("LAB-E1-OK1", "LAB-TEST-OK")]
    t = T0 + timedelta(hours=1)
    docs = [
        *ring_cut(),
        rerun("LAB-HC1-MALL", t, loss=35.0, crc=300.0, customer=EVIL),
        replayed("LAB-TEST-PING", t),
        replayed("LAB-UNREACH-ALL", t),
        replayed("LAB-TEST-OK", t),
    ]
    incidents = group_incidents(ring(), docs, sweep_id="SW-NEW")
    with open_store(_url(tmp_path)) as store:
        _record_sweep(store, "SW-OLD", 0, old)
        _record_sweep(
            store,
            "SW-NEW",
            60,
            docs,
            incidents=incidents,
            failed=[("LAB-V35-1", "router v35-rtr-a: SSH connect timed out")],
            failures=["NMS u2000-west: resync refused (partial snapshot)"],
        )
    return _url(tmp_path), docs


def _pixels(png: Path) -> NDArray[Any]:
    from matplotlib.image import imread

    return imread(str(png))


def _not_blank(png: Path) -> None:
    img = _pixels(png)
    rgb = img[:, :, :3]
    assert float(rgb.std()) > 0.05, "the screenshot is blank"
    non_white = (rgb.min(axis=2) < 0.9).mean()
    assert non_white > 0.01, f"only {non_white:.2%} of the screenshot is drawn"


def _has_colour(png: Path, hex_colour: str, tolerance: float = 0.04) -> int:
    import numpy as np

    want = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    rgb = _pixels(png)[:, :, :3]
    return int((np.abs(rgb - want).max(axis=2) < tolerance).sum())


WORST_FIRST = ["fault_localized", "fault_suspected", "failed", "inconclusive", "not_run", "healthy"]
CSV_COLUMNS = [
    "circuit",
    "customer",
    "status",
    "segment",
    "owner",
    "summary",
    "duration_s",
    "error",
]


def test_sweep_report_in_chromium(
    tmp_path: Path, sweeps: tuple[str, list[FindingsDocument]]
) -> None:
    url, docs = sweeps
    with open_store(url) as store:
        sweep = store.latest_sweep()
    assert sweep is not None and sweep.id == "SW-NEW"
    ring_cut = sweep.incidents[0]
    assert [c.circuit for c in ring_cut.circuits] == ["RING-1", "RING-2", "RING-3"]

    out, csv = tmp_path / "sweep.html", tmp_path / "sweep.csv"
    r = CliRunner().invoke(report_cmd, ["--history", url, "-o", str(out), "--csv", str(csv)])
    assert r.exit_code == 0, r.output
    n = len(docs) + 1
    assert f"sweep SW-NEW: {n} circuits, {len(sweep.incidents)} incidents" in r.output

    html = out.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html and "<script" not in html.lower()
    dom = parse(dump_dom(out, tmp_path / "profile"))
    # The incidents first (each with its span, owner, circuits and customers), then the table.
    status_table = dom.index("table", "status-table")
    assert dom.index("section", "incidents") < status_table
    for inc in sweep.incidents:
        assert dom.index("div", inc.id) < status_table
    text = dom.text
    head = text[text.index(ring_cut.id) : text.index("Circuits (")]
    assert "span r1-sdh-c..r1-sdh-d" in head and "owner carrier" in head
    assert "上海浦东发展银行 张江支行" in head and 'Harbour "East" Logistics \\ Depot' in head
    # Every circuit of the latest sweep, worst first; none of the older sweep's alone.
    for cid in [d.circuit.id for d in docs] + ["LAB-V35-1"]:
        assert cid in text, cid
    assert "LAB-E1-OK1" not in text
    rows = text[text.index("worst first") :]
    order = ["LAB-HC1-MALL", "RING-1", "LAB-TEST-PING", "LAB-V35-1", "RING-4", "LAB-TEST-OK"]
    assert sorted(order, key=rows.index) == order  # localized, suspected, failed, inconc., healthy
    assert "u2000-east" in text and "resync refused" in text and "SSH connect timed out" in text
    svgs = [a for a in dom.tags("img") if (a.get("src") or "").startswith("data:image/svg+xml;")]
    assert len(svgs) == 1  # circuits per status
    # The customer's markup stays text; Chinese stays Chinese.
    assert dom.tags("script") == [] and not any(a.get("onerror") for a in dom.tags("img"))
    assert EVIL in text
    assert "&lt;script&gt;" in html and '<meta charset="utf-8">' in html

    png = tmp_path / "sweep.png"
    screenshot(out, png, tmp_path / "profile")
    _not_blank(png)
    assert _has_colour(png, "#c62828") > 50  # the fault-localized badges and bar are drawn

    import pandas as pd

    table = pd.read_csv(csv)
    assert list(table.columns) == CSV_COLUMNS and len(table) == n
    assert table["status"].tolist() == sorted(table["status"], key=WORST_FIRST.index)
    by_id = table.set_index("circuit")
    assert by_id.loc["LAB-HC1-MALL", "customer"] == EVIL
    assert by_id.loc["RING-2", "customer"] == "上海浦东发展银行 张江支行"
    assert by_id.loc["RING-1", "segment"] == "r1-sdh-c..r1-sdh-d"
    assert by_id.loc["LAB-V35-1", "error"] == "router v35-rtr-a: SSH connect timed out"


def test_sweep_report_by_id(tmp_path: Path, sweeps: tuple[str, list[FindingsDocument]]) -> None:
    url, _ = sweeps
    out = tmp_path / "old.html"
    r = CliRunner().invoke(report_cmd, ["--sweep", "SW-OLD", "--history", url, "-o", str(out)])
    assert r.exit_code == 0, r.output
    text = parse(out.read_text(encoding="utf-8")).text
    assert "LAB-E1-OK1" in text and "LAB-HC1-MALL" not in text and "No incident" in text


@pytest.fixture
def timeline(tmp_path: Path) -> tuple[str, list[FindingsDocument]]:
    docs = [
        rerun(
            "LAB-HC1-MALL",
            T0 + timedelta(minutes=15 * i),
            loss=loss,
            crc=crc,
            rtt_add=add,
            customer=EVIL,
        )
        for i, (loss, crc, add) in enumerate(TIMELINE)
    ]
    with open_store(_url(tmp_path)) as store:
        for i, d in enumerate(docs):
            store.record(d, sweep_id=f"SW-{i}", region="east")
        store.record(replayed("LAB-TEST-OK", T0))  # another circuit: not in the report
    return _url(tmp_path), docs


def test_circuit_report_in_chromium(
    tmp_path: Path, timeline: tuple[str, list[FindingsDocument]]
) -> None:
    url, docs = timeline
    statuses = [d.verdict.status for d in docs]
    assert {"healthy", "fault_localized", "fault_suspected"} <= set(statuses)  # the real analyzer's
    out, csv = tmp_path / "circuit.html", tmp_path / "circuit.csv"
    args = ["--circuit", "LAB-HC1-MALL", "--history", url, "-o", str(out), "--csv", str(csv)]
    r = CliRunner().invoke(report_cmd, args)
    assert r.exit_code == 0, r.output

    dom = parse(dump_dom(out, tmp_path / "profile"))
    for fig in ("smokeping", "crc", "verdicts"):
        i = dom.index("figure", fig)
        tag, attrs = dom.elements[i + 1]
        assert tag == "img" and (attrs.get("src") or "").startswith("data:image/svg+xml;base64,")
    assert dom.index("section", "plots") < dom.index("table", "diagnoses-table")
    assert "LAB-TEST-OK" not in dom.text and EVIL in dom.text and dom.tags("script") == []
    assert len(dom.tags("tr")) >= len(docs) + 1

    png = tmp_path / "circuit.png"
    screenshot(out, png, tmp_path / "profile")
    _not_blank(png)
    # Colours only the plots draw: the ≤ 50 % loss points and strip, the fault-suspected band.
    assert _has_colour(png, "#d81b60") > 20, "the SmokePing plot is not drawn"
    assert _has_colour(png, "#ef6c00") > 200, "the verdict timeline is not drawn"

    import pandas as pd

    table = pd.read_csv(csv)
    with open_store(url) as store:
        rows = store.timeline("LAB-HC1-MALL")
    assert table["status"].tolist() == [x.status for x in rows] == statuses
    assert table["loss_pct"].tolist() == pytest.approx([x.loss_pct for x in rows])
    assert table["loss_pct"].tolist() == pytest.approx([t[0] for t in TIMELINE])
    crc = [x.crc_per_min for x in rows]
    assert table["crc_per_min"].fillna(-1).tolist() == pytest.approx(
        [-1 if v is None else v for v in crc]
    )
    assert max(c for c in crc if c is not None) == pytest.approx(420, rel=0.02)
    assert table["rtt_ms"].isna().tolist() == [x.rtt_ms is None for x in rows]
    assert pd.to_datetime(table["time"]).tolist() == [x.started for x in rows]


def test_smoke_is_the_rows_own_test(
    tmp_path: Path, timeline: tuple[str, list[FindingsDocument]]
) -> None:
    """The smoke around each RTT point is the spread of the very test the row's RTT comes from."""
    from diag.report.points import e2e_ping, to_points

    url, docs = timeline
    with open_store(url) as store:
        rows = store.timeline("LAB-HC1-MALL")
        points = to_points(rows, store.documents(circuit="LAB-HC1-MALL"))
    for row, p, doc in zip(rows, points, docs, strict=True):
        ping = e2e_ping(doc)
        assert ping is not None and ping.loss_pct == row.loss_pct
        assert (
            ping.rtt_median_ms if ping.rtt_median_ms is not None else ping.rtt_mean_ms
        ) == row.rtt_ms
        if row.rtt_ms is not None:
            assert p.rtt_min_ms is not None and p.rtt_max_ms is not None
            assert p.rtt_min_ms <= row.rtt_ms <= p.rtt_max_ms
            assert len(p.probes_ms) == ping.received
        else:
            assert p.probes_ms == ()


def test_every_capture_smoke_matches_its_row(tmp_path: Path) -> None:
    docs = [
        replayed(c.name, T0)
        for c in sorted(
            Path(__file__).resolve().parents[2].joinpath("fixtures", "captures").iterdir()
        )
    ]
    with open_store(_url(tmp_path)) as store:
        for d in docs:
            store.record(d)
        from diag.report.points import e2e_ping

        for d in docs:
            (row,) = store.timeline(d.circuit.id)
            ping = e2e_ping(d)
            loss = None if ping is None else ping.loss_pct
            assert loss == row.loss_pct or (ping is None and d.customer_summary is not None), (
                d.circuit.id
            )


def test_errors(tmp_path: Path, timeline: tuple[str, list[FindingsDocument]]) -> None:
    url, _ = timeline
    out = str(tmp_path / "r.html")
    r = CliRunner().invoke(report_cmd, ["--history", url, "-o", out])
    assert r.exit_code == 2 and "no sweep; it holds no sweep yet" in r.output
    r = CliRunner().invoke(report_cmd, ["--history", url, "--sweep", "SW-X", "-o", out])
    assert r.exit_code == 2 and "no sweep SW-X" in r.output
    r = CliRunner().invoke(report_cmd, ["--history", url, "--circuit", "LAB-HC1-MAL", "-o", out])
    assert r.exit_code == 2 and "did you mean LAB-HC1-MALL?" in r.output
    r = CliRunner().invoke(
        report_cmd, ["--history", url, "--circuit", "A", "--sweep", "B", "-o", out]
    )
    assert r.exit_code == 2 and "not both" in r.output
    r = CliRunner().invoke(
        report_cmd, ["--history", url, "--circuit", "LAB-HC1-MALL", "-o", str(tmp_path)]
    )
    assert r.exit_code == 2 and "is a directory" in r.output
    r = CliRunner().invoke(report_cmd, ["--history", "nonsense://", "-o", out])
    assert r.exit_code == 2 and "--history" in r.output
    assert not Path(out).exists()


def test_report_writes_atomically_and_through_device_nodes(
    tmp_path: Path, timeline: tuple[str, list[FindingsDocument]]
) -> None:
    url, _ = timeline
    out = tmp_path / "r.html"
    out.write_text("old report\n")
    out.chmod(0o640)
    args = ["--history", url, "--circuit", "LAB-HC1-MALL"]
    r = CliRunner().invoke(report_cmd, [*args, "-o", str(out), "--csv", "/dev/null"])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert out.stat().st_mode & 0o777 == 0o640
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".r.html")) == []
    r = CliRunner().invoke(report_cmd, [*args, "-o", "-"])
    assert r.exit_code == 0 and r.output.startswith("<!DOCTYPE html>")


def test_rendering_is_deterministic(timeline: tuple[str, list[FindingsDocument]]) -> None:
    from diag.report import render_circuit_report

    url, docs = timeline
    with open_store(url) as store:
        rows = store.timeline("LAB-HC1-MALL")
    one = render_circuit_report("LAB-HC1-MALL", rows, docs, generated=T0)
    assert one == render_circuit_report("LAB-HC1-MALL", rows, docs, generated=T0)


def test_report_module_imports_nothing_heavy() -> None:
    code = (
        "import sys; from diag.report.cli import report_cmd\n"
        "heavy = ('pandas', 'matplotlib', 'sqlalchemy', 'alembic', 'pydantic', 'numpy')\n"
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_csv_to_stdout(tmp_path: Path, timeline: tuple[str, list[FindingsDocument]]) -> None:
    import pandas as pd

    url, _ = timeline
    html = tmp_path / "r.html"
    args = ["--history", url, "--circuit", "LAB-HC1-MALL", "-o", str(html), "--csv", "-"]
    r = CliRunner().invoke(report_cmd, args)
    assert r.exit_code == 0, r.output
    assert r.stderr == f"circuit LAB-HC1-MALL: {len(TIMELINE)} diagnoses; wrote {html}\n"
    table = pd.read_csv(io.StringIO(r.stdout))
    assert len(table) == len(TIMELINE) and table["sweep"].tolist()[0] == "SW-0"
