"""The runner: owns concurrency, runs a circuit's collectors, analyses, builds the document.

All of a circuit's collectors run at once on one asyncio loop; blocking sessions (netmiko) run in
a thread pool the runner owns.  A diagnosis therefore takes about as long as its slowest
collector.  Each finished collector's results land in `Collected` at once, so Ctrl-C keeps what
was already read.
"""

from __future__ import annotations

import asyncio
import functools
import getpass
import ipaddress
import os
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from diag import __version__
from diag.analyzers.engine import analyze_full
from diag.analyzers.thresholds import Thresholds
from diag.errors import DiagError
from diag.model.findings import (
    CircuitOut,
    FindingsDocument,
    PathElementOut,
    PathLinkOut,
    RunOut,
    TicketOut,
)
from diag.model.inventory import Circuit, CircuitEnd, Device, Inventory, LinkKind, Role
from diag.model.observations import (
    CollectorRun,
    DeviceAccessObservation,
    NmsPollObservation,
    Observation,
)
from diag.model.path import CircuitPath, build_path
from diag.settings import CollectorSettings, for_circuit

if TYPE_CHECKING:
    from diag.collectors.snmp.client import SnmpClient

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


@dataclass
class Collected:
    """Everything a circuit's collectors produced, filled in as each one finishes."""

    observations: list[Observation] = field(default_factory=list)
    collectors: list[CollectorRun] = field(default_factory=list)
    pending: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # job -> target, NEs
    raw: dict[str, dict[str, str]] = field(default_factory=dict)  # job -> command -> output
    transcripts: dict[str, str] = field(default_factory=dict)  # job -> redacted session text


@dataclass
class Outcome:
    """What one job returns: its observations, and whether the collector itself succeeded."""

    observations: list[Observation]
    ok: bool = True
    error: str | None = None
    raw: dict[str, str] = field(default_factory=dict)
    transcript: str | None = None


@dataclass
class Context:
    """Shared by every job of a run: one SNMP engine, one thread pool, the progress sink."""

    client: SnmpClient
    pool: ThreadPoolExecutor
    progress: Progress = _quiet
    host: str = field(default_factory=socket.gethostname)


@dataclass
class Job:
    name: str
    target: str
    run: Callable[[Context], Awaitable[Outcome]]
    nes: list[str] = field(default_factory=list)


def now() -> datetime:
    return datetime.now(UTC)


def settings_for(
    inv: Inventory, c: Circuit, overrides: dict[str, Any] | None = None
) -> CollectorSettings:
    return for_circuit(inv.settings_default, inv.settings_groups, c.group, overrides)


# --------------------------------------------------------------------------- planning


def nms_targets(inv: Inventory, path: CircuitPath) -> dict[str, dict[str, str]]:
    """NMS name -> {NE name in that NMS -> inventory device name} for the NEs on the path."""
    out: dict[str, dict[str, str]] = {}
    for el in path.elements:
        dev = inv.devices.get(el.id)
        if dev is not None and dev.nms and dev.ne_name:
            out.setdefault(dev.nms, {})[dev.ne_name] = dev.name
    return out


def _host_ip(end: CircuitEnd) -> str | None:
    return str(ipaddress.ip_interface(end.wan_ip).ip) if end.wan_ip else None


def plan(inv: Inventory, c: Circuit, path: CircuitPath, settings: CollectorSettings) -> list[Job]:
    """Every collector this circuit needs, from what the inventory says each device speaks."""
    jobs: list[Job] = []
    for nms_name, nes in sorted(nms_targets(inv, path).items()):
        jobs.append(_nms_job(inv, nms_name, nes))
    for i, el in enumerate(path.elements):
        dev = inv.devices.get(el.id)
        if dev is None or dev.role not in (Role.pdh, Role.sdh, Role.msap) or dev.snmp is None:
            continue
        if dev.mgmt is not None:
            ports = _e1_ports(path, i)
            if ports:
                jobs.append(_ne_snmp_job(dev, ports))
    for side, other in (("a", "b"), ("b", "a")):
        end: CircuitEnd = getattr(c, side)
        far: CircuitEnd = getattr(c, other)
        if not end.router:
            continue
        dev = inv.devices[end.router]
        assert end.wan_interface  # validated with the inventory
        far_ip = _host_ip(far) if settings.router_ping else None
        if dev.mgmt is not None or dev.console:
            jobs.append(_router_job(dev, end.wan_interface, far_ip, settings))
        if dev.snmp is not None and dev.mgmt is not None:
            jobs.append(_router_snmp_job(dev, end.wan_interface))
    targets = [ip for ip in (_host_ip(c.a), _host_ip(c.b)) if ip]
    if settings.host_ping and targets:
        jobs.append(_ping_job(targets, settings))
    return jobs


