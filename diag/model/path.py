"""A circuit flattened into one ordered chain, A-end LAN to B-end LAN, and fault segments on it."""

from __future__ import annotations

import ipaddress
import itertools
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from diag.model.inventory import (
    Circuit,
    CircuitEnd,
    Device,
    Interface,
    Inventory,
    LinkKind,
    LinkSpec,
)

Owner = Literal["carrier", "customer", "unknown"]
ElementKind = Literal[
    "lan", "router", "switch", "v35-converter", "ethernet-converter", "pdh", "sdh", "msap"
]


def lan_id(circuit_id: str, side: str) -> str:
    return f"{circuit_id}:lan-{side}"


class PathElement(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="device name, or <circuit>:lan-a / <circuit>:lan-b")
    kind: ElementKind
    label: str
    end: Literal["a", "b", "transport"]
    owner: Owner
    ne_name: str | None = Field(None, description="the NE's name in its NMS, for managed NEs")
    a_port: str | None = Field(None, description="port facing the A end")
    b_port: str | None = Field(None, description="port facing the B end")
    boards: tuple[str, ...] = Field((), description="boards carrying the circuit, besides ports'")


class PathLink(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="<from>~<to>")
    kind: LinkKind
    from_: str = Field(alias="from")
    to: str
    label: str
    owner: Owner
    launch_power_dbm: float | None = None
    attenuation_db: float | None = None
    overload_dbm: float | None = None
    sensitivity_dbm: float | None = None


class Segment(BaseModel):
    """A contiguous span of the path, first and last element ids; includes the links inside."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: str = Field(alias="from")
    to: str


class EndInfo(BaseModel):
    """What the rules need to know about one end besides its elements."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    site: str = ""
    interface: Interface
    router: str | None = None
    wan_interface: str | None = None
    wan_ip: str | None = Field(None, description="address without prefix")
    converter: str | None = None
    cpe: str
    cpe_owner: Owner = "carrier"


