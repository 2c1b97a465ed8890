"""Vendor alarm names -> canonical meaning, driven by the data table names.yaml.

The table is the single place to add a vendor's alarm name; this module only loads, checks and
looks it up.  Lookups tolerate case and '-', '_' or space separators; unknown names come back
as type UNKNOWN with known=False so the caller still reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from diag.model.observations import AlarmDirection, Severity

UNKNOWN = "UNKNOWN"
_SEPARATORS = re.compile(r"[\s_\-]+")
_ENTRY_FIELDS = {
    "type", "layer", "direction", "severity", "vendor", "text", "probable_cause", "aliases",
    "note",
}  # fmt: skip


def name_key(vendor_name: str) -> str:
    """The lookup key of a name: upper case, separator runs folded to '_'."""
    return _SEPARATORS.sub("_", vendor_name.strip()).strip("_").upper()


@dataclass(frozen=True)
class NormalizedAlarm:
    """What a vendor alarm name means, with the vendor's own name kept."""

    vendor_name: str
    type: str
    layer: str
    direction: AlarmDirection
    severity: Severity
    probable_cause: str | None
    event_type: str
    known: bool
    table_name: str | None = None  # the names.yaml entry that matched
    text: str | None = None


@dataclass(frozen=True)
class AlarmTable:
    entries: dict[str, NormalizedAlarm]  # name_key -> meaning (vendor_name = table name)
    probable_causes: dict[str, int]
    event_types: dict[str, int]

    @property
    def names(self) -> list[str]:
        """Every table entry name (not aliases), sorted."""
        return sorted({e.table_name for e in self.entries.values() if e.table_name})


def _load_yaml() -> dict[str, Any]:
    text = resources.files("diag.collectors.alarms").joinpath("names.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError("names.yaml: top level must be a mapping")
    return data


def build_table(data: dict[str, Any]) -> AlarmTable:
    """Validate the parsed names.yaml and index it; raises ValueError listing every problem."""
    problems: list[str] = []
    causes: dict[str, int] = dict(data.get("probable_causes") or {})
    events: dict[str, int] = dict(data.get("event_types") or {})
    types: dict[str, dict[str, str]] = dict(data.get("types") or {})
    for tname, t in types.items():
        if t.get("probable_cause") not in causes:
            problems.append(f"type {tname}: unknown probable_cause {t.get('probable_cause')!r}")
        if t.get("event_type") not in events:
            problems.append(f"type {tname}: unknown event_type {t.get('event_type')!r}")
    if UNKNOWN not in types:
        problems.append(f"types: {UNKNOWN} is required")
    entries: dict[str, NormalizedAlarm] = {}
    for name, e in (data.get("alarms") or {}).items():
        where = f"alarm {name}"
        extra = set(e) - _ENTRY_FIELDS
        if extra:
            problems.append(f"{where}: unknown fields {sorted(extra)}")
        kind = types.get(e.get("type", ""))
        if kind is None:
            problems.append(f"{where}: type {e.get('type')!r} is not in types")
            continue
        try:
            direction = AlarmDirection(e.get("direction", "none"))
            severity = Severity(e.get("severity", "major"))
        except ValueError as exc:
            problems.append(f"{where}: {exc}")
            continue
        cause = e.get("probable_cause", kind["probable_cause"])
        if cause not in causes:
            problems.append(f"{where}: unknown probable_cause {cause!r}")
        if not e.get("layer"):
            problems.append(f"{where}: layer is required")
        meaning = NormalizedAlarm(
            vendor_name=name,
            type=e["type"],
            layer=str(e.get("layer", "")),
            direction=direction,
            severity=severity,
            probable_cause=cause,
            event_type=kind["event_type"],
            known=True,
            table_name=name,
            text=e.get("text"),
        )
        for spelling in [name, *e.get("aliases", [])]:
            key = name_key(spelling)
            if key in entries:
                problems.append(
                    f"{where}: {spelling!r} collides with {entries[key].table_name} "
                    f"(both read as {key})"
                )
            entries[key] = meaning
    if problems:
        raise ValueError("names.yaml: " + "; ".join(problems))
    return AlarmTable(entries=entries, probable_causes=causes, event_types=events)


@cache
def table() -> AlarmTable:
    """The packaged table, loaded once."""
    return build_table(_load_yaml())


def normalize(vendor_name: str) -> NormalizedAlarm:
    """Canonical meaning of a vendor alarm name; UNKNOWN (known=False) when not in the table."""
    t = table()
    hit = t.entries.get(name_key(vendor_name))
    if hit is None:
        return NormalizedAlarm(
            vendor_name=vendor_name,
            type=UNKNOWN,
            layer=UNKNOWN,
            direction=AlarmDirection.none,
            severity=Severity.indeterminate,
            probable_cause=None,
            event_type="other",
            known=False,
        )
    return NormalizedAlarm(
        vendor_name=vendor_name,
        type=hit.type,
        layer=hit.layer,
        direction=hit.direction,
        severity=hit.severity,
        probable_cause=hit.probable_cause,
        event_type=hit.event_type,
        known=True,
        table_name=hit.table_name,
        text=hit.text,
    )


def probable_cause_code(name: str) -> int:
    """IANAItuProbableCause number of a name (other(1024) when unknown)."""
    causes = table().probable_causes
    return causes.get(name, causes["other"])


def probable_cause_name(code: int) -> str | None:
    """IANAItuProbableCause name of a number, None when the number is not defined."""
    for name, value in table().probable_causes.items():
        if value == code:
            return name
    return None


def event_type_code(name: str) -> int:
    """IANAItuEventType number of a name (other(1) when unknown)."""
    events = table().event_types
    return events.get(name, events["other"])
