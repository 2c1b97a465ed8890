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


def listing(inv: Inventory) -> dict[str, Any]:
    """What the tables show, as data (`diag inventory list --json`): every id whole."""
    return {
        "circuits": [
            {
                "id": c.id,
                "customer": c.customer,
                "service": c.service.value,
                "bandwidth": c.bandwidth,
                "group": c.group,
                "region": c.region,
                "regions": circuit_regions(inv, c),
                "a_site": c.a.site,
                "b_site": c.b.site,
                "transport_nes": [h.ne for h in c.transport],
            }
            for c in sorted(inv.circuits.values(), key=lambda c: c.id)
        ],
        "devices": [
            {"name": d.name, "role": d.role.value, "vendor": d.vendor, "region": d.region}
            for d in sorted(inv.devices.values(), key=lambda d: d.name)
        ],
        "nms": [
            {"name": n.name, "driver": n.driver, "region": n.region}
            for n in sorted(inv.nms.values(), key=lambda n: n.name)
        ],
        "sweeps": [
            {
                "name": name,
                "every": spec.every,
                "every_s": spec.every_s,
                "selection": criteria(spec),
                "enabled": spec.enabled,
            }
            for name, spec in sorted(inv.sweeps.items())
        ],
    }


def tables(inv: Inventory) -> list[Any]:
    """Rich tables: circuits; regions (when any is set); sweeps (when any)."""
    from rich.table import Table

    out = []
    t = Table(
        "circuit", "customer", "service", "region", "A end", "B end", "transport NEs", box=None
    )
    # an id is copied into the next command: never cut or folded, however narrow the output
    t.columns[0].no_wrap = True
    t.columns[0].overflow = "ignore"
    t.columns[0].min_width = max((len(c) for c in inv.circuits), default=7)
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
