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
from diag.i18n import tr
from diag.inventory import yamlsafe
from diag.inventory.loaded import KEY_FIELD, SECTIONS, Loaded, Where, at_field, near, safe, show
from diag.model.inventory import NAME, SweepSpec, device_rules, nms_rules
from diag.model.pydantic_text import pydantic_text
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
    if err["type"] == "extra_forbidden":
        return tr("unknown field (check the spelling; docs/inventory.md lists the fields)")
    if err["type"] == "missing":
        return tr("required field is missing")
    if err["type"] in ("int_type", "int_parsing", "int_from_float"):
        return tr("must be a whole number (write it without quotes or decimals)")
    if err["type"] in ("value_error", "assertion_error"):
        # diag's own validators: their text was rendered in the reader's language when raised
        msg = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        return msg
    return pydantic_text(err)  # pydantic's own message (the common types translated)


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
        # strerror: the system's own words, shown as they are
        raise _Unreadable(tr("cannot read: {reason}", reason=exc.strerror)) from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise _Unreadable(tr("not a regular file (a device, FIFO or socket is never read)"))
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > MAX_FILE_BYTES:
            raise _Unreadable(
                tr(
                    "{size} bytes, over the {mib} MiB a file may hold; split it with include",
                    size=f"{st.st_size:,}",
                    mib=MAX_FILE_BYTES // 2**20,
                )
            )
        if acc.total_bytes + st.st_size > MAX_TOTAL_BYTES:
            raise _Unreadable(
                tr(
                    "not read: with it the inventory's files would pass {mib} MiB in all",
                    mib=MAX_TOTAL_BYTES // 2**20,
                )
            )
        data = fh.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew while we read it
        raise _Unreadable(tr("over the {mib} MiB a file may hold", mib=MAX_FILE_BYTES // 2**20))
    acc.total_bytes += len(data)
    return data


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise _Unreadable(
            tr(
                "not valid UTF-8 at byte offset {offset} (line {line}, byte 0x{byte}); save the "
                "file as UTF-8",
                offset=exc.start,
                line=line,
                byte=f"{data[exc.start]:02x}",
            )
        ) from exc
    return text.removeprefix("\ufeff")


def _bad_yaml(line: int, column: int, what: str) -> str:
    return tr(
        "line {line} column {column} is not valid YAML: {what}", line=line, column=column, what=what
    )


def _yaml_problem(exc: yaml.YAMLError, text: str) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        line = text[: exc.position].count("\n") + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        what = tr("the character U+{code} is not allowed in YAML", code=f"{exc.character:04X}")
        return _bad_yaml(line, column, what)
    # PyYAML's own words for the problem ("mapping values are not allowed here"): left as written
    what = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    pos = getattr(exc, "position", None)
    if mark is not None:
        line, column = mark.line + 1, mark.column + 1
        shown = _bad_yaml(line, column, what)
    elif isinstance(pos, int):
        shown = tr("character {position} is not valid YAML: {what}", position=pos + 1, what=what)
    else:
        shown = tr("is not valid YAML: {what}", what=what)
    return shown.strip()


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
            raise _Unreadable(yamlsafe.at_line(line, yamlsafe.too_deep())) from exc
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
    except (ValueError, OverflowError) as exc:  # a constructor's own check (its English)
        acc.problems.append(f"{shown}: " + tr("a value cannot be read: {error}", error=exc))
    except RecursionError:
        acc.problems.append(f"{shown}: " + tr("nested too deeply to read"))
    except Exception as exc:  # never a traceback for a file; say it is ours to fix  # noqa: BLE001
        acc.problems.append(
            f"{shown}: "
            + tr(
                "cannot be read ({error}); this is a bug in diag, please report it with the file",
                error=f"{type(exc).__name__}: {exc}",
            )
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
            acc.problems.append(
                f"{shown}: " + tr("more than {count} files; the rest are not read", count=MAX_FILES)
            )
            acc.files.append(shown)
            acc.unreadable.append(shown)
        return
    acc.files.append(shown)
    doc = _load_file(path, shown, acc)
    if doc is None:
        return
    if not isinstance(doc, dict):
        acc.problems.append(
            f"{shown}: " + tr("the top level must be a mapping with nms/devices/circuits")
        )
        acc.unreadable.append(shown)
        return
    for key in doc:
        if key not in (*SECTIONS, "include", "settings", "sweeps"):
            acc.problems.append(
                f"{shown}: "
                + tr(
                    "unknown top-level key {key} (expected nms, devices, circuits, settings, "
                    "sweeps, include)",
                    key=repr(safe(str(key))),
                )
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
            acc.problems.append(
                f"{shown}: " + tr("'{section}' must be a list of entries", section=section)
            )
            acc.unreadable.append(shown)
            continue
        for i, raw in enumerate(entries):
            _read_entry(section, model, i, raw, shown, acc)


def _read_includes(path: Path, include: Any, shown: str, acc: Loaded, seen: set[Path]) -> None:
    if include is None:
        return
    patterns = [include] if isinstance(include, str) else include
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        acc.problems.append(f"{shown}: " + tr("'include' must be a list of paths or globs"))
        acc.unreadable.append(shown)
        return
    for pattern in patterns:
        if control_char(pattern):
            acc.problems.append(
                f"{shown}: "
                + tr("include {pattern} holds a control character", pattern=repr(safe(pattern)))
            )
            continue
        matches = sorted(
            Path(m) for m in glob.glob(os.path.join(path.parent, pattern), recursive=True)
        )
        if not matches:
            acc.problems.append(
                f"{shown}: " + tr("include {pattern} matches no file", pattern=repr(safe(pattern)))
            )
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
        acc.problems.append(f"{where}: " + tr("each entry must be a mapping"))
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
        problems += [at_field(_loc(e["loc"]), _pretty(e)) for e in fields]
        # The entry's own rules (pydantic checks them only once every field is valid): from
        # what is written, so they show together with the field errors.
        rules = ENTRY_RULES.get(section)
        problems += [at_field("(entry)", p) for p in (rules(raw.get) if rules else [])]
    if section == "devices":
        problems += _device_type_problem(raw.get("device_type"))
    acc.problems.extend(f"{where}: {p}" for p in problems)
    if key is None:
        return
    table: dict[str, tuple[Any, Where]] = getattr(acc, section)
    first = table.get(key, (None, None))[1] or acc.invalid[section].get(key, (None, None))[0]
    if first is not None:
        acc.problems.append(
            f"{where}: "
            + tr(
                "duplicate {field} {key} (first defined at {first})",
                field=KEY_FIELD[section],
                key=repr(safe(key)),
                first=first,
            )
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
        at_field(
            "device_type",
            tr(
                "no CLI parser for {name}{near}; diag reads: {known} (netmiko names)",
                name=repr(safe(device_type)),
                near=near(device_type, VENDORS),
                known=", ".join(sorted(VENDORS)),
            ),
        )
    ]


def _read_settings(raw: Any, shown: str, acc: Loaded) -> None:
    """`settings: {default: {...}, groups: {<group>: {...}}}`, each checked against the defaults."""
    from diag.settings import merge

    if not isinstance(raw, dict) or set(raw) - {"default", "groups"}:
        acc.problems.append(
            f"{shown}: " + tr("'settings' holds 'default' and/or 'groups' mappings")
        )
        return
    layers = [("default", raw.get("default") or {})]
    groups = raw.get("groups") or {}
    if not isinstance(groups, dict):
        acc.problems.append(f"{shown}: " + tr("settings.groups must map group names to settings"))
        groups = {}
    layers += [(f"groups.{g}", v or {}) for g, v in groups.items()]
    for where, layer in layers:
        if not isinstance(layer, dict):
            acc.problems.append(
                f"{shown}: " + tr("settings.{where} must be a mapping", where=where)
            )
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
            f"{shown}: "
            + tr(
                "'sweeps' must map sweep names to specs ({example})",
                example="north-15m: {every: 15m, ...}",
            )
        )
        return
    for key, spec in raw.items():
        name = safe(str(key))
        where = f"{shown}: sweeps.{name}"
        if not isinstance(key, str) or not re.fullmatch(NAME, key):
            acc.problems.append(
                f"{where}: "
                + tr(
                    "a sweep's name is letters, digits and . _ - (starting with a letter or digit)"
                )
            )
            continue
        first = acc.sweep_where.get(key)
        if first is not None:
            acc.problems.append(
                f"{where}: "
                + tr(
                    "duplicate sweep {name} (first defined at {first})",
                    name=repr(name),
                    first=first,
                )
            )
            continue
        acc.sweep_where[key] = where
        if not isinstance(spec, dict):
            acc.problems.append(
                f"{where}: " + tr("must be a mapping with at least 'every' (a period)")
            )
            continue
        acc.sweep_raw.append((where, spec))
        try:
            acc.sweeps[key] = (SweepSpec.model_validate(spec), where)
        except ValidationError as exc:
            acc.problems.extend(
                f"{where}: {at_field(_loc(e['loc']), _pretty(e))}" for e in exc.errors()
            )
