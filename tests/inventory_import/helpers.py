"""What the import tests share: the demo network, its NMS file, and the comparison."""

from __future__ import annotations

from pathlib import Path

import yaml

from diag.inventory import load_inventory
from diag.inventory.importers.result import plain
from diag.model.inventory import Inventory
from diag.model.path import build_path


def demo() -> Inventory:
    """The shipped demo network (every lab scenario's circuits and devices)."""
    return load_inventory()


def nms_file(inv: Inventory, folder: Path) -> Path:
    """The demo's NMS definitions as one YAML file (passed to the import with --extra)."""
    path = folder / "nms.yaml"
    path.write_text(
        yaml.safe_dump({"nms": [plain(n) for n in inv.nms.values()]}, sort_keys=False),
        encoding="utf-8",
    )
    return path


def differences(want: Inventory, got: Inventory) -> list[str]:
    """Every circuit or device of `want` that `got` lacks or has otherwise, circuit by circuit:
    the entry, its path element by element (devices, ports, links), its addresses."""
    out: list[str] = []
    for cid, c in want.circuits.items():
        g = got.circuits.get(cid)
        if g is None:
            out.append(f"{cid}: missing")
            continue
        if g != c:
            out.append(f"{cid}: circuit differs:\n  want {c!r}\n  got  {g!r}")
        if build_path(c, want) != build_path(g, got):
            out.append(f"{cid}: path differs")
        for e in ("a", "b"):
            we, ge = getattr(c, e), getattr(g, e)
            if (we.wan_ip, we.wan_interface, we.router) != (ge.wan_ip, ge.wan_interface, ge.router):
                out.append(f"{cid}: end {e} addresses differ")
    out += [f"circuit {cid}: not in the demo" for cid in set(got.circuits) - set(want.circuits)]
    for name, d in want.devices.items():
        if got.devices.get(name) != d:
            out.append(f"device {name}: want {d!r}, got {got.devices.get(name)!r}")
    out += [f"device {n}: not in the demo" for n in set(got.devices) - set(want.devices)]
    return out
