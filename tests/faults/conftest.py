"""The fault matrix runs once per session, only the cells the session selected."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.cells import CELLS
from tests.faults.harness import Peers, Result, run_cells


@pytest.fixture(scope="session")
def fault_results(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Result]]:
    wanted = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("cell_id") in CELLS:
            wanted.append(CELLS[callspec.params["cell_id"]])
    from tests.faults.harness import netns_available

    if netns_available():
        wanted = [c for c in wanted if not c.netns]
    folder: Path = tmp_path_factory.mktemp("faults")
    peers = Peers(folder)
    try:
        yield run_cells(wanted, peers, folder)
    finally:
        peers.stop()
