"""The runner: owns concurrency, runs a circuit's collectors, analyses, builds the document.

All of a circuit's collectors run at once on one asyncio loop; blocking sessions (netmiko) run in
a thread pool the runner owns.  A diagnosis therefore takes about as long as its slowest
collector.  Each finished collector's results land in `Collected` at once.

Interruption (`Stop`): the first SIGINT (Ctrl-C), SIGTERM or SIGHUP stops collection and keeps
what was read.  Every collector still running is cancelled and recorded as interrupted with its
real elapsed time; a router session running in a thread gets GRACE_S to end its command and log
out (its wait between the two CRC samples ends at once), otherwise what it had read so far is
kept.  A second signal skips that grace; a third exits at once.  The documents are then built
from everything collected, with run.interrupted set; interrupted while a router waited between
its two CRC samples, the document is the provisional one (run.provisional).

First verdict (docs/first-verdict.md): given `on_provisional`, the routers' CRC windows are
the sweep's (no session held during the wait, the router ping read before it), and as soon as
every job of a circuit has finished or is waiting in its CRC window, the same pure analysis runs
on what was read so far, CRC growth marked as not measured yet, and `on_provisional` gets that
document.  `quick`: no CRC growth is read (no second sample, no wait), and the document says so.

Failures never escape as tracebacks: a collector that raises anything becomes a failed
collector record (the traceback goes to the log, see diag.logsetup), and the loop's exception
handler turns what a library leaves unhandled on the loop (a callback that failed on a datagram
it could not decode, a task nobody awaited) into the error of the collector it concerns.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import getpass
import ipaddress
import logging
import os
import signal
import socket
import sys
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import FrameType
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from diag import __version__, first_verdict, i18n
from diag.analyzers.engine import analyze_full
from diag.analyzers.thresholds import Thresholds
from diag.errors import CollectorError, DiagError
from diag.first_verdict import FirstVerdict, Provisional, crc_unmeasured, skipped_crc
from diag.logsetup import JOB, describe
from diag.model.findings import (
    CircuitOut,
    FindingsDocument,
    PathElementOut,
    PathLinkOut,
    RunOut,
    SkippedReading,
    TicketOut,
)
from diag.model.inventory import Circuit, CircuitEnd, Device, Inventory, LinkKind, Nms, Role
from diag.model.observations import (
    CollectorRun,
    DeviceAccessObservation,
    NmsPollObservation,
    Observation,
)
from diag.model.path import CircuitPath, build_path
from diag.settings import CollectorSettings, for_circuit

if TYPE_CHECKING:
    from diag.collectors.nms import NmsPoll
    from diag.collectors.snmp.client import SnmpClient

Progress = Callable[[str], None]
T = TypeVar("T")
log = logging.getLogger("diag.runner")

# After an interruption, a session running in a thread gets this long to end its command and
# log out; then what it had read so far is kept and it is left to finish on its own.
GRACE_S = 3.0
SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
SIGNAL_NAMES: dict[int, str] = {
    signal.SIGINT: "Ctrl-C",
    signal.SIGTERM: "SIGTERM",
    signal.SIGHUP: "SIGHUP",
}


class Stop:
    """Interruption by SIGINT, SIGTERM or SIGHUP, shared by the CLI and the runner.

    `install()` (main thread only) replaces those signals' handlers with one that records the
    first signal and cancels the collectors of the loop attached (`attach`); `restore()` puts
    the previous handlers back.  While no loop is attached a signal is only recorded (the CLI
    acts on it once the document is written), unless `raise_now` is set (`--ask`'s questions:
    a signal then raises KeyboardInterrupt, as Ctrl-C always did there).  The third signal
    exits at once (files are written atomically: none is left half-written).
    """

    def __init__(self) -> None:
        self.signum: int | None = None
        self.count = 0
        self.event = threading.Event()  # set at the first signal; session threads wait on it
        self.raise_now = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: set[asyncio.Future[Any]] = set()
        self._previous: dict[int, Any] = {}

    @property
    def reason(self) -> str | None:
        """'Ctrl-C', 'SIGTERM' or 'SIGHUP' once interrupted."""
        if self.signum is None:
            return None
        return SIGNAL_NAMES.get(self.signum, f"signal {self.signum}")

    @property
    def exit_code(self) -> int | None:
        """128 + the signal number, the shell's convention: 130, 143, 129."""
        return None if self.signum is None else 128 + self.signum

    def install(self) -> Stop:
        if threading.current_thread() is threading.main_thread() and not self._previous:
            for sig in SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def restore(self) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        self._previous.clear()

    def __enter__(self) -> Stop:
        return self.install()

    def __exit__(self, *exc: object) -> None:
        self.restore()

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        self.trigger(signum)

    def trigger(self, signum: int) -> None:
        """What a signal does (tests call it directly)."""
        self.count += 1
        if self.signum is None:
            self.signum = signum
            self.event.set()
        if self.count >= 3:  # the operator insists: go now
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):
                    stream.flush()
            os._exit(self.exit_code or 1)
        if self.raise_now:
            raise KeyboardInterrupt
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._cancel)

    def _cancel(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def attach(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def detach(self) -> None:
        self._loop = None
        self._tasks.clear()

    def watch(self, task: asyncio.Future[Any]) -> None:
        """Cancel `task` on interruption (at once when already interrupted)."""
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        if self.signum is not None:
            task.cancel()

    def sleep(self, seconds: float) -> None:
        """A wait in a session thread that ends at once on interruption (by raising)."""
        if self.event.wait(seconds):
            raise CollectorError(
                f"interrupted ({self.reason}) during the {seconds:g} s wait between the two "
                "CRC samples: the second sample was not taken"
            )

    def words(self, elapsed_s: float, what: str = "before it answered") -> str:
        return f"interrupted ({self.reason or 'cancelled'}) after {elapsed_s:.2f} s, {what}"


class _LoopErrors:
    """What a library leaves unhandled on the loop, as the error of the collector it concerns.

    A task is attributed to the job it was created in (`JOB`, recorded by the task factory); a
    callback, to the job whose target is the peer address among its arguments (pysnmp decodes
    each datagram in a callback with the sender's address: a datagram it cannot decode fails
    there, not in the request that waits for the answer).
    """

    def __init__(self) -> None:
        self.targets: dict[str, str] = {}  # "host:port" -> job
        self.errors: dict[str | None, list[str]] = {}
        self._task_job: weakref.WeakKeyDictionary[asyncio.Future[Any], str] = (
            weakref.WeakKeyDictionary()
        )

    def task_factory(
        self, loop: asyncio.AbstractEventLoop, coro: Any, **kwargs: Any
    ) -> asyncio.Task[Any]:
        task = asyncio.Task(coro, loop=loop, **kwargs)
        job = JOB.get()
        if job is not None:
            self._task_job[task] = job
        return task

    def _peer(self, handle: Any) -> str | None:
        for arg in getattr(handle, "_args", None) or ():
            if (
                isinstance(arg, tuple)
                and len(arg) >= 2
                and isinstance(arg[0], str)
                and isinstance(arg[1], int)
            ):
                return f"{arg[0]}:{arg[1]}"
        return None

    def handler(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        exc = context.get("exception")
        message = str(context.get("message") or "unhandled error on the event loop")
        task = context.get("task") or context.get("future")
        job = self._task_job.get(task) if task is not None else None
        peer = self._peer(context.get("handle"))
        if job is None and peer is not None:
            job = self.targets.get(peer)
        callback = getattr(getattr(context.get("handle"), "_callback", None), "__qualname__", "")
        cause = describe(exc) if isinstance(exc, BaseException) else message
        if peer is not None and "TransportDispatcher" in callback:
            words = f"an answer from {peer} could not be decoded as SNMP ({cause})"
        elif peer is not None:
            words = f"handling data from {peer} failed ({cause})"
        else:
            words = f"{message.rstrip('.')} ({cause})" if exc is not None else message
        self.errors.setdefault(job, []).append(words)
        log.error(
            "%s",
            words,
            exc_info=(type(exc), exc, exc.__traceback__)
            if isinstance(exc, BaseException)
            else None,
            extra={"diag_job": job},
        )

    def take(self, job: str) -> str | None:
        """The job's loop errors in words (repeats counted), and forget them."""
        found = self.errors.pop(job, [])
        if not found:
            return None
        counted: dict[str, int] = {}
        for words in found:
            counted[words] = counted.get(words, 0) + 1
        return "; ".join(f"{n} × {w}" if n > 1 else w for w, n in counted.items())

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        loop.set_task_factory(self.task_factory)
        loop.set_exception_handler(self.handler)


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
        polled = await ctx.reads.nms(ctx.client, nms, set(nes))
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
        return Outcome(await ctx.reads.ne(ctx.client, dev, ports))

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
        ways: list[Literal["ssh", "console"]] = []
        if dev.mgmt is not None and settings.console != "always":
            ways.append("ssh")
        if dev.console and (settings.console == "always" or dev.mgmt is None):
            ways.append("console")
        observations: list[Observation] = []
        raw: dict[str, str] = {}
        transcript = []
        interrupted = False
        t0 = time.monotonic()
        for via in ways:
            ctx.progress(f"router:{dev.name}: reading over {via}")
            reading, interrupted = await _read_router(ctx, dev, wan, far_ip, settings, via, t0)
            slow = _timed_out(reading)
            if slow and ctx.reads.retry_timeouts and not interrupted:
                # A sweep loads the routers' management (and this host) for minutes: a router
                # that did not answer in time is read once more, behind the rest of the queue.
                # The second reading is the one kept; the transcript says why there were two.
                ctx.progress(f"router:{dev.name}: {slow}; reading it again")
                reading, interrupted = await _read_router(
                    ctx, dev, wan, far_ip, settings, via, time.monotonic()
                )
                reading.transcript = (
                    f"[diag] first reading over {via} timed out ({slow}); read again\n"
                    + reading.transcript
                )
            observations.extend(reading.observations)
            raw.update({f"{via}: {k}": v for k, v in reading.raw.items()})
            transcript.append(reading.transcript)
            if interrupted or ctx.stop.signum is not None:
                interrupted = True
                break
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
        if interrupted:
            kept = sum(not isinstance(o, DeviceAccessObservation) for o in observations)
            return Outcome(
                observations,
                ok=False,
                error=ctx.stop.words(
                    time.monotonic() - t0, f"{kept} reading(s) taken before are kept"
                ),
                raw=raw,
                transcript="\n".join(transcript),
                interrupted=True,
            )
        return Outcome(
            observations,
            ok=ok,
            error=None if ok else error,
            raw=raw,
            transcript="\n".join(transcript),
        )

    return Job(f"router:{dev.name}", target, run)


async def _read_router(
    ctx: Context,
    dev: Device,
    wan: str,
    far_ip: str | None,
    settings: CollectorSettings,
    via: Literal["ssh", "console"],
    t0: float,
) -> tuple[Any, bool]:
    """One reading in the pool: (RouterReading, interrupted).  Interrupted, the session gets
    GRACE_S to end (a second signal cuts it short); then what it read so far is kept."""
    from diag.collectors.router import router_reader

    window = ctx.reads.crc_window
    loop = asyncio.get_running_loop()
    here = _WINDOW_OF.get()

    def sleep(seconds: float) -> None:
        # one session (no shared window): the wait runs in the session's thread; the window is
        # recorded so that an interruption during it is known as one
        if here is not None:
            so_far = reader.so_far().observations
            loop.call_soon_threadsafe(_open_window, here, so_far, time.monotonic() + seconds)
        ctx.stop.sleep(seconds)  # raises when interrupted: the window stays open
        if here is not None:
            loop.call_soon_threadsafe(_close_window, here)

    reader = router_reader(dev, wan, far_ip, settings, via=via, sleep=sleep, defer_second=window)
    fut: asyncio.Future[Any] | None = None
    try:
        async with ctx.reads.device_lock(dev.name):
            # the job's context goes with the session into its thread: its log records name it
            fut = loop.run_in_executor(ctx.pool, contextvars.copy_context().run, reader.run)
            reading = await asyncio.shield(fut)
        if reader.first is None:
            return reading, False
        fut = None
        # the shared CRC window: no session is held during the wait
        closes_at = reader.first[1] + settings.crc_sample_interval_s
        opened = _open_window(here, reading.observations, closes_at)
        await ctx.reads.window(reader.first[1], settings.crc_sample_interval_s)
        async with ctx.reads.device_lock(dev.name):
            fut = loop.run_in_executor(ctx.pool, contextvars.copy_context().run, reader.second)
            missed = await asyncio.shield(fut)
        if opened is not None:  # closed once the second sample is in (or known missed)
            opened.closed = True
        if missed:
            ctx.progress(f"router:{dev.name}: {missed}")
        return reader.result(), False
    except asyncio.CancelledError:
        if fut is None and reader.first is not None:
            # read whole but for the second CRC sample: nothing else is missing
            return reader.result(), True
        if fut is None:  # interrupted while waiting for the device
            return _interrupted_reading(ctx, reader, dev, via, t0), True
    with contextlib.suppress(asyncio.CancelledError):  # a second signal: no grace
        await asyncio.wait({fut}, timeout=GRACE_S)
    if fut.done() and not fut.cancelled() and fut.exception() is None:
        return reader.result(), True
    if reader.first is not None:  # cut short in the second CRC sample's session
        return reader.so_far(), True
    return _interrupted_reading(ctx, reader, dev, via, t0), True


def _timed_out(reading: Any) -> str | None:
    """The error of a reading that timed out (the router answered too slowly), else None."""
    for o in reading.observations:
        if isinstance(o, DeviceAccessObservation) and not o.ok and o.stage == "timeout":
            return o.error or "timed out"
    return None


def _interrupted_reading(ctx: Context, reader: Any, dev: Device, via: str, t0: float) -> Any:
    """What was read before an interruption, with the access record that says so."""
    reading = reader.so_far()
    elapsed = time.monotonic() - t0
    kept = sum(not isinstance(o, DeviceAccessObservation) for o in reading.observations)
    reading.observations.append(
        DeviceAccessObservation(
            id="access",
            collector=f"router:{dev.name}",
            at=now(),
            device=dev.name,
            via=via,
            ok=kept > 0,  # it answered: reached, though not read to the end
            stage="command",
            error=ctx.stop.words(
                elapsed,
                f"in the middle of the reading over {via}: the {kept} reading(s) taken before "
                "are kept, the rest was not read",
            ),
            duration_s=round(elapsed, 3),
        )
    )
    return reading


def _ping_job(targets: list[str], settings: CollectorSettings) -> Job:
    async def run(ctx: Context) -> Outcome:
        from diag.collectors.ping import ping_many

        async with ctx.reads.ping_slot():
            return Outcome(list(await ping_many(targets, settings, origin=ctx.host)))

    return Job("ping:host", " ".join(targets), run)


# --------------------------------------------------------------------------- running


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


def run_guarded(main: Callable[[], Coroutine[Any, Any, T]], stop: Stop, job: str) -> T | None:
    """Run one collector coroutine on a loop of its own (the single-collector commands), with
    the runner's interruption and loop-error handling: None when interrupted.  An error the
    loop caught is raised as a CollectorError in words."""
    errors = _LoopErrors()

    async def guarded() -> T | None:
        loop = asyncio.get_running_loop()
        errors.install(loop)
        stop.attach(loop)
        JOB.set(job)
        task = asyncio.ensure_future(main())
        stop.watch(task)
        try:
            return await task
        except asyncio.CancelledError:
            return None
        except DiagError:
            raise
        except Exception as exc:  # a library or collector bug: said, not a traceback
            log.error("collector %s stopped on an unexpected error", job, exc_info=exc)
            raise CollectorError(
                f"{job}: the collector stopped on an unexpected {describe(exc)} (a bug in diag "
                "or a library; --debug keeps the traceback)"
            ) from exc
        finally:
            stop.detach()

    try:
        result = asyncio.run(guarded())
    except KeyboardInterrupt:  # not the main thread, or raise_now
        if stop.signum is None:
            stop.signum = signal.SIGINT
        return None
    except CollectorError as exc:
        stray = errors.take(job)
        if stray:
            raise CollectorError(f"{exc}; meanwhile {stray}") from exc
        raise
    return result


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
                "summary": f"Inconclusive: the run was interrupted ({interrupted_by or 'Ctrl-C'}) "
                "before every collector answered.",
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


@dataclass
class Diagnosis:
    document: FindingsDocument
    collected: Collected
    settings: CollectorSettings


def _first_verdict(
    c: Circuit,
    path: CircuitPath,
    collected: Collected,
    started: datetime,
    ticket: TicketOut | None,
    operator: str,
    thresholds: Thresholds | None,
    stop: Stop,
    emit: FirstVerdict,
) -> Callable[[], None]:
    """The circuit's `Collected.watch` that sends its first verdict to `emit`."""

    def build() -> FindingsDocument:
        so_far = Collected(observations=collected.so_far(), collectors=list(collected.collectors))
        return build_document(
            c,
            path,
            so_far,
            started=started,
            ticket=ticket,
            operator=operator,
            thresholds=thresholds,
            provisional=True,
        )

    return first_verdict.watch(
        collected, build=build, interrupted=lambda: stop.signum is not None, emit=emit
    )


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
    stop: Stop,
    thresholds: Thresholds | None = None,
    on_provisional: FirstVerdict | None = None,
    quick: bool = False,
) -> None:
    from diag.collectors.snmp.client import SnmpClient

    loop = asyncio.get_running_loop()
    loop_errors = _LoopErrors()
    loop_errors.install(loop)
    stop.attach(loop)
    threads = max(settings_for(inv, inv.circuits[i], overrides).cli_threads for i in ids)
    pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="diag-cli")
    try:
        async with SnmpClient() as client:
            ctx = Context(
                client=client,
                pool=pool,
                progress=progress,
                stop=stop,
                loop_errors=loop_errors,
                reads=Reads() if on_provisional is None else WindowReads(),
            )
            runs = []
            for cid in ids:
                c = inv.circuits[cid]
                settings = settings_for(inv, c, overrides)
                collected = Collected(observations=list(given.get(cid, [])))
                started = now()
                sink[cid] = (collected, started, settings)
                path = build_path(c, inv)
                jobs = plan(inv, c, path, settings)
                collected.crc_routers = [j.name[7:] for j in jobs if j.name.startswith("router:")]
                collected.quick = quick
                collected.skipped = skipped_crc(
                    collected.crc_routers, settings.crc_sample_interval_s, quick
                )
                if on_provisional is not None:
                    collected.watch = _first_verdict(
                        c,
                        path,
                        collected,
                        started,
                        ticket,
                        operator,
                        thresholds,
                        stop,
                        on_provisional,
                    )
                runs.append(collect(jobs, ctx, collected))
            await asyncio.gather(*runs)
    finally:
        stop.detach()
        # sessions still running after an interruption finish on their own (bounded by their
        # timeouts); the CLI does not wait for them
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
    stop: Stop | None = None,
    quick: bool = False,
    on_provisional: FirstVerdict | None = None,
) -> list[Diagnosis]:
    """Diagnose several circuits concurrently on one loop (one SNMP engine, one thread pool).

    `given`: per circuit, observations people supplied (answers from site, test results).
    `stop`: the caller's interruption (the CLI installs it for the whole command); without
    one, SIGINT / SIGTERM / SIGHUP are handled during the collection only.
    `quick`: no CRC growth read (no second sample, no wait); the documents say so.
    `on_provisional`: called on the loop with each circuit's first verdict, made as soon as
    every job has finished or waits in its CRC window (not called when there is no window).

    Interrupted, the documents are still built from what was collected, with run.interrupted
    set; `stop.reason` says by what; interrupted in a CRC window, run.provisional too.
    """
    if quick:
        overrides = {**(overrides or {}), "crc_sample_interval_s": 0}
    sink: dict[str, tuple[Collected, datetime, CollectorSettings]] = {}
    op = operator_name(operator)
    own = stop is None
    stop = stop if stop is not None else Stop()
    if own:
        stop.install()
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
                stop=stop,
                thresholds=thresholds,
                on_provisional=on_provisional,
                quick=quick,
            )
        )
    except KeyboardInterrupt:  # the default handler (not the main thread), or raise_now
        if stop.signum is None:
            stop.signum = signal.SIGINT
    finally:
        if own:
            stop.restore()
    interrupted = stop.signum is not None
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
            mark_interrupted(collected, stop.reason)
        doc = build_document(
            c,
            build_path(c, inv),
            collected,
            started=started,
            ticket=ticket,
            operator=op,
            interrupted=interrupted,
            thresholds=thresholds,
            interrupted_by=stop.reason,
            provisional=interrupted and collected.window_cut(),
            quick=collected.quick,
            skipped=collected.skipped,
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
    "Provisional",
    "Stop",
    "build_document",
    "diagnose",
    "diagnose_many",
    "plan",
    "run_guarded",
]
