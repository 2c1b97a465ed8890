"""Deadlines that hold whatever the transport library does.

netmiko reads in loops of its own (`read_until_pattern` until its read timeout, fixed sleeps in
logins, paramiko's connect, banner and auth timeouts one after the other), and a thread blocked
in them cannot be interrupted from Python.  So the blocking calls of one session run in a worker
thread of that session's own: the caller waits at most the call's deadline (the timeout netmiko
was given plus `MARGIN_S`), then closes the connection (the router sees the session end) and
abandons the worker.  The worker ends when its call fails on the closed connection, or returns
late; then whatever the late call opened is closed too.  Workers are daemons: an abandoned one
never holds the process up.

The runner still owns concurrency (its thread pool runs one reading per router); a worker only
lets the reading thread stop waiting.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import Any, TypeVar

T = TypeVar("T")

# The stated margin over the timeout netmiko is given (ssh_timeout_s for connect + login,
# command_timeout_s or the ping's budget for a command): a call that has not returned by then is
# abandoned and its connection closed.  Five seconds covers netmiko's own slack (its reads poll
# every 10-100 ms, a login adds a prompt check) and the check that a session still answers
# after a command timed out (diag.collectors.cli.session).
MARGIN_S = 5.0
# Logging out and closing: a hung router does not get longer than this.
CLOSE_S = 3.0


class DeadlineExceeded(Exception):
    """A session call did not return within its deadline; the session was abandoned."""

    def __init__(self, what: str, limit_s: float, elapsed_s: float) -> None:
        self.what = what
        self.limit_s = limit_s
        self.elapsed_s = elapsed_s
        super().__init__(f"{what}: no result within {limit_s:g} s")


_Job = tuple[Callable[[], Any], "Future[Any]"]


class SessionWorker:
    """One session's blocking calls, each under a deadline (see the module docstring)."""

    def __init__(self, name: str) -> None:
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self.abandoned = False
        # Closes the session's connection (set by the transport once it has one).
        self.on_abandon: Callable[[], None] | None = None
        self._thread = threading.Thread(target=self._loop, name=f"diag-cli:{name}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            fn, fut = job
            if not fut.set_running_or_notify_cancel():
                continue
            try:
                fut.set_result(fn())
            except BaseException as exc:  # handed to the caller, who decides  # noqa: BLE001
                fut.set_exception(exc)
            if self.abandoned:
                self._close()  # a late call may have opened what nobody will close
                return

    def call(self, fn: Callable[[], T], limit_s: float, what: str) -> T:
        """`fn()` in the worker; DeadlineExceeded (connection closed) after `limit_s`."""
        if self.abandoned:
            raise DeadlineExceeded(what, 0.0, 0.0)
        fut: Future[T] = Future()
        start = time.monotonic()
        self._jobs.put((fn, fut))
        done, _ = wait([fut], timeout=limit_s)
        if not done:
            self.abandon()
            raise DeadlineExceeded(what, limit_s, time.monotonic() - start)
        return fut.result()

    def abandon(self) -> None:
        """Close the connection and let the worker go (idempotent)."""
        if not self.abandoned:
            self.abandoned = True
            self._jobs.put(None)
        self._close()

    def stop(self) -> None:
        """The session is over: the worker ends after what it is doing."""
        self._jobs.put(None)

    def _close(self) -> None:
        if self.on_abandon is not None:
            with contextlib.suppress(Exception):
                self.on_abandon()
