"""Observation makers shared by the analyzer tests (test_substitution.py, test_test_rules.py,
test_hard_cases.py), imported as a plain module like tests/lab/router_helpers.py."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from diag.analyzers import analyze
from diag.model.findings import Finding
from diag.model.observations import (
    AnswerObservation,
    CrcGrowthObservation,
    NmsPollObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath

NOW = datetime(2026, 11, 22, 8, 0, tzinfo=UTC)


def ping(
    origin: str,
    target: str,
    loss: float = 0.0,
    rtt: float | None = 9.0,
    *,
    kind: str = "router",
    n: int = 1,
) -> PingObservation:
    sent = 100
    return PingObservation(
        id=f"ping-{n}",
        collector=f"router:{origin}" if kind == "router" else "ping:host",
        at=NOW,
        origin=origin if kind == "router" else f"host:{origin}",
        origin_kind="router" if kind == "router" else "host",
        target=target,
        engine="router-cli" if kind == "router" else "fping",
        count=sent,
        size=100,
        sent=sent,
        received=round(sent * (100 - loss) / 100),
        loss_pct=loss,
        rtt_mean_ms=rtt if loss < 100 else None,
    )


def crc(device: str, interface: str, per_min: float, n: int = 1) -> CrcGrowthObservation:
    return CrcGrowthObservation(
        id=f"crc-growth-{n}",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        interface=interface,
        counter_source="cli:show interfaces",
        first=100,
        second=100 + int(per_min),
        interval_s=60,
        delta=int(per_min),
        per_min=per_min,
    )


def answers(**kv: str) -> list[Observation]:
    return [
        AnswerObservation(
            id=f"answer-{i}",
            collector="answers:file",
            at=NOW,
            key=k.replace("__", "."),
            value=v,
            source="file",
        )
        for i, (k, v) in enumerate(sorted(kv.items()), 1)
    ]


def poll(path: CircuitPath | None = None) -> NmsPollObservation:
    """The NMS read completely for the path's managed NEs."""
    nes = [e.ne_name for e in path.elements if e.ne_name] if path else ["X"]
    return NmsPollObservation(
        id="nms-poll", collector="nms:nms-lab", at=NOW, nms="nms-lab", ok=True, nes=nes
    )


def of(findings: list[Finding], rule: str, kind: str | None = None) -> list[Finding]:
    return [f for f in findings if f.rule == rule and (kind is None or f.kind == kind)]


def run(path: CircuitPath, obs: Sequence[Observation]) -> list[Finding]:
    return analyze(path, [*obs, poll(path)])[0]
