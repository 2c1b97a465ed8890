"""`diag inventory list` in a pipe: ids never cut or folded; `--json` gives the same as data."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from diag.model.inventory import Inventory

DIAG = str(Path(sys.executable).parent / "diag")


def _list(*args: str, columns: str = "40") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": columns}
    return subprocess.run(
        [DIAG, "inventory", "list", *args], env=env, capture_output=True, text=True, timeout=60
    )


def test_json_lists_every_circuit_device_and_nms(lab_inventory: Inventory) -> None:
    r = _list("--json", "-")
    assert r.returncode == 0, r.stderr
    got = json.loads(r.stdout)
    assert [c["id"] for c in got["circuits"]] == sorted(lab_inventory.circuits)
    assert {d["name"] for d in got["devices"]} == set(lab_inventory.devices)
    assert {n["name"] for n in got["nms"]} == set(lab_inventory.nms)
    one = next(c for c in got["circuits"] if c["id"] == sorted(lab_inventory.circuits)[0])
    c = lab_inventory.circuits[one["id"]]
    assert one["customer"] == c.customer and one["transport_nes"] == [h.ne for h in c.transport]


def test_a_narrow_pipe_keeps_every_circuit_id_whole(lab_inventory: Inventory) -> None:
    r = _list(columns="40")
    assert r.returncode == 0, r.stderr
    words = set(r.stdout.split())
    missing = [cid for cid in lab_inventory.circuits if cid not in words]
    assert not missing, r.stdout
