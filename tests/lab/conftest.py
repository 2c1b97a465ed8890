"""Fixtures for the simulated-router tests: a lab event loop thread and a shared clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from diag.lab.routers.clock import ManualClock
from tests.lab.router_helpers import LoopThread


@pytest.fixture(scope="session")
def lab_loop() -> Iterator[LoopThread]:
    lt = LoopThread()
    yield lt
    lt.close()


@pytest.fixture(scope="session")
def lab_clock() -> ManualClock:
    """Shared by the session-scoped servers; tests advance it and compare deltas."""
    return ManualClock(wall_start=datetime(2026, 3, 2, 9, 0, 0))
