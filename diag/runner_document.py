"""The findings document of what was collected: observations renumbered, the analysis, the
circuit, the run.
"""

from __future__ import annotations

import getpass
import os
import socket
from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from diag import __version__, i18n
from diag.analyzers.engine import analyze_full
from diag.analyzers.thresholds import Thresholds
from diag.first_verdict import crc_unmeasured
from diag.model.findings import (
    CircuitOut,
    FindingsDocument,
    PathElementOut,
    PathLinkOut,
    RunOut,
    SkippedReading,
    TicketOut,
)
from diag.model.inventory import Circuit
from diag.model.observations import Observation
from diag.model.path import CircuitPath
from diag.runner_collect import Collected, now


def renumber(observations: list[Observation]) -> list[Observation]:
    """Stable ids in a stable order (collector, then as read), so findings can cite them."""
    ordered = sorted(enumerate(observations), key=lambda io: (io[1].collector, io[0]))
    counts: dict[str, int] = {}
    out: list[Observation] = []
    for _, o in ordered:
        prefix = o.kind.replace("_", "-")
        counts[prefix] = counts.get(prefix, 0) + 1
        out.append(o.model_copy(update={"id": f"{prefix}-{counts[prefix]}"}))
    return out


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
    mode: Literal["live", "replay"] = "live",
    finished: datetime | None = None,
    thresholds: Thresholds | None = None,
    interrupted_by: str | None = None,
    provisional: bool = False,
    quick: bool | None = None,
    skipped: Sequence[SkippedReading] | None = None,
) -> FindingsDocument:
    """The findings document of what was collected.  `provisional`: CRC growth not measured
    yet (the first verdict, or interrupted in the CRC window); `skipped`: readings not taken on
    purpose (`quick`: the CRC growth); both default to what `collected` says."""
    from diag.analyzers.summary import customer_summary

    observations = renumber(collected.observations)
    a = analyze_full(path, observations, thresholds)
    findings, verdict = a.findings, a.verdict
    if interrupted and verdict.status == "healthy":
        verdict = verdict.model_copy(
            update={
                "status": "inconclusive",
                "summary": i18n.tr(
                    "Inconclusive: the run was interrupted ({by}) before every collector answered.",
                    by=interrupted_by or "Ctrl-C",
                ),
            }
        )
    skipped = collected.skipped if skipped is None else skipped
    quick = collected.quick if quick is None else quick
    verdict = crc_unmeasured(verdict, provisional=provisional, skipped=skipped)
    return FindingsDocument(
        lang=i18n.lang(),
        circuit=circuit_out(c, path),
        ticket=ticket,
        run=RunOut(
            started=started,
            finished=finished or now(),
            tool_version=__version__,
            host=socket.gethostname(),
            operator=operator,
            mode=mode,
            interrupted=interrupted,
            quick=quick,
            provisional=provisional,
            skipped=list(skipped),
        ),
        collectors=sorted(collected.collectors, key=lambda r: r.name),
        observations=observations,
        findings=findings,
        verdict=verdict,
        context=a.context,
        inventory_notes=a.inventory_notes,
        customer_summary=customer_summary(path, observations, verdict),
    )
