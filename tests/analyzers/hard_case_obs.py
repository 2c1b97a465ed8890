"""Short observations for the section 4 hard-case tests (CRC growth, pings, CPU, console, CPU log,
answers) and what a run found; the `path_of` fixture is in conftest.py.
"""

from __future__ import annotations

from diag.analyzers import analyze
from diag.analyzers.answers import observations as answers
from diag.model.findings import Finding, Verdict
from diag.model.observations import (
    ConsoleObservation,
    CpuObservation,
    CrcGrowthObservation,
    LogEvent,
    LogObservation,
    Observation,
    PingObservation,
)
from diag.model.path import CircuitPath
from tests.analyzers.analyzer_helpers import NOW, poll

# --------------------------------------------------------------------------- observation makers


def crc(device: str, interface: str, per_min: float, n: int = 1) -> CrcGrowthObservation:
    delta = int(per_min / 2)
    return CrcGrowthObservation(
        id=f"crc-growth-{n}",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        interface=interface,
        counter_source="cli:show interfaces",
        first=1000,
        second=1000 + delta,
        interval_s=30.0,
        delta=delta,
        per_min=per_min,
    )


def ping(origin: str, target: str, loss: float, n: int = 1) -> PingObservation:
    sent = 20
    received = round(sent * (100 - loss) / 100)
    return PingObservation(
        id=f"ping-{n}",
        collector=f"router:{origin}",
        at=NOW,
        origin=origin,
        origin_kind="router",
        target=target,
        engine="router-cli",
        count=sent,
        size=100,
        sent=sent,
        received=received,
        loss_pct=100.0 * (sent - received) / sent,
    )


def cpu(
    device: str, now: float | None = None, history: list[int] | None = None, n: int = 1
) -> CpuObservation:
    return CpuObservation(
        id=f"cpu-{n}",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        source="cli:show processes cpu history" if history else "cli:show processes cpu",
        five_sec=now,
        one_min=now,
        five_min=now,
        peak_72h=float(max(history)) if history else None,
        history_72h=history or [],
    )


def console(device: str, answered: int, probes: int = 5, dropped: int = 0) -> ConsoleObservation:
    return ConsoleObservation(
        id="console-1",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        port=f"/tmp/diag-lab/tty/{device}",
        login_ok=True,
        probes=probes,
        answered=answered,
        dropped_sessions=dropped,
    )


def cpu_log(device: str, pct: int) -> LogObservation:
    text = (
        "%SYS-1-CPURISINGTHRESHOLD: Threshold: Total CPU Utilization(Total/Intr): "
        f"{pct}%/2%, Top 3 processes(Pid/Util): 88/89%, 110/4%, 3/1%"
    )
    return LogObservation(
        id="log-1",
        collector=f"router:{device}",
        at=NOW,
        device=device,
        events=[LogEvent(at="Nov 21 09:12:44.031", category="cpu", text=text)],
        lines_read=1,
    )


def said(**pairs: str) -> list[Observation]:
    """Answers as given on site; `__` in a keyword stands for a dot (a__cpe__e1_ohms)."""
    return list(answers({k.replace("__", "."): v for k, v in pairs.items()}, "observe"))


def run(path: CircuitPath, obs: list[Observation]) -> tuple[list[Finding], Verdict]:
    return analyze(path, [poll(path), *obs])


def fired(findings: list[Finding], ref: str) -> list[Finding]:
    return [f for f in findings if f.kind == "fault" and f.procedure == ref]


def asked(findings: list[Finding], ref: str) -> Finding | None:
    return next((f for f in findings if f.kind == "not_evaluated" and f.procedure == ref), None)


def mall_obs() -> list[Observation]:
    """The branch router of case 4.1: CRC growth, a third of the pings lost; HQ clean."""
    return [
        crc("hc1-rtr-b", "Serial1/0/0:0", 300.0),
        crc("hc1-rtr-a", "Serial0/0/0:0", 0.0, n=2),
        ping("hc1-rtr-b", "10.61.0.1", 35.0),
        ping("hc1-rtr-a", "10.61.0.2", 35.0, n=2),
        cpu("hc1-rtr-b", 8.0),
    ]


def laptop_obs() -> list[Observation]:
    return [
        ping("hc2a-rtr-a", "192.168.62.2", 65.0),
        ping("hc2a-rtr-b", "192.168.62.1", 65.0, n=2),
        cpu("hc2a-rtr-b", 96.0),
        cpu("hc2a-rtr-a", 6.0, n=2),
    ]


def court_obs() -> list[Observation]:
    """The city court router: loss, CRC growth, CPU 97 % now and in its history, shaky console."""
    return [
        crc("hc2c-rtr-a", "Serial0/0/0:0", 360.0),
        ping("hc2c-rtr-a", "10.67.0.2", 65.0),
        cpu("hc2c-rtr-a", 97.0),
        cpu("hc2c-rtr-a", history=[97, 96, 97, 12], n=2),
        cpu_log("hc2c-rtr-a", 97),
        console("hc2c-rtr-a", answered=3),
        ping("hc2c-rtr-b", "10.67.0.1", 65.0, n=2),
        cpu("hc2c-rtr-b", 8.0, n=3),
    ]
