"""Load and cross-check an inventory folder of YAML files.

Every problem is collected with its file, entry and field, so `diag inventory validate` can list
them all at once.  A file holds any of the top-level keys `nms`, `devices`, `circuits` (lists) and
`include` (paths or globs, relative to the file, of more inventory files).
"""

from __future__ import annotations

import glob
import itertools
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from diag.errors import InventoryError
from diag.model.inventory import (
    CONVERTER_ROLES,
    TRANSMISSION_ROLES,
    Circuit,
    Device,
    Interface,
    Inventory,
    Nms,
    Role,
)

SECTIONS: dict[str, type[BaseModel]] = {"nms": Nms, "devices": Device, "circuits": Circuit}
KEY_FIELD = {"nms": "name", "devices": "name", "circuits": "id"}


def default_inventory_dir() -> Path:
    """`DIAG_INVENTORY`, else the demo network shipped in the project's `inventory/`."""
    env = os.environ.get("DIAG_INVENTORY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "inventory"


@dataclass
class _Where:
    file: str
    section: str
    index: int
    key: str | None

    def __str__(self) -> str:
        name = f" ({KEY_FIELD[self.section]}={self.key})" if self.key else ""
        return f"{self.file}: {self.section}[{self.index}]{name}"


@dataclass
class _Loaded:
    problems: list[str] = field(default_factory=list)
    nms: dict[str, tuple[Nms, _Where]] = field(default_factory=dict)
    devices: dict[str, tuple[Device, _Where]] = field(default_factory=dict)
    circuits: dict[str, tuple[Circuit, _Where]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    settings_default: dict[str, Any] = field(default_factory=dict)
    settings_groups: dict[str, dict[str, Any]] = field(default_factory=dict)


def _loc(loc: Iterable[int | str]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(entry)"


def _pretty(err: Any) -> str:
    msg = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        msg = msg.removeprefix(prefix)
    if err["type"] == "extra_forbidden":
        msg = "unknown field (check the spelling; docs/inventory.md lists the fields)"
    elif err["type"] == "missing":
        msg = "required field is missing"
    return msg


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    return [path]


def _read(path: Path, acc: _Loaded, seen: set[Path], shown: str) -> None:
    real = path.resolve()
    if real in seen:
        return
    seen.add(real)
    acc.files.append(shown)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        acc.problems.append(f"{shown}: cannot read: {exc.strerror}")
        return
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" line {mark.line + 1} column {mark.column + 1}" if mark else ""
        acc.problems.append(f"{shown}:{at} is not valid YAML: {getattr(exc, 'problem', exc)}")
        return
    if doc is None:
        return
    if not isinstance(doc, dict):
        acc.problems.append(f"{shown}: the top level must be a mapping with nms/devices/circuits")
        return
    for key in doc:
        if key not in (*SECTIONS, "include", "settings"):
            acc.problems.append(
                f"{shown}: unknown top-level key {key!r} (expected nms, devices, circuits, "
                "settings, include)"
            )
    if "settings" in doc:
        _read_settings(doc["settings"], shown, acc)
    for pattern in doc.get("include") or []:
        matches = sorted(
            Path(m) for m in glob.glob(os.path.join(path.parent, str(pattern)), recursive=True)
        )
        if not matches:
            acc.problems.append(f"{shown}: include {pattern!r} matches no file")
        for m in matches:
            for f in _files_of(m):
                _read(f, acc, seen, _show(f))
    for section, model in SECTIONS.items():
        entries = doc.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            acc.problems.append(f"{shown}: '{section}' must be a list of entries")
            continue
        for i, raw in enumerate(entries):
            key = raw.get(KEY_FIELD[section]) if isinstance(raw, dict) else None
            where = _Where(shown, section, i, str(key) if key is not None else None)
            if not isinstance(raw, dict):
                acc.problems.append(f"{where}: each entry must be a mapping")
                continue
            try:
                obj = model.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    acc.problems.append(f"{where}: field '{_loc(err['loc'])}': {_pretty(err)}")
                continue
            table: dict[str, tuple[Any, _Where]] = getattr(acc, section)
            if str(key) in table:
                acc.problems.append(
                    f"{where}: duplicate {KEY_FIELD[section]} {key!r} (first defined at {table[str(key)][1]})"
                )
                continue
            table[str(key)] = (obj, where)


def _read_settings(raw: Any, shown: str, acc: _Loaded) -> None:
    """`settings: {default: {...}, groups: {<group>: {...}}}`, each checked against the defaults."""
    from diag.settings import merge

    if not isinstance(raw, dict) or set(raw) - {"default", "groups"}:
        acc.problems.append(f"{shown}: 'settings' holds 'default' and/or 'groups' mappings")
        return
    layers = [("default", raw.get("default") or {})]
    groups = raw.get("groups") or {}
    if not isinstance(groups, dict):
        acc.problems.append(f"{shown}: settings.groups must map group names to settings")
        groups = {}
    layers += [(f"groups.{g}", v or {}) for g, v in groups.items()]
    for where, layer in layers:
        if not isinstance(layer, dict):
            acc.problems.append(f"{shown}: settings.{where} must be a mapping")
            continue
        try:
            merge([layer], where=f"{shown}: settings.{where}")
        except InventoryError as exc:
            acc.problems.extend(exc.problems)
            continue
        if where == "default":
            acc.settings_default.update(layer)
        else:
            acc.settings_groups.setdefault(where.removeprefix("groups."), {}).update(layer)


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _check_refs(acc: _Loaded) -> None:
    devices = {k: v[0] for k, v in acc.devices.items()}
    for dev, where in acc.devices.values():
        if dev.nms and dev.nms not in acc.nms:
            acc.problems.append(
                f"{where}: field 'nms': no NMS named {dev.nms!r}{_near(dev.nms, acc.nms)}"
            )
    for c, where in acc.circuits.values():
        _check_circuit(c, where, devices, acc.problems)


def _near(name: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _check_circuit(
    c: Circuit, where: _Where, devices: dict[str, Device], problems: list[str]
) -> None:
    def ref(fieldname: str, name: str | None, roles: set[Role], what: str) -> None:
        if name is None:
            return
        dev = devices.get(name)
        if dev is None:
            problems.append(
                f"{where}: field '{fieldname}': no device named {name!r}{_near(name, devices)}"
            )
        elif dev.role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            problems.append(
                f"{where}: field '{fieldname}': {name!r} is a {dev.role.value}, but {what} must be one of: {allowed}"
            )

    for side in ("a", "b"):
        end = getattr(c, side)
        ref(f"{side}.router", end.router, {Role.router}, "a router")
        ref(f"{side}.cpe", end.cpe, TRANSMISSION_ROLES, "customer-premises transmission equipment")
        ref(f"{side}.converter", end.converter, CONVERTER_ROLES, "a converter")
        conv = devices.get(end.converter) if end.converter else None
        if conv is not None:
            want = {
                Interface.v35_dte: Role.v35_converter,
                Interface.v35_dce: Role.v35_converter,
                Interface.ethernet: Role.ethernet_converter,
            }.get(end.interface)
            if want is None:
                problems.append(
                    f"{where}: field '{side}.converter': interface {end.interface.value} takes no converter"
                )
            elif conv.role is not want:
                problems.append(
                    f"{where}: field '{side}.converter': a {end.interface.value} end needs a "
                    f"{want.value}, but {end.converter!r} is a {conv.role.value}"
                )
        if end.router and not end.wan_interface:
            problems.append(
                f"{where}: field '{side}.wan_interface': required when '{side}.router' is set"
            )
    for i, hop in enumerate(c.transport):
        ref(f"transport[{i}].ne", hop.ne, TRANSMISSION_ROLES, "a transport network element")
    chain = [x for x in (c.a.router, c.a.converter, c.a.cpe) if x]
    chain += [h.ne for h in c.transport]
    chain += [x for x in (c.b.cpe, c.b.converter, c.b.router) if x]
    seen: set[str] = set()
    for name in chain:
        if name in seen:
            problems.append(
                f"{where}: impossible path: device {name!r} appears twice on the circuit's path"
            )
        seen.add(name)
    from diag.model.path import lan_id

    full = [lan_id(c.id, "a"), *chain, lan_id(c.id, "b")]
    pairs = {frozenset(p) for p in itertools.pairwise(full)}
    for i, link in enumerate(c.links):
        if frozenset(link.between) not in pairs:
            problems.append(
                f"{where}: field 'links[{i}].between': {link.between[0]!r} and {link.between[1]!r} "
                "are not neighbours on the circuit's path"
            )


def load_inventory(path: Path | str | None = None) -> Inventory:
    """Load every YAML file under `path`; raise InventoryError listing every problem."""
    root = Path(path) if path is not None else default_inventory_dir()
    acc = _Loaded()
    if not root.exists():
        raise InventoryError(
            [f"{root}: no such file or folder (set --inventory or DIAG_INVENTORY)"]
        )
    seen: set[Path] = set()
    for f in _files_of(root):
        _read(f, acc, seen, _show(f))
    if not acc.files:
        acc.problems.append(f"{root}: no .yaml files found")
    _check_refs(acc)
    if acc.problems:
        raise InventoryError(acc.problems, source=f"inventory {_show(root)}")
    return Inventory(
        nms={k: v[0] for k, v in acc.nms.items()},
        devices={k: v[0] for k, v in acc.devices.items()},
        circuits={k: v[0] for k, v in acc.circuits.items()},
        settings_default=acc.settings_default,
        settings_groups=acc.settings_groups,
        sources=tuple(acc.files),
    )
