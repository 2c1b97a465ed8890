"""Interruption and the loop's errors: `Stop` (SIGINT, SIGTERM, SIGHUP), what a library leaves
unhandled on the loop as a collector's error (`_LoopErrors`), and `run_guarded` for the
single-collector commands.  See diag.runner for how a diagnosis uses them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import threading
import weakref
from collections.abc import Callable, Coroutine
from types import FrameType
from typing import Any, TypeVar

from diag.errors import CollectorError, DiagError
from diag.logsetup import JOB, describe

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

    def said(self, elapsed_s: float, what: str) -> str:
        """words() for the terminal, in the reader's language (`what` given with mark()); what
        words() says is a collector's error, data in the document: English."""
        from diag.i18n import tr, tr_marked

        return tr(
            "interrupted ({reason}) after {seconds} s, {what}",
            reason=self.reason or tr("cancelled"),
            seconds=f"{elapsed_s:.2f}",
            what=tr_marked(what),
        )


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
