"""The fault-injection matrix (issue 9): every collector against every fault, through the real
CLI.  See cells.py for what a cell demands and harness.py for how the cells run."""

from __future__ import annotations

import re
from typing import Any

import jsonschema
import pytest

from tests.faults.cells import CELLS, Cell
from tests.faults.harness import Result, netns_available

pytestmark = pytest.mark.lab

# What may appear on stderr: diag's own warnings and hints, nothing from a library.
LIBRARY_NOISE = re.compile(
    r"Traceback|^\s+File \"|Exception|exception|never retrieved|never awaited|Warning:|"
    r"^(ERROR|WARNING|INFO|DEBUG):|Error reading SSH|^\w+Error\b",
    re.MULTILINE,
)
NETNS = netns_available()


def _param(cell: Cell) -> Any:
    marks = []
    if cell.owner:
        marks.append(pytest.mark.xfail(strict=True, reason=cell.owner))
    if cell.netns and NETNS:
        marks.append(pytest.mark.skip(reason=f"no private network namespace here: {NETNS}"))
    return pytest.param(cell.id, marks=marks, id=cell.id)


def about(doc: dict[str, Any], job: str) -> str:
    """What the document says about one collector, in words: its run's error, and its
    observations' errors, notes and read quality (a console's probes and a ping's replies as
    counts).  Names and paths are left out: a console called fx-con-garbage names no fault."""
    said = [c.get("error") or "" for c in doc["collectors"] if c["name"] == job]
    for o in doc["observations"]:
        if o.get("collector") != job:
            continue
        said += [str(o[k]) for k in ("error", "quality_note", "note", "completeness") if o.get(k)]
        if o.get("quality") not in (None, "ok"):
            said.append(f"{o['kind']} read {o['quality']}")
        if o.get("partial"):
            said.append(f"{o['kind']} partial")
        if o["kind"] == "ping":
            said.append(
                f"ping {o['target']}: {o['received']} of {o['sent']} replies, "
                f"{o['loss_pct']:g} % loss, {o['unreachables']} unreachable"
                if o["unreachables"]
                else f"ping {o['target']}: {o['received']} of {o['sent']} replies, "
                f"{o['loss_pct']:g} % loss"
            )
        if o["kind"] == "console":
            said.append(
                f"console: {o['answered']} of {o['probes']} prompts answered, {o['garbled']} "
                f"garbled, {o['dropped_sessions']} session(s) dropped"
            )
    return "\n".join(s for s in said if s)


# The first cell's set-up runs the whole matrix (harness.run_cells): about 100 s on 2 cores.
@pytest.mark.timeout(600)
@pytest.mark.parametrize("cell_id", [_param(c) for c in CELLS.values()])
def test_cell(
    cell_id: str, fault_results: dict[str, Result], findings_schema: dict[str, object]
) -> None:
    r = fault_results[cell_id]
    cell = r.cell
    where = (
        f"{cell.id}: {' '.join(r.argv)}\nstdout:\n{r.stdout[-3000:]}\nstderr:\n{r.stderr[-3000:]}"
    )
    assert r.returncode is not None, f"never finished within {cell.bound_s:g} s\n{where}"
    assert r.document is not None, f"no findings document (exit {r.returncode})\n{where}"
    noise = LIBRARY_NOISE.search(r.stderr)
    assert noise is None, f"library output on stderr ({noise.group(0)!r})\n{where}"
    assert r.document["verdict"]["status"] != "healthy", where
    runs = [c for c in r.document["collectors"] if c["name"] == cell.job]
    assert runs, f"no run of {cell.job}\n{where}"
    text = about(r.document, cell.job)
    assert re.search(cell.expect, text, re.IGNORECASE), (
        f"the fault is not named (wanted /{cell.expect}/) in:\n{text[:3000]}\n{where}"
    )
    jsonschema.validate(r.document, findings_schema)
