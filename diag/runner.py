"""The runner: owns concurrency, runs a circuit's collectors, analyses, builds the document.

Collectors run concurrently on one asyncio loop, so a diagnosis takes about as long as its slowest
collector.  Each finished collector's results are kept in `Collected` at once, so Ctrl-C keeps
what was already read.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from diag import __version__
from diag.analyzers import analyze
from diag.errors import DiagError
from diag.model.findings import (
    CircuitOut,
    FindingsDocument,
    PathElementOut,
    PathLinkOut,
    RunOut,
    TicketOut,
)
from diag.model.inventory import Circuit, Inventory, Nms
from diag.model.observations import AlarmObservation, CollectorRun, NmsPollObservation, Observation
from diag.model.path import CircuitPath, build_path

if TYPE_CHECKING:
    from diag.collectors.snmp.client import SnmpClient

Progress = Callable[[str], None]


@dataclass
class Collected:
    observations: list[Observation] = field(default_factory=list)
    collectors: list[CollectorRun] = field(default_factory=list)
    pending: dict[str, tuple[str, list[str]]] = field(
        default_factory=dict
    )  # collector -> target, NEs


def nms_targets(inv: Inventory, path: CircuitPath) -> dict[str, dict[str, str]]:
    """NMS name -> {NE name in that NMS -> inventory device name} for the NEs on the path."""
    out: dict[str, dict[str, str]] = {}
    for el in path.elements:
        dev = inv.devices.get(el.id)
        if dev is not None and dev.nms and dev.ne_name:
            out.setdefault(dev.nms, {})[dev.ne_name] = dev.name
    return out


async def _nms_job(
    client: SnmpClient, nms: Nms, nes: dict[str, str], out: Collected, progress: Progress
) -> None:
    from diag.collectors.nms import driver_for

    name = f"nms:{nms.name}"
    started = datetime.now(UTC)
    t0 = time.monotonic()
    progress(f"{name}: reading active alarms of {', '.join(sorted(nes))}")
    error: str | None = None
    alarms: list[AlarmObservation] = []
    try:
        alarms = await driver_for(nms).collect(client, nms, set(nes))
    except DiagError as exc:
        error = str(exc)
    except OSError as exc:
        error = f"{type(exc).__name__}: {exc}"
    duration = time.monotonic() - t0
    alarms = [a.model_copy(update={"device": nes.get(a.ne)}) for a in alarms]
    out.observations.extend(alarms)
    out.observations.append(
        NmsPollObservation(
            id=f"nms-poll-{nms.name}",
            collector=name,
            at=datetime.now(UTC),
            nms=nms.name,
            ok=error is None,
            nes=sorted(nes),
            active_alarms=len(alarms),
            error=error,
        )
    )
    out.collectors.append(
        CollectorRun(
            name=name,
            target=f"{nms.address}:{nms.port}",
            ok=error is None,
            error=error,
            started=started,
            duration_s=round(duration, 3),
        )
    )
    out.pending.pop(name, None)
    progress(
        f"{name}: {'ok' if error is None else 'FAILED'}, {len(alarms)} alarm(s), {duration:.2f} s"
    )


async def collect(
    inv: Inventory, path: CircuitPath, out: Collected, progress: Progress = lambda _: None
) -> None:
    from diag.collectors.snmp.client import SnmpClient

    async with SnmpClient() as client:
        jobs = []
        for nms_name, nes in sorted(nms_targets(inv, path).items()):
            nms = inv.nms[nms_name]
            out.pending[f"nms:{nms_name}"] = (f"{nms.address}:{nms.port}", sorted(nes))
            jobs.append(_nms_job(client, nms, nes, out, progress))
        await asyncio.gather(*jobs)


def mark_interrupted(out: Collected) -> None:
    """Ctrl-C: what had not finished is recorded as not read, so the analysis says so."""
    now = datetime.now(UTC)
    for name, (target, nes) in list(out.pending.items()):
        msg = "interrupted (Ctrl-C) before it answered"
        out.collectors.append(
            CollectorRun(name=name, target=target, ok=False, error=msg, started=now, duration_s=0.0)
        )
        if name.startswith("nms:"):
            out.observations.append(
                NmsPollObservation(
                    id=f"nms-poll-{name[4:]}",
                    collector=name,
                    at=now,
                    nms=name[4:],
                    ok=False,
                    nes=nes,
                    error=msg,
                )
            )
    out.pending.clear()


def operator_name(explicit: str | None = None) -> str:
    if explicit:
        return explicit
    try:
        return os.environ.get("DIAG_OPERATOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def circuit_out(c: Circuit, path: CircuitPath) -> CircuitOut:
    return CircuitOut(
        id=c.id,
        customer=c.customer,
        service=c.service,
        bandwidth=c.bandwidth,
        a_site=c.a.site,
        b_site=c.b.site,
        path=[
            PathElementOut(id=e.id, kind=e.kind, label=e.label, end=e.end, owner=e.owner)
            for e in path.elements
        ],
        links=[
            PathLinkOut.model_validate(
                {"id": lk.id, "kind": lk.kind, "from": lk.from_, "to": lk.to, "label": lk.label}
            )
            for lk in path.links
        ],
    )


def build_document(
    c: Circuit,
    path: CircuitPath,
    collected: Collected,
    *,
    started: datetime,
    ticket: TicketOut | None,
    operator: str,
    interrupted: bool = False,
    mode: str = "live",
) -> FindingsDocument:
    findings, verdict = analyze(path, collected.observations)
    if interrupted and verdict.status == "healthy":
        verdict = verdict.model_copy(
            update={
                "status": "inconclusive",
                "summary": "Inconclusive: the run was interrupted (Ctrl-C) before every collector answered.",
            }
        )
    return FindingsDocument(
        circuit=circuit_out(c, path),
        ticket=ticket,
        run=RunOut(
            started=started,
            finished=datetime.now(UTC),
            tool_version=__version__,
            host=socket.gethostname(),
            operator=operator,
            mode=mode,
            interrupted=interrupted,
        ),
        collectors=sorted(collected.collectors, key=lambda r: r.name),
        observations=collected.observations,
        findings=findings,
        verdict=verdict,
    )


def diagnose(
    inv: Inventory,
    circuit_id: str,
    *,
    ticket: TicketOut | None = None,
    operator: str | None = None,
    progress: Progress = lambda _: None,
) -> FindingsDocument:
    """Collect, analyse and build the findings document for one circuit.

    On Ctrl-C the document is still built from what was collected and returned with
    run.interrupted set; the caller decides the exit code.
    """
    c = inv.circuits[circuit_id]
    path = build_path(c, inv)
    started = datetime.now(UTC)
    collected = Collected()
    interrupted = False
    try:
        asyncio.run(collect(inv, path, collected, progress))
    except KeyboardInterrupt:
        interrupted = True
        mark_interrupted(collected)
    return build_document(
        c,
        path,
        collected,
        started=started,
        ticket=ticket,
        operator=operator_name(operator),
        interrupted=interrupted,
    )