class CircuitPath(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    elements: list[PathElement]
    links: list[PathLink]
    a: EndInfo | None = None
    b: EndInfo | None = None

    def end(self, side: str) -> EndInfo:
        info = self.a if side == "a" else self.b
        assert info is not None, "path built without end info"
        return info

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {e.id: i for i, e in enumerate(self.elements)}

    def index(self, element_id: str) -> int:
        return self._positions[element_id]

    def element(self, element_id: str) -> PathElement:
        return self.elements[self.index(element_id)]

    def span(self, seg: Segment) -> tuple[list[PathElement], list[PathLink]]:
        i, j = sorted((self.index(seg.from_), self.index(seg.to)))
        return self.elements[i : j + 1], self.links[i:j]

    def owner_of(self, seg: Segment) -> Owner:
        i, j = self.index(seg.from_), self.index(seg.to)
        if i > j:
            i, j = j, i
        return self.elements[i].owner if self._same_owner_to[i] >= j else "unknown"

    @cached_property
    def _same_owner_to(self) -> list[int]:
        """For each position, the last position that the elements and links from it on share
        its element's owner (owner_of reads a span's owner from it)."""
        n = len(self.elements)
        reach = list(range(n))
        for i in range(n - 2, -1, -1):
            own = self.elements[i].owner
            if self.elements[i + 1].owner == own and (
                i >= len(self.links) or self.links[i].owner == own
            ):
                reach[i] = reach[i + 1]
        return reach


def _label(dev: Device) -> str:
    model = f" {dev.model}" if dev.model else ""
    return f"{dev.name} ({dev.role.value}, {dev.vendor}{model})"


def _default_link(a: PathElement, b: PathElement, iface: Interface) -> LinkKind:
    """The usual link between two neighbours when the inventory does not say."""
    kinds = {a.kind, b.kind}
    if "lan" in kinds:
        return LinkKind.lan
    if a.end == "transport" and b.end == "transport":
        return LinkKind.sdh_line
    if "router" in kinds:
        if "v35-converter" in kinds:
            return LinkKind.v35_cable
        if "ethernet-converter" in kinds:
            return LinkKind.ethernet
        return {
            Interface.ethernet: LinkKind.ethernet,
            Interface.v35_dte: LinkKind.v35_cable,
            Interface.v35_dce: LinkKind.v35_cable,
        }.get(iface, LinkKind.e1_cable)
    if kinds & {"v35-converter", "ethernet-converter"}:
        return LinkKind.e1_cable
    return LinkKind.fiber


def _link_owner(a: PathElement, b: PathElement) -> Owner:
    return a.owner if a.owner == b.owner else "unknown"


def build_path(circuit: Circuit, inv: Inventory) -> CircuitPath:
    """Flatten a (validated) circuit into its ordered chain of elements and links."""
    elements: list[PathElement] = []

    def dev_el(
        name: str,
        end: Literal["a", "b", "transport"],
        a_port: str | None = None,
        b_port: str | None = None,
        boards: list[str] | None = None,
    ) -> PathElement:
        dev = inv.devices[name]
        kind: ElementKind = dev.role.value
        return PathElement(
            id=name,
            kind=kind,
            label=_label(dev),
            end=end,
            owner=dev.owned_by,
            ne_name=dev.ne_name,
            a_port=a_port,
            b_port=b_port,
            boards=tuple(boards or ()),
        )

    a, b = circuit.a, circuit.b
    elements.append(
        PathElement(
            id=lan_id(circuit.id, "a"), kind="lan", label=f"LAN {a.site}", end="a", owner="customer"
        )
    )
    if a.router:
        elements.append(dev_el(a.router, "a", b_port=a.wan_interface))
    if a.converter:
        elements.append(dev_el(a.converter, "a"))
    elements.append(dev_el(a.cpe, "a", a.cpe_port, a.cpe_line, a.cpe_boards))
    for hop in circuit.transport:
        elements.append(dev_el(hop.ne, "transport", hop.a_port, hop.b_port, hop.boards))
    elements.append(dev_el(b.cpe, "b", b.cpe_line, b.cpe_port, b.cpe_boards))
    if b.converter:
        elements.append(dev_el(b.converter, "b"))
    if b.router:
        elements.append(dev_el(b.router, "b", a_port=b.wan_interface))
    elements.append(
        PathElement(
            id=lan_id(circuit.id, "b"), kind="lan", label=f"LAN {b.site}", end="b", owner="customer"
        )
    )

    specs: dict[frozenset[str], LinkSpec] = {frozenset(s.between): s for s in circuit.links}
    links: list[PathLink] = []
    for x, y in itertools.pairwise(elements):
        spec = specs.get(frozenset((x.id, y.id)))
        iface = b.interface if "b" in (x.end, y.end) else a.interface
        kind = spec.kind if spec else _default_link(x, y, iface)
        label = spec.label if spec and spec.label else kind.value
        links.append(
            PathLink.model_validate(
                {
                    "id": f"{x.id}~{y.id}",
                    "kind": kind,
                    "from": x.id,
                    "to": y.id,
                    "label": label,
                    "owner": _link_owner(x, y),
                    **(
                        {
                            k: getattr(spec, k)
                            for k in (
                                "launch_power_dbm",
                                "attenuation_db",
                                "overload_dbm",
                                "sensitivity_dbm",
                            )
                        }
                        if spec
                        else {}
                    ),
                }
            )
        )

    def info(end: CircuitEnd) -> EndInfo:
        ip = str(ipaddress.ip_interface(end.wan_ip).ip) if end.wan_ip else None
        return EndInfo(
            site=end.site,
            interface=end.interface,
            router=end.router,
            wan_interface=end.wan_interface,
            wan_ip=ip,
            converter=end.converter,
            cpe=end.cpe,
            cpe_owner=inv.devices[end.cpe].owned_by,
        )

    return CircuitPath(elements=elements, links=links, a=info(a), b=info(b))
