"""Write imported entries as an inventory folder, all or nothing.

The files are written into a fresh hidden folder beside the destination, loaded back with the
inventory loader (every check `diag inventory validate` makes of what the files say), and only
then moved into place with a rename: a failure at any point leaves the destination as it was,
never half written.  An existing folder with files in it is replaced only when asked (--force).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import yaml

from diag.errors import InventoryError, UsageError
from diag.i18n import tr
from diag.inventory.importers.result import Imported, plain
from diag.model.inventory import Inventory

DEVICES = "devices.yaml"
CIRCUITS = "circuits.yaml"


def _dump(header: str, key: str, entries: list[dict[str, object]]) -> str:
    # libyaml's emitter when built in: the pure-Python one takes seconds for thousands of entries
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    body: str = yaml.dump(
        {key: entries},
        Dumper=dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return header + body


def check_destination(dest: Path, force: bool) -> None:
    """UsageError before any work if `dest` cannot take the result."""
    if dest.exists() and not dest.is_dir():
        raise UsageError(tr("{dest}: exists and is not a folder", dest=dest))
    if dest.is_dir() and any(dest.iterdir()) and not force:
        raise UsageError(
            tr(
                "{dest}: the folder is not empty; choose another with -o, or replace it with --force",
                dest=dest,
            )
        )


def write_folder(
    result: Imported, dest: Path, *, source: str, extra: list[Path], force: bool
) -> Inventory:
    """Write `result` (plus the `extra` YAML files, copied as they are) to `dest`; the loaded
    inventory.  InventoryError (nothing written) when the folder would not load."""
    check_destination(dest, force)
    dest = dest.absolute()
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))
    try:
        names = {DEVICES, CIRCUITS}
        for path in extra:
            if path.name in names:
                raise UsageError(  # noqa: TRY301
                    tr("{path}: a file of that name is already written; rename it", path=path)
                )
            names.add(path.name)
            shutil.copyfile(path, tmp / path.name)
        header = f"# Imported by diag from {source}; edit here or import again.\n"
        (tmp / DEVICES).write_text(
            _dump(header, "devices", [plain(d) for d in result.devices.values()]), encoding="utf-8"
        )
        (tmp / CIRCUITS).write_text(
            _dump(header, "circuits", [plain(c) for c in result.circuits.values()]),
            encoding="utf-8",
        )
        from diag.inventory import load_inventory

        try:
            inv = load_inventory(tmp)
        except InventoryError as exc:
            shown = str(tmp)
            problems = [p.replace(shown, str(dest)) for p in exc.problems]
            if not extra and any("no NMS named" in p for p in problems):
                problems.append(
                    tr("the NMS definitions come in with --extra nms.yaml (docs/import.md)")
                )
            raise InventoryError(problems, source=tr("the imported inventory")) from None
        _swap(tmp, dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return inv


def _swap(tmp: Path, dest: Path) -> None:
    if dest.is_dir() and not any(dest.iterdir()):
        dest.rmdir()
    if not dest.exists():
        os.rename(tmp, dest)
        return
    old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
    os.rename(dest, old / "x")
    os.rename(tmp, dest)
    shutil.rmtree(old, ignore_errors=True)
