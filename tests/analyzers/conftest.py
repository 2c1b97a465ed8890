"""Fixtures shared by the analyzer tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from diag.model.inventory import Inventory
from diag.model.path import CircuitPath, build_path
from tests.analyzers.alarm_chain import chain

# the `path_of` fixture: a shipped circuit's path by its id
PathOf = Callable[[str], CircuitPath]


@pytest.fixture
def six(tmp_path: Path) -> CircuitPath:
    return chain(tmp_path, 6)


@pytest.fixture
def path_of(lab_inventory: Inventory) -> PathOf:
    def make(cid: str) -> CircuitPath:
        return build_path(lab_inventory.circuits[cid], lab_inventory)

    return make
