"""Which region's worker reaches what: a device's own `region`, else its circuit's.

Distributed sweeps (diag.distributed) send each circuit to its region's queue; a circuit whose
devices resolve to several regions crosses regions.
"""

from __future__ import annotations

from diag.model.inventory import Circuit, Inventory


def device_region(inv: Inventory, device_name: str, circuit: Circuit) -> str | None:
    """The region whose worker reaches a device of `circuit`: the device's own `region`, else
    the circuit's (None: neither says)."""
    device = inv.devices.get(device_name)
    if device is not None and device.region:
        return device.region
    return circuit.region


def circuit_devices(circuit: Circuit) -> list[str]:
    """The devices on a circuit's path, A to B (routers, converters, CPEs, transport NEs)."""
    a, b = circuit.a, circuit.b
    names = [a.router, a.converter, a.cpe, *(h.ne for h in circuit.transport)]
    names += [b.cpe, b.converter, b.router]
    return [n for n in names if n]


def circuit_regions(inv: Inventory, circuit: Circuit) -> list[str]:
    """Every region the devices of `circuit` resolve to (device_region), sorted: more than one
    when the circuit crosses regions."""
    found = {device_region(inv, d, circuit) for d in circuit_devices(circuit)}
    return sorted(r for r in found if r)
