"""Reading inventory files: bounded, never a traceback, every entry validated with its place."""

from __future__ import annotations

import glob
import os
import re
import stat
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from diag.errors import InventoryError
from diag.inventory import yamlsafe
from diag.inventory.loaded import KEY_FIELD, SECTIONS, Loaded, Where, near, safe, show
from diag.model.inventory import NAME, SweepSpec, device_rules, nms_rules
from diag.model.syntax import control_char

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
# Nesting depth and alias expansion: diag.inventory.yamlsafe (MAX_DEPTH, MAX_NODES).


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


def files_of(path: Path) -> list[Path]:
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


def _read_bytes(path: Path, acc: Loaded) -> bytes:
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
                f"not read: with it the inventory's files would pass {MAX_TOTAL_BYTES // 2**20} "
                "MiB in all"
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


def _load_file(path: Path, shown: str, acc: Loaded) -> Any:
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
    except Exception as exc:  # never a traceback for a file; say it is ours to fix  # noqa: BLE001
        acc.problems.append(
            f"{shown}: cannot be read ({type(exc).__name__}: {exc}); this is a bug in diag, "
            "please report it with the file"
        )
    else:
        acc.problems.extend(f"{shown}: {d}" for d in duplicates)
        return doc
    acc.unreadable.append(shown)
    return None


def read_file(path: Path, acc: Loaded, seen: set[Path], shown: str) -> None:
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
        if key not in (*SECTIONS, "include", "settings", "sweeps"):
            acc.problems.append(
                f"{shown}: unknown top-level key {safe(str(key))!r} (expected nms, devices, "
                "circuits, settings, sweeps, include)"
            )
    if "settings" in doc:
        _read_settings(doc["settings"], shown, acc)
    if "sweeps" in doc:
        _read_sweeps(doc["sweeps"], shown, acc)
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


def _read_includes(path: Path, include: Any, shown: str, acc: Loaded, seen: set[Path]) -> None:
    if include is None:
        return
    patterns = [include] if isinstance(include, str) else include
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        acc.problems.append(f"{shown}: 'include' must be a list of paths or globs")
        acc.unreadable.append(shown)
        return
    for pattern in patterns:
        if control_char(pattern):
            acc.problems.append(f"{shown}: include {safe(pattern)!r} holds a control character")
            continue
        matches = sorted(
            Path(m) for m in glob.glob(os.path.join(path.parent, pattern), recursive=True)
        )
        if not matches:
            acc.problems.append(f"{shown}: include {safe(pattern)!r} matches no file")
            acc.unreadable.append(shown)
        for m in matches:
            for f in files_of(m):
                read_file(f, acc, seen, show(f))


def _key_of(raw: Any, section: str) -> str | None:
    if not isinstance(raw, dict):
        return None
    key = raw.get(KEY_FIELD[section])
    if isinstance(key, bool) or not isinstance(key, str | int | float):
        return None
    return str(key)


def _read_entry(
    section: str, model: type[BaseModel], i: int, raw: Any, shown: str, acc: Loaded
) -> None:
    key = _key_of(raw, section)
    where = Where(shown, section, i, key)
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
    table: dict[str, tuple[Any, Where]] = getattr(acc, section)
    first = table.get(key, (None, None))[1] or acc.invalid[section].get(key, (None, None))[0]
    if first is not None:
        acc.problems.append(
            f"{where}: duplicate {KEY_FIELD[section]} {safe(key)!r} (first defined at {first})"
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
        f"field 'device_type': no CLI parser for {safe(device_type)!r}"
        f"{near(device_type, VENDORS)}; diag reads: {', '.join(sorted(VENDORS))} "
        "(netmiko names)"
    ]


def _read_settings(raw: Any, shown: str, acc: Loaded) -> None:
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


def _read_sweeps(raw: Any, shown: str, acc: Loaded) -> None:
    """`sweeps: {<name>: {every: 15m, regions: [...], ...}}`, each spec checked field by field."""
    if raw is None:
        return
    if not isinstance(raw, dict):
        acc.problems.append(
            f"{shown}: 'sweeps' must map sweep names to specs (north-15m: {{every: 15m, ...}})"
        )
        return
    for key, spec in raw.items():
        name = safe(str(key))
        where = f"{shown}: sweeps.{name}"
        if not isinstance(key, str) or not re.fullmatch(NAME, key):
            acc.problems.append(
                f"{where}: a sweep's name is letters, digits and . _ - (starting with a letter "
                "or digit)"
            )
            continue
        first = acc.sweep_where.get(key)
        if first is not None:
            acc.problems.append(f"{where}: duplicate sweep {name!r} (first defined at {first})")
            continue
        acc.sweep_where[key] = where
        if not isinstance(spec, dict):
            acc.problems.append(f"{where}: must be a mapping with at least 'every' (a period)")
            continue
        acc.sweep_raw.append((where, spec))
        try:
            acc.sweeps[key] = (SweepSpec.model_validate(spec), where)
        except ValidationError as exc:
            acc.problems.extend(
                f"{where}: field '{_loc(e['loc'])}': {_pretty(e)}" for e in exc.errors()
            )
