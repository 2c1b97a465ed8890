"""Library logging, warnings and stray exceptions never reach the terminal: they are kept.

pysnmp, paramiko, netmiko, asyncssh and asyncio report trouble through `logging` (paramiko logs a
whole traceback when an SSH banner does not come), through `warnings`, or by letting an
exception escape a thread or a finalizer.  With no handler configured, Python prints all of it
on stderr, in the middle of diag's output, although each of these troubles is already a
collector failure with a clear message.  `install()` (called by the CLI entry point) sends all
of it to one bounded in-memory log instead:

- every `logging` record at `level` or above (WARNING; INFO with `--debug`), tagged with the
  collector job it happened in when known (`JOB`, a context variable the runner sets; the
  runner also copies it into the threads it runs sessions in);
- `warnings` (logging.captureWarnings);
- exceptions escaping a thread (`threading.excepthook`) or raised where Python cannot propagate
  them (`sys.unraisablehook`, e.g. a finalizer).

The runner turns what concerns a collector into that collector's error (asyncio callbacks and
tasks: see `diag.runner`); `--debug DIR` writes the whole log next to the session transcripts
(`write()`).  Nothing here prints.
"""

from __future__ import annotations

import contextvars
import logging
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

# The collector job a log record, task or thread belongs to (set by the runner).
JOB: contextvars.ContextVar[str | None] = contextvars.ContextVar("diag_job", default=None)

CAPACITY = 5000  # records kept; a peer that makes a library log in a loop cannot fill memory
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


@dataclass(frozen=True)
class Entry:
    at: float
    job: str | None
    level: int
    logger: str
    text: str  # formatted, with the traceback when there was one


class Capture(logging.Handler):
    """Keeps the last CAPACITY records, formatted, with their job."""

    def __init__(self, capacity: int = CAPACITY) -> None:
        super().__init__(logging.NOTSET)
        self.entries: deque[Entry] = deque(maxlen=capacity)
        self.dropped = 0
        self.setFormatter(logging.Formatter(FORMAT))

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = self.format(record)
        except Exception:  # a library's bad format string must not fail the run  # noqa: BLE001
            text = f"{record.name}: {record.msg!r} {record.args!r}"
        job = getattr(record, "diag_job", None) or JOB.get()
        if len(self.entries) == self.entries.maxlen:
            self.dropped += 1
        self.entries.append(Entry(record.created, job, record.levelno, record.name, text))

    def for_job(self, job: str, level: int = logging.WARNING) -> list[Entry]:
        return [e for e in self.entries if e.job == job and e.level >= level]

    def text(self) -> str:
        head = f"[{self.dropped} earlier record(s) dropped]\n" if self.dropped else ""
        return head + "".join(
            f"{e.text}{'' if e.job is None else f'  [{e.job}]'}\n" for e in self.entries
        )


_capture: Capture | None = None
_log = logging.getLogger("diag.uncaught")


def capture() -> Capture | None:
    """The installed capture, if `install()` ran in this process."""
    return _capture


def install(level: int = logging.WARNING) -> Capture:
    """Route library logging, warnings and stray exceptions into the capture (idempotent)."""
    global _capture  # noqa: PLW0603
    root = logging.getLogger()
    if _capture is None:
        _capture = Capture()
        root.addHandler(_capture)
        logging.captureWarnings(True)
        threading.excepthook = _thread_exception
        sys.unraisablehook = _unraisable
    set_level(level)
    return _capture


def set_level(level: int) -> None:
    """Lowest level kept (the root logger's level: library loggers inherit it)."""
    logging.getLogger().setLevel(level)


def _thread_exception(args: threading.ExceptHookArgs) -> None:
    if args.exc_type is SystemExit:
        return
    name = args.thread.name if args.thread is not None else "?"
    _log.error(
        "exception in thread %s: %s",
        name,
        _one_line(args.exc_value),
        exc_info=_exc_info(args.exc_type, args.exc_value, args.exc_traceback),
    )


def _unraisable(u: Any) -> None:
    _log.error(
        "%s: %s",
        u.err_msg or "exception ignored",
        _one_line(u.exc_value),
        exc_info=_exc_info(u.exc_type, u.exc_value, u.exc_traceback),
    )


def _exc_info(
    kind: type[BaseException], value: BaseException | None, tb: TracebackType | None
) -> tuple[type[BaseException], BaseException, TracebackType | None] | None:
    return (kind, value, tb) if value is not None else None


def _one_line(exc: BaseException | None) -> str:
    if exc is None:
        return "?"
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def describe(exc: BaseException) -> str:
    """`Type: message` on one line (for collector errors; the traceback stays in the log)."""
    return _one_line(exc)


def format_exception(exc: BaseException) -> str:
    return "".join(traceback.format_exception(exc))


def write(path: Path | str) -> bool:
    """Write the captured log to `path` (atomically); False when nothing was captured."""
    from diag.output.files import write_atomic

    if _capture is None or not _capture.entries:
        return False
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    write_atomic(path, f"# diag library log, written {stamp}\n" + _capture.text())
    return True
