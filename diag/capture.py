"""Record a diagnosis's raw material, and replay the analysis from it offline.

A capture folder holds `capture.json` (the circuit and its devices/NMSs as the inventory had them
— references only, never secrets —, the settings, every collector run and every observation with
its raw evidence and timestamp) and `raw/<collector>/<n>-<command>.txt`, the CLI text as read, for
people.  `diag circuit ID --replay DIR` re-runs the analysis on it with no network: a field
engineer's capture sent to the NOC is re-analysed this way, and captures become test fixtures.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from diag.analyzers.thresholds import Thresholds
from diag.errors import DiagError
from diag.i18n import tr
from diag.model.findings import FindingsDocument, TicketOut
from diag.model.inventory import Circuit, Device, Inventory, Nms
from diag.model.observations import CollectorRun, Observation
from diag.model.path import build_path
from diag.output.files import write_atomic
from diag.settings import CollectorSettings

CAPTURE_VERSION: Literal["1"] = "1"


class CaptureError(DiagError):
    exit_code = 3


class Capture(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capture_version: Literal["1"] = CAPTURE_VERSION
    tool_version: str
    circuit: Circuit
    devices: dict[str, Device]
    nms: dict[str, Nms]
    settings: CollectorSettings
    ticket: TicketOut | None = None
    operator: str
    started: datetime
    finished: datetime
    interrupted: bool = False
    collectors: list[CollectorRun]
    observations: list[Observation]
    raw: dict[str, dict[str, str]] = Field(
        default_factory=dict, description="collector -> command -> output, as read"
    )


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_")[:60] or "output"


def write_capture(
    folder: Path,
    inv: Inventory,
    doc: FindingsDocument,
    settings: CollectorSettings,
    raw: dict[str, dict[str, str]],
) -> None:
    c = inv.circuits[doc.circuit.id]
    path = build_path(c, inv)
    devices = {e.id: inv.devices[e.id] for e in path.elements if e.id in inv.devices}
    nms = {d.nms: inv.nms[d.nms] for d in devices.values() if d.nms}
    cap = Capture(
        tool_version=doc.run.tool_version,
        circuit=c,
        devices=devices,
        nms=nms,
        settings=settings,
        ticket=doc.ticket,
        operator=doc.run.operator,
        started=doc.run.started,
        finished=doc.run.finished,
        interrupted=doc.run.interrupted,
        collectors=doc.collectors,
        observations=doc.observations,
        raw=raw,
    )
    folder.mkdir(parents=True, exist_ok=True)
    for job, outputs in raw.items():
        for n, (command, text) in enumerate(outputs.items(), 1):
            write_atomic(folder / "raw" / _slug(job) / f"{n:02d}-{_slug(command)}.txt", text)
    write_atomic(folder / "capture.json", cap.model_dump_json(indent=2, by_alias=True) + "\n")


def load_capture(folder: Path) -> Capture:
    f = folder / "capture.json"
    if not f.is_file():
        raise CaptureError(
            tr(
                "{folder}: not a capture folder (no capture.json); record one with "
                "`diag circuit ID --record DIR`",
                folder=folder,
            )
        )
    try:
        return Capture.model_validate_json(f.read_text(encoding="utf-8"))
    except ValidationError as exc:
        first = exc.errors()[0]
        raise CaptureError(
            tr(
                "{file}: not a valid capture (version {version} expected): field '{field}': "
                "{error}",
                file=f,
                version=CAPTURE_VERSION,
                field=".".join(str(x) for x in first["loc"]),
                error=first["msg"],
            )
        ) from exc


def replay(
    folder: Path, circuit_id: str | None = None, thresholds: Thresholds | None = None
) -> FindingsDocument:
    """The analysis of a recorded diagnosis, with no network."""
    cap = load_capture(folder)
    if circuit_id is not None and circuit_id != cap.circuit.id:
        raise CaptureError(
            tr(
                "{folder} holds circuit {held}, not {id}",
                folder=folder,
                held=cap.circuit.id,
                id=circuit_id,
            )
        )
    return analyse_capture(cap, thresholds)


def analyse_capture(cap: Capture, thresholds: Thresholds | None = None) -> FindingsDocument:
    """The analysis of a loaded capture (one replayed as recorded, or with readings edited)."""
    from diag.runner import Collected, build_document

    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    path = build_path(cap.circuit, inv)
    collected = Collected(observations=list(cap.observations), collectors=list(cap.collectors))
    return build_document(
        cap.circuit,
        path,
        collected,
        started=cap.started,
        ticket=cap.ticket,
        operator=cap.operator,
        interrupted=cap.interrupted,
        mode="replay",
        finished=cap.finished,
        thresholds=thresholds,
    )
