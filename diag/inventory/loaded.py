"""What reading an inventory gathers: entries by name, those with errors, where each was read."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from diag.i18n import tr
from diag.model.inventory import Circuit, Device, Nms, SweepSpec
from diag.model.syntax import control_char

SECTIONS: dict[str, type[BaseModel]] = {"nms": Nms, "devices": Device, "circuits": Circuit}
KEY_FIELD = {"nms": "name", "devices": "name", "circuits": "id"}


def safe(text: str, limit: int = 80) -> str:
    """A value shown in a message: control characters escaped, long values cut."""
    if control_char(text):
        text = text.encode("unicode_escape").decode("ascii")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Where:
    file: str
    section: str
    index: int
    key: str | None

    def __str__(self) -> str:
        name = f" ({KEY_FIELD[self.section]}={safe(self.key)})" if self.key else ""
        return f"{self.file}: {self.section}[{self.index}]{name}"


@dataclass
class Loaded:
    problems: list[str] = field(default_factory=list)
    nms: dict[str, tuple[Nms, Where]] = field(default_factory=dict)
    devices: dict[str, tuple[Device, Where]] = field(default_factory=dict)
    circuits: dict[str, tuple[Circuit, Where]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)
    settings_default: dict[str, Any] = field(default_factory=dict)
    settings_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    # `sweeps:` by name: the valid ones; where each name (valid or not) was first read, and
    # each spec as written (the references of one with errors are still checked).
    sweeps: dict[str, tuple[SweepSpec, str]] = field(default_factory=dict)
    sweep_where: dict[str, str] = field(default_factory=dict)
    sweep_raw: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    # Entries with errors, by section and name: referenced names that exist, not "unknown".
    invalid: dict[str, dict[str, tuple[Where, dict[str, Any]]]] = field(
        default_factory=lambda: {s: {} for s in SECTIONS}
    )
    # Every entry as written (valid or not), for the checks against this machine.
    raw: list[tuple[Where, dict[str, Any]]] = field(default_factory=list)
    # What could not be read: names defined there are unknown, so references are not judged.
    unreadable: list[str] = field(default_factory=list)
    unnamed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    unjudged: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SECTIONS, 0))
    total_bytes: int = 0

    def names(self, section: str) -> set[str]:
        table: dict[str, Any] = getattr(self, section)
        return set(table) | set(self.invalid[section])

    def has(self, section: str, name: str) -> bool:
        """Whether an entry (valid or not) defines name: without building names() each time."""
        return name in getattr(self, section) or name in self.invalid[section]


def show(path: Path) -> str:
    try:
        shown = str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        shown = str(path)
    return safe(shown, limit=300)


def near(name: str, known: Any) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(known), n=3)
    return tr(" (did you mean {names}?)", names=", ".join(close)) if close else ""


def at_field(name: str, problem: str) -> str:
    """A problem of one field of an entry (`name` as written: a.router, links[0].between)."""
    return tr("field '{field}': {problem}", field=name, problem=problem)
