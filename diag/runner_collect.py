"""What a circuit's jobs share and fill while they run: `Collected` (with the CRC windows), the
run's `Context`, how shared things are read (`Reads`), a `Job` and its `Outcome`; running the
jobs (`collect`) and recording what an interruption left unread (`mark_interrupted`).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import socket
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from diag.errors import DiagError
from diag.logsetup import JOB, describe
from diag.model.findings import SkippedReading
from diag.model.inventory import Circuit, Device, Inventory, Nms
from diag.model.observations import (
    CollectorRun,
    DeviceAccessObservation,
    NmsPollObservation,
    Observation,
)
from diag.runner_stop import Stop, _LoopErrors
from diag.settings import CollectorSettings, for_circuit

if TYPE_CHECKING:
    from diag.collectors.nms import NmsPoll
    from diag.collectors.snmp.client import SnmpClient

Progress = Callable[[str], None]
log = logging.getLogger("diag.runner")


def _quiet(_: str) -> None:
    pass


@dataclass
class Window:
    """A router reading waiting between its two CRC samples: what it has read until then."""

    observations: list[Observation]
    closes_at: float  # time.monotonic() when the second sample is due
    # the second sample is in or known missed (a shared window); the wait is over (one session)
    closed: bool = False


@dataclass
class Collected:
    """Everything a circuit's collectors produced, filled in as each one finishes."""

    observations: list[Observation] = field(default_factory=list)
    collectors: list[CollectorRun] = field(default_factory=list)
    pending: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # job -> target, NEs
    raw: dict[str, dict[str, str]] = field(default_factory=dict)  # job -> command -> output
    transcripts: dict[str, str] = field(default_factory=dict)  # job -> redacted session text
    windows: dict[str, Window] = field(default_factory=dict)  # job -> its CRC window
    crc_routers: list[str] = field(default_factory=list)  # routers whose reading has CRC growth
    # readings not taken on purpose and whether by --quick: every document built from this
    # collection says so (the final one, and the one re-analysed after --ask's answers)
    skipped: list[SkippedReading] = field(default_factory=list)
    quick: bool = False
    #: called (on the loop) when a job ends or opens its CRC window
    watch: Callable[[], None] | None = None

    def in_window(self) -> bool:
        """Every job still running waits in its CRC window (and one at least does)."""
        waiting = {job for job, w in self.windows.items() if not w.closed}
        return bool(waiting) and set(self.pending) <= waiting

    def so_far(self) -> list[Observation]:
        """The finished jobs' observations and what the jobs in their CRC window have read."""
        out = list(self.observations)
        for job, w in self.windows.items():
            if job in self.pending and not w.closed:
                out.extend(w.observations)
        return out

    def window_cut(self) -> bool:
        """A job was stopped while it waited in its CRC window (an interruption)."""
        return any(not w.closed for w in self.windows.values())


# The job this task runs and the circuit's Collected it fills (set by _run_job): a router
# reading opens its CRC window there.
_WINDOW_OF: contextvars.ContextVar[tuple[Collected, str] | None] = contextvars.ContextVar(
    "diag_window_of", default=None
)


def _open_window(
    here: tuple[Collected, str] | None, observations: list[Observation], closes_at: float
) -> Window | None:
    """Record (on the loop) that a job's router reading waits for its second CRC sample."""
    if here is None:
        return None
    out, job = here
    w = out.windows[job] = Window(list(observations), closes_at)
    if out.watch is not None:
        out.watch()
    return w


def _close_window(here: tuple[Collected, str]) -> None:
    out, job = here
    if job in out.windows:
        out.windows[job].closed = True


@dataclass
class Outcome:
    """What one job returns: its observations, and whether the collector itself succeeded."""

    observations: list[Observation]
    ok: bool = True
    error: str | None = None
    raw: dict[str, str] = field(default_factory=dict)
    transcript: str | None = None
    interrupted: bool = False


