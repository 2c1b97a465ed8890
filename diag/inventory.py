"""Load and cross-check an inventory folder of YAML files.

Every problem is collected with its file, entry and field, so `diag inventory validate` can list
them all at once.  A file holds any of the top-level keys `nms`, `devices`, `circuits` (lists) and
`include` (paths or globs, relative to the file, of more inventory files).

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

import glob
import itertools
import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from diag import yamlsafe
from diag.errors import InventoryError
from diag.model.inventory import (
    CONVERTER_ROLES,
    SECRET_REF,
    TRANSMISSION_ROLES,
    Circuit,
    Device,
    Interface,
    Inventory,
    Nms,
    Role,
    device_rules,
    nms_rules,
)
from diag.model.syntax import control_char

SECTIONS: dict[str, type[BaseModel]] = {"nms": Nms, "devices": Device, "circuits": Circuit}
KEY_FIELD = {"nms": "name", "devices": "name", "circuits": "id"}
ENTRY_RULES: dict[str, Callable[[Callable[[str], Any]], list[str]]] = {
    "nms": nms_rules,
    "devices": device_rules,
}

# Reading bounds.  A large network's inventory (thousands of circuits) is a few MiB of YAML split
# over files; these leave a wide margin and keep a mistaken or hostile file from taking minutes
# or all memory.
MAX_FILE_BYTES = 8 * 1024 * 1024  # per file
MAX_TOTAL_BYTES = 64 * 1024 * 1024  # all files of one inventory
MAX_FILES = 5000
# Nesting depth and alias expansion: diag.yamlsafe (MAX_DEPTH, MAX_NODES).


def default_inventory_dir() -> Path:
    """`DIAG_INVENTORY`, else the demo network shipped in the project's `inventory/`."""
    env = os.environ.get("DIAG_INVENTORY")
    if env:
        return Path(env)
    return Path(__file__).resolve().parent.parent / "inventory"


def _safe(text: str, limit: int = 80) -> str:
    """A value shown in a message: control characters escaped, long values cut."""
    if control_char(text):
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _Where:
    file: str
    section: str
    index: int
    key: str | None

    def __str__(self) -> str:
        name = f" ({KEY_FIELD[self.section]}={_safe(self.key)})" if self.key else ""
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
    # Entries with errors, by section and name: referenced names that exist, not "unknown".
    invalid: dict[str, dict[str, tuple[_Where, dict[str, Any]]]] = field(
        default_factory=lambda: {s: {} for s in SECTIONS}
    )
    # Every entry as written (valid or not), for the checks against this machine.
    raw: list[tuple[_Where, dict[str, Any]]] = field(default_factory=list)
    # What could not be read: names defined there are unknown, so references are not judged.
    unreadable: list[str] = field(default_factory=list)
    unnamed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    unjudged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    total_bytes: int = 0

    def names(self, section: str) -> set[str]:
        table: dict[str, Any] = getattr(self, section)
        return set(table) | set(self.invalid[section])


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
    elif err["type"] in ("int_type", "int_parsing", "int_from_float"):
        msg = "must be a whole number (write it without quotes or decimals)"
    return msg


def _files_of(path: Path) -> list[Path]:
    if path.is_dir():
        # Not only regular files: a FIFO or device named *.yaml is refused with a message
        # (reading would block or never end), not skipped in silence.
        return sorted(
            p for p in path.rglob("*") if p.suffix in (".yaml", ".yml") and not p.is_dir()
        )
    return [path]


# --------------------------------------------------------------------------- reading one file


class _Unreadable(Exception):
    """A file that cannot be read as an inventory file; the message names what and where."""