def _nms_job(inv: Inventory, nms_name: str, nes: dict[str, str]) -> Job:
    nms = inv.nms[nms_name]

    async def run(ctx: Context) -> Outcome:
        from diag.collectors.nms import poll as poll_nms

        polled = await poll_nms(ctx.client, nms, set(nes))
        alarms = [a.model_copy(update={"device": nes.get(a.ne)}) for a in polled.alarms]
        poll = NmsPollObservation(
            id="nms-poll",
            collector=f"nms:{nms.name}",
            at=now(),
            nms=nms.name,
            ok=True,
            nes=sorted(nes),
            active_alarms=sum(1 for a in alarms if a.severity.value != "cleared"),
            partial=polled.partial,
            error=polled.note,
            rejected_traps=polled.rejected_traps,
            completeness=polled.completeness,
        )
        return Outcome([*alarms, poll])

    return Job(f"nms:{nms.name}", f"{nms.address}:{nms.port}", run, sorted(nes))


E1_LINKS = (LinkKind.e1_cable, LinkKind.ddf_jumper)


def _e1_ports(path: CircuitPath, i: int) -> list[str]:
    """The element's ports that face an E1 link (DS1-MIB describes E1 lines only: an optical
    line port, a CPE's `cpe_line` over fibre, is not one)."""
    el = path.elements[i]
    before = path.links[i - 1] if i > 0 else None
    after = path.links[i] if i < len(path.links) else None
    return [
        p
        for p, link in ((el.a_port, before), (el.b_port, after))
        if p and link is not None and link.kind in E1_LINKS
    ]


def _ne_snmp_job(dev: Device, ports: list[str]) -> Job:
    assert dev.mgmt is not None and dev.snmp is not None

    async def run(ctx: Context) -> Outcome:
        from diag.collectors.snmp_ne import poll_ne_e1

        return Outcome(list(await poll_ne_e1(ctx.client, dev, ports)))

    return Job(f"ne-snmp:{dev.name}", f"{dev.mgmt.address}:{dev.snmp.port or 161}", run)


def _router_snmp_job(dev: Device, interface: str) -> Job:
    assert dev.mgmt is not None and dev.snmp is not None

    async def run(ctx: Context) -> Outcome:
        from diag.collectors.snmp_router import poll_router

        return Outcome(list(await poll_router(ctx.client, dev, interface)))

    return Job(f"router-snmp:{dev.name}", f"{dev.mgmt.address}:{dev.snmp.port or 161}", run)