class Reads:
    """How jobs read what several circuits may share: here, each job reads for itself.

    A sweep (diag.sweep.shared) overrides it to read each NMS's alarm table once, each NE once,
    and routers one session per device at a time in a shared CRC window.  The jobs, their
    observations and the analysis are the same either way.
    """

    #: True: a router's two CRC samples are taken in two sessions, the wait between them outside
    #: any session (a sweep's shared window); False: both in one session, the wait inside it
    crc_window: bool = False
    #: read once more a router whose reading timed out (a sweep: management under load)
    retry_timeouts: bool = False

    async def nms(self, client: SnmpClient, nms: Nms, nes: set[str]) -> NmsPoll:
        from diag.collectors.nms import poll as poll_nms

        return await poll_nms(client, nms, nes)

    async def ne(self, client: SnmpClient, dev: Device, ports: list[str]) -> list[Observation]:
        from diag.collectors.snmp_ne import poll_ne_e1

        return list(await poll_ne_e1(client, dev, ports))

    def device_lock(self, name: str) -> contextlib.AbstractAsyncContextManager[Any]:
        """Held while a session to the device is open (a sweep: one session per device)."""
        return contextlib.nullcontext()

    def ping_slot(self) -> contextlib.AbstractAsyncContextManager[Any]:
        """Held while the host pings a circuit's addresses (a sweep: a bounded pool)."""
        return contextlib.nullcontext()

    async def window(self, first_at: float, interval_s: float) -> None:
        """Wait until the second CRC sample is due (`crc_window` only)."""
        await asyncio.sleep(max(0.0, first_at + interval_s - time.monotonic()))


class WindowReads(Reads):
    """A circuit of its own, read for a first verdict: the CRC wait outside the router session
    (as a sweep's), so that the router ping, read after the first sample, is in before it."""

    crc_window = True


@dataclass
class Context:
    """Shared by every job of a run: one SNMP engine, one thread pool, the progress sink, the
    interruption, the loop's error attribution, and how shared things are read."""

    client: SnmpClient
    pool: ThreadPoolExecutor
    progress: Progress = _quiet
    host: str = field(default_factory=socket.gethostname)
    stop: Stop = field(default_factory=Stop)
    loop_errors: _LoopErrors = field(default_factory=_LoopErrors)
    reads: Reads = field(default_factory=Reads)


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


async def _run_job(job: Job, ctx: Context, out: Collected) -> None:
    started = now()
    t0 = time.monotonic()
    JOB.set(job.name)  # this task's own context: log records and tasks created here name the job
    _WINDOW_OF.set((out, job.name))
    ctx.progress(f"{job.name}: started ({job.target})")
    try:
        outcome = await job.run(ctx)
    except asyncio.CancelledError:
        outcome = Outcome(
            [], ok=False, error=ctx.stop.words(time.monotonic() - t0), interrupted=True
        )
    except DiagError as exc:
        outcome = Outcome([], ok=False, error=str(exc))
    except OSError as exc:
        outcome = Outcome([], ok=False, error=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # a library or collector bug: this collector fails, the run goes on
        log.error("collector %s stopped on an unexpected error", job.name, exc_info=exc)
        outcome = Outcome(
            [],
            ok=False,
            error=f"{job.target}: the collector stopped after {time.monotonic() - t0:.2f} s on "
            f"an unexpected {describe(exc)} (a bug in diag or a library; --debug keeps the "
            "traceback)",
        )
    duration = time.monotonic() - t0
    stray = ctx.loop_errors.take(job.name)
    if stray and not outcome.ok:
        outcome.error = f"{outcome.error}; meanwhile {stray}" if outcome.error else stray
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
    elif (
        not outcome.ok
        and not outcome.interrupted
        and not job.name.startswith("ping:")  # the host pings no device
        and not any(isinstance(o, DeviceAccessObservation) for o in obs)
    ):
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
    if out.watch is not None:
        out.watch()


async def collect(jobs: list[Job], ctx: Context, out: Collected) -> None:
    for job in jobs:
        out.pending[job.name] = (job.target, job.nes)
        host_port = job.target.removeprefix("socket://")
        ctx.loop_errors.targets.setdefault(host_port, job.name)
    tasks = []
    for job in jobs:
        task = asyncio.ensure_future(_run_job(job, ctx, out))
        ctx.stop.watch(task)
        tasks.append(task)
    # a job cancelled before it ever ran records nothing: mark_interrupted() covers it
    await asyncio.gather(*tasks, return_exceptions=True)


def mark_interrupted(out: Collected, reason: str | None = None) -> None:
    """What had not even started when the run was interrupted is recorded as not read."""
    t = now()
    for name, (target, nes) in list(out.pending.items()):
        msg = f"interrupted ({reason or 'Ctrl-C'}) before it started"
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