def _read_bytes(path: Path, acc: _Loaded) -> bytes:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | getattr(os, "O_NONBLOCK", 0))
    except OSError as exc:
        raise _Unreadable(f"cannot read: {exc.strerror}") from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise _Unreadable("not a regular file (a device, FIFO or socket is never read)")
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > MAX_FILE_BYTES:
            raise _Unreadable(
                f"{st.st_size:,} bytes, over the {MAX_FILE_BYTES // 2**20} MiB a file may hold; "
                "split it with include"
            )
        if acc.total_bytes + st.st_size > MAX_TOTAL_BYTES:
            raise _Unreadable(
                f"the inventory's files pass {MAX_TOTAL_BYTES // 2**20} MiB in all; this one "
                "and any after it are not read"
            )
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew while we read it
        raise _Unreadable(f"over the {MAX_FILE_BYTES // 2**20} MiB a file may hold")
    acc.total_bytes += len(data)
    return data


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _Unreadable(
            f"not valid UTF-8 at byte offset {exc.start} (line {line}, byte 0x{data[exc.start]:02x})"
            "; save the file as UTF-8"
        ) from exc
    return text.removeprefix("\ufeff")


def _where_yaml(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return f" line {mark.line + 1} column {mark.column + 1}"
    pos = getattr(exc, "position", None)
    return f" character {pos + 1}" if isinstance(pos, int) else ""


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        what = f"the character U+{exc.character:04X} is not allowed in YAML"
        return f"line {line} column {column} is not valid YAML: {what}"
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{_where_yaml(exc).strip()} is not valid YAML: {what}".strip()


def _parse(text: str) -> tuple[Any, list[str]]:
    try:
        return yamlsafe.load(text)
    except yamlsafe.YamlProblem as exc:
        raise _Unreadable(str(exc)) from exc
    except yaml.YAMLError as exc:
        # libyaml stops at 1000 levels on its own, scanning ahead of the events: same problem.
        if "nesting depth" in str(exc):
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark else 1
            raise _Unreadable(
                f"line {line}: nested deeper than {yamlsafe.MAX_DEPTH} levels (an inventory "
                "entry needs 5)"
            ) from exc
        raise


def _load_file(path: Path, shown: str, acc: _Loaded) -> Any:
    """The file's YAML document; on any failure a problem naming the file, and None."""
    text = ""
    try:
        text = _decode(_read_bytes(path, acc))
        doc, duplicates = _parse(text)
    except _Unreadable as exc:
        acc.problems.append(f"{shown}: {exc}")
    except yaml.YAMLError as exc:
        acc.problems.append(f"{shown}: {_yaml_problem(exc, text)}")
    except (ValueError, OverflowError) as exc:  # a constructor's own check
        acc.problems.append(f"{shown}: a value cannot be read: {exc}")
    except RecursionError:
        acc.problems.append(f"{shown}: nested too deeply to read")
    except Exception as exc:  # never a traceback for a file; say it is ours to fix
        acc.problems.append(
            f"{shown}: cannot be read ({type(exc).__name__}: {exc}); this is a bug in diag, "
            "please report it with the file"
        )
    else:
        acc.problems.extend(f"{shown}: {d}" for d in duplicates)
        return doc
    acc.unreadable.append(shown)
    return None


def _read(path: Path, acc: _Loaded, seen: set[Path], shown: str) -> None:
    real = path.resolve()
    if real in seen:
        return
    seen.add(real)
    if len(acc.files) >= MAX_FILES:
        if len(acc.files) == MAX_FILES:
            acc.problems.append(f"{shown}: more than {MAX_FILES} files; the rest are not read")
            acc.files.append(shown)
            acc.unreadable.append(shown)
        return
    acc.files.append(shown)
    doc = _load_file(path, shown, acc)
    if doc is None:
        return
    if not isinstance(doc, dict):
        acc.problems.append(f"{shown}: the top level must be a mapping with nms/devices/circuits")
        acc.unreadable.append(shown)
        return
    for key in doc:
        if key not in (*SECTIONS, "include", "settings"):
            acc.problems.append(
                f"{shown}: unknown top-level key {_safe(str(key))!r} (expected nms, devices, "
                "circuits, settings, include)"
            )
    if "settings" in doc:
        _read_settings(doc["settings"], shown, acc)
    _read_includes(path, doc.get("include"), shown, acc, seen)
    for section, model in SECTIONS.items():
        entries = doc.get(section)
        if entries is None:
            continue
        if not isinstance(entries, list):
            acc.problems.append(f"{shown}: '{section}' must be a list of entries")
            acc.unreadable.append(shown)
            continue
        for i, raw in enumerate(entries):
            _read_entry(section, model, i, raw, shown, acc)


def _read_includes(path: Path, include: Any, shown: str, acc: _Loaded, seen: set[Path]) -> None:
    if include is None:
        return
    patterns = [include] if isinstance(include, str) else include
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        acc.problems.append(f"{shown}: 'include' must be a list of paths or globs")
        acc.unreadable.append(shown)
        return
    for pattern in patterns:
        if control_char(pattern):
            acc.problems.append(f"{shown}: include {_safe(pattern)!r} holds a control character")
            continue
        matches = sorted(
            Path(m) for m in glob.glob(os.path.join(path.parent, pattern), recursive=True)
        )
        if not matches:
            acc.problems.append(f"{shown}: include {_safe(pattern)!r} matches no file")
            acc.unreadable.append(shown)
        for m in matches:
            for f in _files_of(m):
                _read(f, acc, seen, _show(f))


def _key_of(raw: Any, section: str) -> str | None:
    if not isinstance(raw, dict):
        return None
    key = raw.get(KEY_FIELD[section])
    if isinstance(key, bool) or not isinstance(key, str | int | float):
        return None
    return str(key)


def _read_entry(
    section: str, model: type[BaseModel], i: int, raw: Any, shown: str, acc: _Loaded
) -> None:
    key = _key_of(raw, section)
    where = _Where(shown, section, i, key)
    if not isinstance(raw, dict):
        acc.problems.append(f"{where}: each entry must be a mapping")
        acc.unnamed[section] += 1
        return
    if key is None:
        acc.unnamed[section] += 1
    acc.raw.append((where, raw))
    problems: list[str] = []
    obj: BaseModel | None = None
    try:
        obj = model.model_validate(raw)
    except ValidationError as exc:
        fields = [e for e in exc.errors() if e["loc"]]
        problems += [f"field '{_loc(e['loc'])}': {_pretty(e)}" for e in fields]
        # The entry's own rules (pydantic checks them only once every field is valid): from
        # what is written, so they show together with the field errors.
        rules = ENTRY_RULES.get(section)
        problems += [f"field '(entry)': {p}" for p in (rules(raw.get) if rules else [])]
    if section == "devices":
        problems += _device_type_problem(raw.get("device_type"))
    acc.problems.extend(f"{where}: {p}" for p in problems)
    if key is None:
        return
    table: dict[str, tuple[Any, _Where]] = getattr(acc, section)
    first = table.get(key, (None, None))[1] or acc.invalid[section].get(key, (None, None))[0]
    if first is not None:
        acc.problems.append(
            f"{where}: duplicate {KEY_FIELD[section]} {_safe(key)!r} (first defined at {first})"
        )
        return
    if problems or obj is None:
        acc.invalid[section][key] = (where, raw)
    else:
        table[key] = (obj, where)


def _device_type_problem(device_type: Any) -> list[str]:
    """A device_type the CLI parser registry does not know fails every reading of the router."""
    if not isinstance(device_type, str) or not device_type or control_char(device_type):
        return []
    from diag.collectors.cli.parsers import VENDORS

    if device_type in VENDORS:
        return []
    return [
        f"field 'device_type': no CLI parser for {_safe(device_type)!r}"
        f"{_near(device_type, VENDORS)}; diag reads: {', '.join(sorted(VENDORS))} "
        "(netmiko names)"
    ]


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
        shown = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return _safe(shown, limit=300)


# --------------------------------------------------------------------------- references


def _near(name: str, known: Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3)
    return f" (did you mean {', '.join(close)}?)" if close else ""


def _unknown(acc: _Loaded, section: str, what: str, name: str) -> str | None:
    """The "no such name" text, or None when the name may be in a file that could not be read."""
    if acc.unreadable or acc.unnamed[section]:
        acc.unjudged[section] += 1
        return None
    return f"no {what} named {_safe(name)!r}{_near(name, acc.names(section))}"


def _role_of(acc: _Loaded, name: str) -> Role | None:
    """The role of a device that exists (with or without errors of its own), if readable."""
    if name in acc.devices:
        return acc.devices[name][0].role
    raw = acc.invalid["devices"][name][1]
    try:
        return Role(str(raw.get("role")))
    except ValueError:
        return None


def _check_refs(acc: _Loaded) -> None:
    for where, raw in acc.raw:
        if where.section == "devices":
            nms = raw.get("nms")
            if isinstance(nms, str) and nms and nms not in acc.names("nms"):
                msg = _unknown(acc, "nms", "NMS", nms)
                if msg:
                    acc.problems.append(f"{where}: field 'nms': {msg}")
        elif where.section == "circuits":
            key = where.key
            if key is not None and key in acc.circuits and acc.circuits[key][1] is where:
                _check_circuit(_CircuitView.of(acc.circuits[key][0]), where, acc)
            else:
                _check_circuit(_CircuitView.raw(raw), where, acc)
    notes = [f"{n} reference(s) to {s}" for s, n in acc.unjudged.items() if n]
    if notes:
        acc.problems.append(
            f"note: {' and '.join(notes)} not found were not reported: some names are unknown "
            "because a file or entry above could not be read; fix those and run again"
        )


@dataclass
class _EndView:
    router: str | None = None
    cpe: str | None = None
    converter: str | None = None
    interface: Interface | None = None
    has_wan: bool = True


@dataclass
class _CircuitView:
    """What the reference checks need of a circuit, from a valid model or from raw YAML (an
    entry with errors: its readable references are still checked, so all problems show)."""

    id: str | None
    ends: dict[str, _EndView]
    hops: list[str | None]
    links: list[tuple[str, str] | None]
    complete: bool

    @classmethod
    def of(cls, c: Circuit) -> _CircuitView:
        ends = {
            side: _EndView(
                end.router, end.cpe, end.converter, end.interface, bool(end.wan_interface)
            )
            for side, end in (("a", c.a), ("b", c.b))
        }
        return cls(c.id, ends, [h.ne for h in c.transport], [lk.between for lk in c.links], True)

    @classmethod
    def raw(cls, raw: dict[str, Any]) -> _CircuitView:
        def name(v: Any) -> str | None:
            return v if isinstance(v, str) and v and not control_char(v) else None

        complete = True
        ends = {}
        for side in ("a", "b"):
            end = raw.get(side)
            end = end if isinstance(end, dict) else {}
            try:
                interface: Interface | None = Interface(str(end.get("interface")))
            except ValueError:
                interface = None
            wan = end.get("wan_interface")
            view = _EndView(
                name(end.get("router")),
                name(end.get("cpe")),
                name(end.get("converter")),
                interface,
                wan is not None and wan != "",
            )
            complete &= all(
                end.get(k) is None or name(end.get(k)) for k in ("router", "cpe", "converter")
            )
            complete &= view.cpe is not None
            ends[side] = view
        transport = raw.get("transport")
        hops_raw = transport if isinstance(transport, list) else []
        hops = [name(h.get("ne")) if isinstance(h, dict) else None for h in hops_raw]
        complete &= None not in hops and (transport is None or isinstance(transport, list))
        links_raw = raw.get("links")
        links: list[tuple[str, str] | None] = []
        for lk in links_raw if isinstance(links_raw, list) else []:
            between = lk.get("between") if isinstance(lk, dict) else None
            ok = isinstance(between, list) and len(between) == 2
            pair = (name(between[0]), name(between[1])) if ok and between else (None, None)
            links.append((pair[0], pair[1]) if pair[0] and pair[1] else None)
        return cls(name(raw.get("id")), ends, hops, links, complete)


def _check_circuit(c: _CircuitView, where: _Where, acc: _Loaded) -> None:
    problems = acc.problems

    def ref(fieldname: str, name: str | None, roles: set[Role], what: str) -> None:
        if name is None:
            return
        if name not in acc.names("devices"):
            msg = _unknown(acc, "devices", "device", name)
            if msg:
                problems.append(f"{where}: field '{fieldname}': {msg}")
            return
        role = _role_of(acc, name)
        if role is not None and role not in roles:
            allowed = ", ".join(sorted(r.value for r in roles))
            problems.append(
                f"{where}: field '{fieldname}': {name!r} is a {role.value}, but {what} must be "
                f"one of: {allowed}"
            )

    for side, end in c.ends.items():
        ref(f"{side}.router", end.router, {Role.router}, "a router")
        ref(f"{side}.cpe", end.cpe, TRANSMISSION_ROLES, "customer-premises transmission equipment")
        ref(f"{side}.converter", end.converter, CONVERTER_ROLES, "a converter")
        conv = _role_of(acc, end.converter) if end.converter in acc.names("devices") else None
        if conv is not None and end.converter is not None and end.interface is not None:
            want = {
                Interface.v35_dte: Role.v35_converter,
                Interface.v35_dce: Role.v35_converter,
                Interface.ethernet: Role.ethernet_converter,
            }.get(end.interface)
            if want is None:
                problems.append(
                    f"{where}: field '{side}.converter': interface {end.interface.value} takes "
                    "no converter"
                )
            elif conv is not want and conv in CONVERTER_ROLES:
                problems.append(
                    f"{where}: field '{side}.converter': a {end.interface.value} end needs a "
                    f"{want.value}, but {end.converter!r} is a {conv.value}"
                )
        if end.router and not end.has_wan:
            problems.append(
                f"{where}: field '{side}.wan_interface': required when '{side}.router' is set"
            )
    for i, ne in enumerate(c.hops):
        ref(f"transport[{i}].ne", ne, TRANSMISSION_ROLES, "a transport network element")
    a, b = c.ends["a"], c.ends["b"]
    chain = [x for x in (a.router, a.converter, a.cpe) if x]
    chain += [h for h in c.hops if h]
    chain += [x for x in (b.cpe, b.converter, b.router) if x]
    seen: set[str] = set()
    for name in chain:
        if name in seen:
            problems.append(
                f"{where}: impossible path: device {name!r} appears twice on the circuit's path"
            )
        seen.add(name)
    if not c.complete or c.id is None:
        return  # a path with unreadable elements: neighbours cannot be judged
    from diag.model.path import lan_id

    full = [lan_id(c.id, "a"), *chain, lan_id(c.id, "b")]
    pairs = {frozenset(p) for p in itertools.pairwise(full)}
    for i, link in enumerate(c.links):
        if link is not None and frozenset(link) not in pairs:
            problems.append(
                f"{where}: field 'links[{i}].between': {link[0]!r} and {link[1]!r} "
                "are not neighbours on the circuit's path"
            )


# --------------------------------------------------------------------------- entry points


def _load(root: Path) -> _Loaded:
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
    return acc


def _inventory(acc: _Loaded) -> Inventory:
    return Inventory(
        nms={k: v[0] for k, v in acc.nms.items()},
        devices={k: v[0] for k, v in acc.devices.items()},
        circuits={k: v[0] for k, v in acc.circuits.items()},
        settings_default=acc.settings_default,
        settings_groups=acc.settings_groups,
        sources=tuple(acc.files),
    )


def _root(path: Path | str | None) -> Path:
    return Path(path) if path is not None else default_inventory_dir()


def load_inventory(path: Path | str | None = None) -> Inventory:
    """Load every YAML file under `path`; raise InventoryError listing every problem."""
    root = _root(path)
    acc = _load(root)
    if acc.problems:
        raise InventoryError(acc.problems, source=f"inventory {_show(root)}")
    return _inventory(acc)


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
    problems = acc.problems + env_problems
    warnings += [w for where, raw in acc.raw for w in _cleartext(where, raw)]
    inv = None if problems else _inventory(acc)
    return Validation(problems, warnings, inv, f"inventory {_show(root)}")


# Where an entry holds secret references: (section, dotted path).
SECRET_FIELDS = {
    "nms": ("snmp.community", "snmp.auth_key", "snmp.priv_key"),
    "devices": (
        "snmp.community",
        "snmp.auth_key",
        "snmp.priv_key",
        "login.password",
        "login.secret",
    ),
}


def _dig(raw: dict[str, Any], dotted: str) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def check_environment(
    entries: list[tuple[_Where, dict[str, Any]]],
) -> tuple[list[str], list[str]]:
    """(problems, warnings) about what entries point to on this machine: credentials resolve
    now, consoles are character devices.  Each reference is resolved once; the first entry
    using it is named, with how many others share it."""
    from diag.credentials import check
    from diag.errors import CredentialError

    problems: list[str] = []
    warnings: list[str] = []
    refs: dict[str, list[tuple[_Where, str]]] = {}
    for where, raw in entries:
        for dotted in SECRET_FIELDS.get(where.section, ()):
            ref = _dig(raw, dotted)
            if isinstance(ref, str) and SECRET_REF.fullmatch(ref) and not control_char(ref):
                refs.setdefault(ref, []).append((where, dotted))
        if where.section == "devices":
            console = raw.get("console")
            if isinstance(console, str):
                _check_console(console, where, problems, warnings)
    for ref, uses in refs.items():
        try:
            check(ref)
        except CredentialError as exc:
            where, dotted = uses[0]
            more = f" (also used by {len(uses) - 1} other field(s))" if len(uses) > 1 else ""
            problems.append(f"{where}: field '{dotted}': {exc}{more}")
    return problems, warnings


def _check_console(console: str, where: _Where, problems: list[str], warnings: list[str]) -> None:
    from diag.model.syntax import console as console_syntax

    try:
        console_syntax(console)
    except ValueError:
        return  # already a field error
    if console.startswith("socket://"):
        return
    try:
        st = os.stat(console)
    except FileNotFoundError:
        warnings.append(
            f"{where}: field 'console': {console} does not exist on this machine (yet): a USB "
            "serial adapter not plugged in, or a lab not started?"
        )
        return
    except OSError as exc:
        problems.append(f"{where}: field 'console': cannot check {console}: {exc.strerror}")
        return
    if not stat.S_ISCHR(st.st_mode):
        kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a character device"
        problems.append(
            f"{where}: field 'console': {console} is {kind}; a serial console is a character "
            "device (/dev/ttyUSB0, /dev/ttyS1) or socket://host:port of a console server"
        )
    elif not os.access(console, os.R_OK | os.W_OK):
        warnings.append(
            f"{where}: field 'console': {console} is not readable and writable by this user "
            "(add the user to the device's group, e.g. dialout)"
        )


CLEARTEXT = (
    "SNMP v2c sends the community in clear text: anyone on the path can read it and, with it, "
    "the alarms; use v3 authPriv (docs/inventory.md)"
)


def _cleartext(where: _Where, raw: dict[str, Any]) -> list[str]:
    snmp = raw.get("snmp")
    if where.section not in SECRET_FIELDS or not isinstance(snmp, dict):
        return []
    if snmp.get("version", "v2c") != "v2c":
        return []
    return [f"{where}: field 'snmp.version': {CLEARTEXT}"]


def cleartext_snmp(
    inv: Inventory, *, circuit: str | None = None, nms: str | None = None
) -> list[str]:
    """One warning line per NMS or device a run would poll with SNMP v2c (community in clear):
    those of `circuit` (its devices and their NMSs), or the NMS `nms`, or all."""
    devices = set(inv.devices)
    nmss = set(inv.nms)
    if circuit is not None and circuit in inv.circuits:
        c = inv.circuits[circuit]
        devices = {
            x for x in (c.a.router, c.a.converter, c.a.cpe, c.b.cpe, c.b.converter, c.b.router) if x
        } | {h.ne for h in c.transport}
        nmss = {d.nms for n in devices if (d := inv.devices.get(n)) and d.nms}
    if nms is not None:
        devices, nmss = set(), {nms}
    lines = [
        f"NMS {n}: {CLEARTEXT}" for n in sorted(nmss) if n in inv.nms and inv.nms[n].snmp.cleartext
    ]
    lines += [
        f"device {n}: {CLEARTEXT}"
        for n in sorted(devices)
        if (d := inv.devices.get(n)) and d.snmp is not None and d.snmp.cleartext
    ]
    return lines