def _router_job(dev: Device, wan: str, far_ip: str | None, settings: CollectorSettings) -> Job:
    target = f"{dev.mgmt.address}:{dev.mgmt.port}" if dev.mgmt else (dev.console or "?")

    async def run(ctx: Context) -> Outcome:
        from diag.collectors.router import read_router

        loop = asyncio.get_running_loop()
        ways: list[Literal["ssh", "console"]] = []
        if dev.mgmt is not None and settings.console != "always":
            ways.append("ssh")
        if dev.console and (settings.console == "always" or dev.mgmt is None):
            ways.append("console")
        observations: list[Observation] = []
        raw: dict[str, str] = {}
        transcript = []
        for via in ways:
            ctx.progress(f"router:{dev.name}: reading over {via}")
            reading = await loop.run_in_executor(
                ctx.pool, functools.partial(read_router, dev, wan, far_ip, settings, via=via)
            )
            observations.extend(reading.observations)
            raw.update({f"{via}: {k}": v for k, v in reading.raw.items()})
            transcript.append(reading.transcript)
            # a router that answered but printed something odd is not a reason to go on site
            failed = [
                o
                for o in reading.observations
                if isinstance(o, DeviceAccessObservation)
                and not o.ok
                and o.stage in ("connect", "auth", "timeout")
            ]
            if (
                via == "ssh"
                and failed
                and dev.console
                and settings.console == "fallback"
                and "console" not in ways
            ):
                ways.append("console")  # the field engineer's fallback: laptop + console cable
        access = [o for o in observations if isinstance(o, DeviceAccessObservation)]
        ok = any(o.ok for o in access) if access else True
        error = "; ".join(o.error for o in access if not o.ok and o.error) or None
        return Outcome(
            observations,
            ok=ok,
            error=None if ok else error,
            raw=raw,
            transcript="\n".join(transcript),
        )

    return Job(f"router:{dev.name}", target, run)


def _ping_job(targets: list[str], settings: CollectorSettings) -> Job:
    async def run(ctx: Context) -> Outcome:
        from diag.collectors.ping import ping_many

        return Outcome(list(await ping_many(targets, settings, origin=ctx.host)))

    return Job("ping:host", " ".join(targets), run)


# --------------------------------------------------------------------------- running


async def _run_job(job: Job, ctx: Context, out: Collected) -> None:
    started = now()
    t0 = time.monotonic()
    ctx.progress(f"{job.name}: started ({job.target})")
    try:
        outcome = await job.run(ctx)
    except DiagError as exc:
        outcome = Outcome([], ok=False, error=str(exc))
    except OSError as exc:
        outcome = Outcome([], ok=False, error=f"{type(exc).__name__}: {exc}")
    duration = time.monotonic() - t0
    obs = outcome.observations
    if job.name.startswith("nms:") and not outcome.ok:
        obs = [
            NmsPollObservation(
                id="nms-poll",
                collector=job.name,
                at=now(),
                nms=job.name[4:],
                ok=False,
                nes=job.nes,
                error=outcome.error,
            )
        ]
    elif not outcome.ok and not any(isinstance(o, DeviceAccessObservation) for o in obs):
        device = job.name.split(":", 1)[1]
        obs = [
            *obs,
            DeviceAccessObservation(
                id="access",
                collector=job.name,
                at=now(),
                device=device,
                via="snmp" if "snmp" in job.name else "ssh",
                ok=False,
                stage="connect",
                error=outcome.error,
                duration_s=round(duration, 3),
            ),
        ]
    out.observations.extend(obs)
    if outcome.raw:
        out.raw[job.name] = outcome.raw
    if outcome.transcript:
        out.transcripts[job.name] = outcome.transcript
    out.collectors.append(
        CollectorRun(
            name=job.name,
            target=job.target,
            ok=outcome.ok,
            error=outcome.error,
            started=started,
            duration_s=round(duration, 3),
        )
    )
    out.pending.pop(job.name, None)
    state = "ok" if outcome.ok else f"FAILED: {outcome.error}"
    ctx.progress(f"{job.name}: {state}, {len(obs)} observation(s), {duration:.2f} s")


async def collect(jobs: list[Job], ctx: Context, out: Collected) -> None:
    for job in jobs:
        out.pending[job.name] = (job.target, job.nes)
    await asyncio.gather(*(_run_job(j, ctx, out) for j in jobs))


def mark_interrupted(out: Collected) -> None:
    """Ctrl-C: what had not finished is recorded as not read, so the analysis says so."""
    t = now()
    for name, (target, nes) in list(out.pending.items()):
        msg = "interrupted (Ctrl-C) before it answered"
        out.collectors.append(
            CollectorRun(name=name, target=target, ok=False, error=msg, started=t, duration_s=0.0)
        )
        if name.startswith("nms:"):
            out.observations.append(
                NmsPollObservation(
                    id="nms-poll", collector=name, at=t, nms=name[4:], ok=False, nes=nes, error=msg
                )
            )
    out.pending.clear()


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


