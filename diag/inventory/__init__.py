"""Load and cross-check an inventory folder of YAML files.

Every problem is collected with its file, entry and field, so `diag inventory validate` can list
them all at once.  A file holds any of the top-level keys `nms`, `devices`, `circuits` (lists), `settings`,
`sweeps` (scheduled sweeps by name) and `include` (paths or globs, relative to the file, of more
inventory files).

Two levels of checking:

* `load_inventory` (every command): what the files say.  Syntax of every field
  (diag.model.syntax: nothing that could reach a device outside the vendor's syntax), types
  (ports are integers, never yes/no), references between entries, device types the CLI parsers
  know, impossible paths.  Any problem refuses the whole inventory.
* `validate_inventory` (`diag inventory validate`): the above, plus what the files point to on
  this machine: every credential reference resolves now (environment variable set, secret file
  absolute, private and owned by the user), every serial console is a character device.  These
  are not checked by `diag circuit`, which resolves only the credentials and consoles of the
  circuit it reads, when it connects: a colleague's unset variable for another circuit must not
  stop a diagnosis.  Validate also warns where SNMP v1/v2c sends its community in clear text.

No cascades: an entry with errors keeps its name, so references to it are not reported again as
unknown, and the "did you mean" hint appears only for names that exist nowhere.  When a file
could not be read at all, references to names it may define are not reported (one note says
so).  Reading is bounded (file size, total size, number of files, nesting depth, YAML alias
expansion) and never ends in a traceback: a file that cannot be read is a problem naming it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from diag.errors import InventoryError
from diag.i18n import tr
from diag.inventory.files import MAX_FILE_BYTES, MAX_FILES, MAX_TOTAL_BYTES, files_of, read_file
from diag.inventory.loaded import Loaded, show
from diag.inventory.machine import (
    CLEARTEXT,
    check_environment,
    cleartext_snmp,
    cleartext_warnings,
)
from diag.inventory.refs import check_refs
from diag.model.inventory import Circuit, Inventory, SweepSpec

__all__ = [
    "CLEARTEXT",
    "MAX_FILES",
    "MAX_FILE_BYTES",
    "MAX_TOTAL_BYTES",
    "Validation",
    "check_environment",
    "cleartext_snmp",
    "default_inventory_dir",
    "load_inventory",
    "validate_inventory",
]


def default_inventory_dir() -> Path:
    """`DIAG_INVENTORY`, else the lab network's base inventory shipped in the package
    (`inventory/` in the repository links there)."""
    env = os.environ.get("DIAG_INVENTORY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1] / "lab" / "shipped" / "inventory"


def _load(root: Path) -> Loaded:
    acc = Loaded()
    if not root.exists():
        raise InventoryError(
            [f"{root}: " + tr("no such file or folder (set --inventory or DIAG_INVENTORY)")]
        )
    seen: set[Path] = set()
    for f in files_of(root):
        read_file(f, acc, seen, show(f))
    if not acc.files:
        acc.problems.append(f"{root}: " + tr("no .yaml files found"))
    check_refs(acc)
    return acc


def _inventory(acc: Loaded) -> Inventory:
    return Inventory(
        nms={k: v[0] for k, v in acc.nms.items()},
        devices={k: v[0] for k, v in acc.devices.items()},
        circuits={k: v[0] for k, v in acc.circuits.items()},
        settings_default=acc.settings_default,
        settings_groups=acc.settings_groups,
        sweeps={k: v[0] for k, v in acc.sweeps.items()},
        sources=tuple(acc.files),
    )


def _empty_sweeps(acc: Loaded, inv: Inventory) -> None:
    """An enabled sweep must select at least one circuit (its names are known by now)."""
    for spec, where in acc.sweeps.values():
        if spec.enabled and not any(_selects(spec, inv, c) for c in inv.circuits.values()):
            acc.problems.append(
                f"{where}: "
                + tr(
                    "the selection matches no circuit; `diag inventory list` shows the "
                    "circuits, their groups and regions"
                )
            )


def _selects(spec: SweepSpec, inv: Inventory, c: Circuit) -> bool:
    """diag.sweep.select's criteria for one circuit, stopping at the first match: select()
    builds every candidate's path for `nms`, too slow for each load of a large inventory."""
    from fnmatch import fnmatchcase

    from diag.model.regions import circuit_devices

    if spec.circuits and not any(fnmatchcase(c.id, p) for p in spec.circuits):
        return False
    if (spec.groups and c.group not in spec.groups) or (
        spec.regions and c.region not in spec.regions
    ):
        return False
    if spec.customers and not any(fnmatchcase(c.customer, p) for p in spec.customers):
        return False
    if spec.nms:
        managers = {d.nms for n in circuit_devices(c) if (d := inv.devices.get(n)) and d.nms}
        return bool(managers & set(spec.nms))
    return True


def _root(path: Path | str | None) -> Path:
    return Path(path) if path is not None else default_inventory_dir()


def load_inventory(path: Path | str | None = None) -> Inventory:
    """Load every YAML file under `path`; raise InventoryError listing every problem."""
    root = _root(path)
    acc = _load(root)
    inv = None if acc.problems else _inventory(acc)
    if inv is not None:
        _empty_sweeps(acc, inv)
    if acc.problems or inv is None:
        raise InventoryError(acc.problems, source=tr("inventory {path}", path=show(root)))
    return inv


@dataclass
class Validation:
    """What `diag inventory validate` reports: problems (exit 3) and warnings (exit 0)."""

    problems: list[str]
    warnings: list[str]
    inventory: Inventory | None
    source: str


def validate_inventory(path: Path | str | None = None) -> Validation:
    """Everything `load_inventory` checks, plus what the files point to on this machine
    (credentials resolve, consoles are character devices) and clear-text SNMP warnings."""
    root = _root(path)
    acc = _load(root)
    env_problems, warnings = check_environment(acc.raw)
    inv = None if acc.problems else _inventory(acc)
    if inv is not None:
        _empty_sweeps(acc, inv)
    problems = acc.problems + env_problems
    warnings += [w for where, raw in acc.raw for w in cleartext_warnings(where, raw)]
    inv = None if problems else inv
    return Validation(problems, warnings, inv, tr("inventory {path}", path=show(root)))
