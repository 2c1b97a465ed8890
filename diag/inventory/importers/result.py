"""What an import produced: diag entries, and every source item it could not map."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from diag.errors import DiagError
from diag.i18n import tr
from diag.model.inventory import Circuit, Device


@dataclass(frozen=True)
class Dropped:
    """One source item (or one field of it) that was not imported, and why.

    `where` names the item in the source's own terms (`line 7 (LAB-E1-AIS1)`, `dcim.device 12
    (ais1-rtr-a)`), `field` the column or field, `problem` what is wrong with it.
    """

    where: str
    field: str
    problem: str

    def render(self) -> str:
        return tr(
            "{where}: {field}: {problem}", where=self.where, field=self.field, problem=self.problem
        )


@dataclass
class Imported:
    """Entries mapped so far, in source order, and what was dropped."""

    devices: dict[str, Device] = field(default_factory=dict)
    circuits: dict[str, Circuit] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)

    def drop(self, where: str, field_name: str, problem: str) -> None:
        self.dropped.append(Dropped(where, field_name, problem))


def pydantic_problems(exc: ValidationError) -> list[tuple[tuple[int | str, ...], str]]:
    """(location, message) of each error, messages without pydantic's prefixes."""
    out = []
    for err in exc.errors():
        msg = str(err["msg"])
        for prefix in ("Value error, ", "Assertion failed, "):
            msg = msg.removeprefix(prefix)
        if err["type"] == "missing":
            msg = tr("required, and empty")
        elif err["type"] == "extra_forbidden":
            msg = tr("not a field diag knows")
        out.append((tuple(err["loc"]), msg))
    return out


def router_vendor(raw: dict[str, Any]) -> list[tuple[str, str]]:
    """A router's vendor must be one diag can read; its device_type then defaults from it."""
    from diag.collectors.vendors import PROFILES, by_inventory

    profile = by_inventory(raw.get("vendor", ""), raw.get("device_type"))
    if profile is None:
        known = ", ".join(p.vendor for p in PROFILES)
        return [
            (
                "vendor",
                tr(
                    "router vendor {vendor!r} is not one diag reads ({known}); give a "
                    "device_type diag knows, or correct the vendor",
                    vendor=raw.get("vendor", ""),
                    known=known,
                ),
            )
        ]
    raw.setdefault("device_type", profile.device_types[0])
    return []


def plain(model: Any) -> dict[str, Any]:
    """An entry as written in YAML: defaults left out, enums and tuples as plain values."""
    data: dict[str, Any] = model.model_dump(mode="json", exclude_defaults=True)
    return data


class SourceError(DiagError):
    """The source cannot be read at all (file, server, credentials); nothing was imported."""

    exit_code = 3
