"""Fixtures shared by the analyzer tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from diag.model.inventory import Inventory
from diag.model.path import CircuitPath, build_path
from tests.analyzers.alarm_chain import chain


@pytest.fixture
def six(tmp_path: Path) -> CircuitPath:
    return chain(tmp_path, 6)


@pytest.fixture
def path_of(lab_inventory: Inventory):  # type: ignore[no-untyped-def]
    def make(cid: str) -> CircuitPath:
        return build_path(lab_inventory.circuits[cid], lab_inventory)

    return make
