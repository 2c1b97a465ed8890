"""Write an inventory in the CSV layout (one row per circuit), the form `import csv` reads.

A device is described in full on the first row that names it; later rows give its name only.
Columns empty on every row are left out, except the core ones a new sheet needs (layout.CORE).
"""

from __future__ import annotations

from typing import Any

from diag.inventory.importers import layout as L
from diag.model.inventory import Circuit, CircuitEnd, Inventory


def _num(value: float | None) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else repr(value)


class _Rows:
    def __init__(self, inv: Inventory) -> None:
        self.inv = inv
        self.described: set[str] = set()

    def device(self, row: dict[str, str], position: str, name: str | None) -> None:
        if not name:
            return
        if name in self.described or name not in self.inv.devices:
            row[position] = name
            return
        self.described.add(name)
        for attr, value in L.device_cells(self.inv.devices[name]).items():
            row[L.col(position, attr)] = value

    def end(self, row: dict[str, str], e: str, end: CircuitEnd) -> None:
        row[f"{e}_site"] = end.site
        row[f"{e}_address"] = end.address or ""
        row[f"{e}_contact"] = end.contact.name if end.contact else ""
        row[f"{e}_contact_phone"] = (end.contact.phone or "") if end.contact else ""
        row[f"{e}_interface"] = end.interface.value
        row[f"{e}_service"] = end.service.value if end.service else ""
        row[f"{e}_wan_interface"] = end.wan_interface or ""
        row[f"{e}_wan_ip"] = end.wan_ip or ""
        row[f"{e}_cpe_port"] = end.cpe_port or ""
        row[f"{e}_cpe_line"] = end.cpe_line or ""
        row[f"{e}_cpe_boards"] = " ".join(end.cpe_boards)
        self.device(row, f"{e}_router", end.router)
        self.device(row, f"{e}_converter", end.converter)
        self.device(row, f"{e}_cpe", end.cpe)

    def circuit(self, c: Circuit) -> dict[str, str]:
        row = {
            "circuit_id": c.id,
            "customer": c.customer,
            "service": c.service.value,
            "bandwidth": c.bandwidth,
            "group": c.group or "",
            "region": c.region or "",
        }
        self.end(row, "a", c.a)
        self.end(row, "b", c.b)
        for n, hop in enumerate(c.transport, start=1):
            self.device(row, f"hop{n}", hop.ne)
            row[f"hop{n}_a_port"] = hop.a_port or ""
            row[f"hop{n}_b_port"] = hop.b_port or ""
            row[f"hop{n}_boards"] = " ".join(hop.boards)
        for n, link in enumerate(c.links, start=1):
            row[f"link{n}_from"], row[f"link{n}_to"] = link.between
            row[f"link{n}_kind"] = link.kind.value
            row[f"link{n}_label"] = link.label or ""
            for attr in L.LINK_FLOATS:
                row[f"link{n}_{attr}"] = _num(getattr(link, attr))
        return row


def to_rows(inv: Inventory) -> tuple[list[str], list[dict[str, str]]]:
    """The header and the rows of `inv` in the CSV layout."""
    maker = _Rows(inv)
    rows = [maker.circuit(c) for c in inv.circuits.values()]
    hops = max((len(c.transport) for c in inv.circuits.values()), default=0)
    links = max((len(c.links) for c in inv.circuits.values()), default=0)
    columns = L.fixed_columns()
    for n in range(1, hops + 1):
        columns += L.hop_columns(n)
    for n in range(1, links + 1):
        columns += L.link_columns(n)
    used = {k for row in rows for k, v in row.items() if v}
    header = [c for c in columns if c in used or c in L.CORE]
    return header, rows


def export_csv(inv: Inventory) -> str:
    """The inventory's circuits as CSV text (pandas writes it; quoting as spreadsheets expect)."""
    import pandas as pd

    header, rows = to_rows(inv)
    frame: Any = pd.DataFrame(rows, columns=header).fillna("")
    text: str = frame.to_csv(index=False, lineterminator="\n")
    return text
