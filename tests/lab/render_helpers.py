"""Shared by the renderer tests: the lab clock's start and one IOS command rendered by a lab session."""

from __future__ import annotations

from datetime import datetime

from diag.lab.routers.cli import Session
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.state import RouterState

CLOCK_START = datetime(2026, 3, 2, 9, 0, 0)


def ios(state: RouterState, command: str, clock: ManualClock | None = None) -> str:
    session = Session(state, clock or ManualClock(CLOCK_START), enable_secret=None)
    return session.feed(command).text
