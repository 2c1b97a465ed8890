"""Which region reads what: each collector job runs in the region that reaches its target.

- a device's jobs (NE SNMP, router SSH/console/SNMP): the device's region;
- an NMS's alarm snapshot: the NMS's region;
- the host pings, and whatever names no region: the circuit's own region (else `default`).

A circuit whose jobs fall in one region is one part, read and analysed by that region's worker.
A circuit whose ends sit in two regions is one part per region: each collects what it reaches,
and the worker that stores the last part joins them and analyses the whole (diag.distributed.work).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from diag.distributed.config import DEFAULT_REGION
from diag.model.inventory import Circuit, Inventory
from diag.model.path import build_path
from diag.model.regions import device_region
from diag.runner import Job, plan, settings_for


def home_region(c: Circuit) -> str:
    return c.region or DEFAULT_REGION


def job_region(inv: Inventory, c: Circuit, job_name: str) -> str:
    kind, _, target = job_name.partition(":")
    if kind == "nms":
        nms = inv.nms.get(target)
        return (nms.region if nms else None) or home_region(c)
    if kind == "ping":
        return home_region(c)
    return device_region(inv, target, c) or DEFAULT_REGION


def circuit_jobs(inv: Inventory, cid: str, overrides: dict[str, object]) -> list[Job]:
    c = inv.circuits[cid]
    return plan(inv, c, build_path(c, inv), settings_for(inv, c, overrides))


def split(inv: Inventory, cid: str, overrides: dict[str, object]) -> dict[str, list[Job]]:
    """The circuit's collector jobs by the region that runs them (one region for most)."""
    c = inv.circuits[cid]
    out: dict[str, list[Job]] = {}
    for j in circuit_jobs(inv, cid, overrides):
        out.setdefault(job_region(inv, c, j.name), []).append(j)
    return out or {home_region(c): []}


def regions_of(inv: Inventory, cid: str, overrides: dict[str, object]) -> list[str]:
    """The regions that read part of this circuit (sorted; one for most circuits)."""
    return sorted(split(inv, cid, overrides))


@dataclass(frozen=True)
class Batch:
    region: str
    circuits: list[str]


def batches(
    inv: Inventory, circuits: Iterable[str], overrides: dict[str, object], size: int
) -> tuple[list[Batch], dict[str, list[str]]]:
    """The sweep's tasks: per region, its circuits in batches of `size`; and each circuit's
    regions (a circuit of two regions is in a batch of each)."""
    per_region: dict[str, list[str]] = {}
    parts: dict[str, list[str]] = {}
    for cid in circuits:
        regions = regions_of(inv, cid, overrides)
        parts[cid] = regions
        for r in regions:
            per_region.setdefault(r, []).append(cid)
    out = [
        Batch(region, ids[i : i + size])
        for region, ids in sorted(per_region.items())
        for i in range(0, len(ids), size)
    ]
    return out, parts
