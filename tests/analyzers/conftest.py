"""Fixtures shared by the analyzer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from diag.model.path import CircuitPath
from tests.analyzers.alarm_chain import chain


@pytest.fixture
def six(tmp_path: Path) -> CircuitPath:
    return chain(tmp_path, 6)
