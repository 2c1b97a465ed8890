"""`diag inventory list`: the circuits with their regions, the regions, the scheduled sweeps."""

from __future__ import annotations

from typing import Any

from diag.model.inventory import Inventory, SweepSpec
from diag.model.regions import circuit_regions


def criteria(spec: SweepSpec) -> str:
    """A sweep's selection in one line, as `diag sweep` flags read (none: every circuit)."""
    parts = [" ".join(spec.circuits)] if spec.circuits else []
    for flag, values in (
        ("--group", spec.groups),
        ("--region", spec.regions),
        ("--nms", spec.nms),
        ("--customer", spec.customers),
    ):
        parts += [f"{flag} {v}" for v in values]
    return " ".join(parts) or "every circuit"


def tables(inv: Inventory) -> list[Any]:
    """Rich tables: circuits; regions (when any is set); sweeps (when any)."""
    from rich.table import Table

    out = []
    t = Table(
        "circuit", "customer", "service", "region", "A end", "B end", "transport NEs", box=None
    )
    for c in sorted(inv.circuits.values(), key=lambda c: c.id):
        # a circuit whose devices a worker of another region reaches: "east (+west)"
        others = [r for r in circuit_regions(inv, c) if r != c.region]
        region = (c.region or "-") + (f" (+{', '.join(others)})" if others else "")
        t.add_row(
            c.id,
            c.customer,
            f"{c.service.value} {c.bandwidth}",
            region,
            c.a.site,
            c.b.site,
            str(len(c.transport)),
        )
    out.append(t)
    regions = sorted(
        {c.region for c in inv.circuits.values() if c.region}
        | {d.region for d in inv.devices.values() if d.region}
        | {n.region for n in inv.nms.values() if n.region}
    )
    if regions:
        r = Table("region", "circuits", "devices", "NMS", box=None)
        for name in regions:
            r.add_row(
                name,
                str(sum(c.region == name for c in inv.circuits.values())),
                str(sum(d.region == name for d in inv.devices.values())),
                ", ".join(sorted(n.name for n in inv.nms.values() if n.region == name)) or "-",
            )
        out.append(r)
    if inv.sweeps:
        s = Table("sweep", "every", "selection", "enabled", box=None)
        for name, spec in sorted(inv.sweeps.items()):
            s.add_row(name, spec.every, criteria(spec), "yes" if spec.enabled else "no")
        out.append(s)
    return out