# --------------------------------------------------------------------------- documents


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
) -> FindingsDocument:
    from diag.analyzers.summary import customer_summary

    observations = renumber(collected.observations)
    a = analyze_full(path, observations, thresholds)
    findings, verdict = a.findings, a.verdict
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
            finished=finished or now(),
            tool_version=__version__,
            host=socket.gethostname(),
            operator=operator,
            mode=mode,
            interrupted=interrupted,
        ),
        collectors=sorted(collected.collectors, key=lambda r: r.name),
        observations=observations,
        findings=findings,
        verdict=verdict,
        context=a.context,
        inventory_notes=a.inventory_notes,
        customer_summary=customer_summary(path, observations, verdict),
    )


@dataclass
class Diagnosis:
    document: FindingsDocument
    collected: Collected
    settings: CollectorSettings


async def _diagnose_async(
    inv: Inventory,
    ids: list[str],
    *,
    ticket: TicketOut | None,
    operator: str,
    progress: Progress,
    overrides: dict[str, Any] | None,
    sink: dict[str, tuple[Collected, datetime, CollectorSettings]],
    given: dict[str, list[Observation]],
) -> None:
    from diag.collectors.snmp.client import SnmpClient

    threads = max(settings_for(inv, inv.circuits[i], overrides).cli_threads for i in ids)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="diag-cli")
    try:
        async with SnmpClient() as client:
            ctx = Context(client=client, pool=pool, progress=progress)
            runs = []
            for cid in ids:
                c = inv.circuits[cid]
                settings = settings_for(inv, c, overrides)
                collected = Collected(observations=list(given.get(cid, [])))
                sink[cid] = (collected, now(), settings)
                jobs = plan(inv, c, build_path(c, inv), settings)
                runs.append(collect(jobs, ctx, collected))
            await asyncio.gather(*runs)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def diagnose_many(
    inv: Inventory,
    ids: list[str],
    *,
    ticket: TicketOut | None = None,
    operator: str | None = None,
    progress: Progress = _quiet,
    overrides: dict[str, Any] | None = None,
    given: dict[str, list[Observation]] | None = None,
    thresholds: Thresholds | None = None,
) -> list[Diagnosis]:
    """Diagnose several circuits concurrently on one loop (one SNMP engine, one thread pool).

    `given`: per circuit, observations people supplied (answers from site, test results).

    On Ctrl-C the documents are still built from what was collected, with run.interrupted set.
    """
    sink: dict[str, tuple[Collected, datetime, CollectorSettings]] = {}
    interrupted = False
    op = operator_name(operator)
    try:
        asyncio.run(
            _diagnose_async(
                inv,
                ids,
                ticket=ticket,
                operator=op,
                progress=progress,
                overrides=overrides,
                sink=sink,
                given=given or {},
            )
        )
    except KeyboardInterrupt:
        interrupted = True
    out = []
    for cid in ids:
        c = inv.circuits[cid]
        collected, started, settings = sink.get(
            cid,
            (
                Collected(observations=list((given or {}).get(cid, []))),
                now(),
                settings_for(inv, c, overrides),
            ),
        )
        if interrupted:
            mark_interrupted(collected)
        doc = build_document(
            c,
            build_path(c, inv),
            collected,
            started=started,
            ticket=ticket,
            operator=op,
            interrupted=interrupted,
            thresholds=thresholds,
        )
        out.append(Diagnosis(doc, collected, settings))
    return out


def diagnose(
    inv: Inventory,
    circuit_id: str,
    *,
    ticket: TicketOut | None = None,
    operator: str | None = None,
    progress: Progress = _quiet,
    overrides: dict[str, Any] | None = None,
    given: list[Observation] | None = None,
) -> FindingsDocument:
    """Collect, analyse and build the findings document for one circuit."""
    return diagnose_many(
        inv,
        [circuit_id],
        ticket=ticket,
        operator=operator,
        progress=progress,
        overrides=overrides,
        given={circuit_id: given or []},
    )[0].document


__all__ = [
    "Collected",
    "Diagnosis",
    "build_document",
    "diagnose",
    "diagnose_many",
    "plan",
]
