"""NetBox's model mapped to diag's (docs/import.md has the table and the custom fields).

A circuit (cid, tenant -> customer, type or `diag_service`, commit rate or `diag_bandwidth`,
`diag_transport` hops) has terminations A and Z: the site, and through the termination's cable
the customer router's WAN interface (its IP from ipam/ip-addresses).  The CPE, converter and
port details NetBox has no field for come from the termination's `diag_*` custom fields.  A
cable between two neighbours of the path is the circuit's link between them.  A device maps
name, role (or `diag_role`), manufacturer -> vendor, device type -> model, platform slug ->
netmiko device_type, primary IP -> management address, and `diag_*` custom fields.  Only the
devices the circuits use are imported.
"""

from __future__ import annotations

import itertools
import json
from typing import Any

from pydantic import ValidationError

from diag.i18n import tr
from diag.inventory.importers.layout import parse_snmp, split_list
from diag.inventory.importers.netbox import NetBoxData
from diag.inventory.importers.netbox_models import (
    Brief,
    Generic,
    NbCable,
    NbCircuit,
    NbDevice,
    NbInterface,
    NbIp,
    NbSite,
    NbTermination,
    Obj,
)
from diag.inventory.importers.result import Imported, pydantic_problems, router_vendor
from diag.model.inventory import Circuit, Device, LinkKind, Role, Service

# diag field -> the NetBox field it came from, for the messages
_CIRCUIT_FIELD = {
    "id": "cid",
    "customer": "tenant",
    "service": "custom_fields.diag_service",
    "bandwidth": "custom_fields.diag_bandwidth",
    "transport": "custom_fields.diag_transport",
    "group": "custom_fields.diag_group",
    "region": "custom_fields.diag_region",
}
_END_FIELD = {
    "site": "termination",
    "address": "termination (site physical_address)",
    "router": "cable",
    "wan_interface": "cable",
    "wan_ip": "ipam ip-address of the cabled interface",
}
_DEVICE_FIELD = {
    "name": "name",
    "role": "role",
    "vendor": "device_type.manufacturer",
    "model": "device_type.model",
    "device_type": "platform",
    "mgmt": "primary_ip",
}
_CABLE_KIND = {"smf": "fiber", "mmf": "fiber", "coaxial": "e1-cable", "cat": "ethernet"}
_SERVICES = {s.value for s in Service}
_ROLES = {r.value for r in Role}


def _cf(obj: Any, name: str) -> Any:
    value = obj.custom_fields.get(name)
    return None if value in (None, "") else value


class Mapper:
    def __init__(self, data: NetBoxData, providers: tuple[str, ...] = ()) -> None:
        self.data = data
        self.providers = providers
        self.out = Imported()

    def _parse(self, key: str, kind: str, model: type[Obj]) -> dict[int, Any]:
        found: dict[int, Any] = {}
        for raw in self.data.of(key):
            try:
                obj = model.model_validate(raw)
            except ValidationError as exc:
                name = raw.get("name") or raw.get("cid") or raw.get("display") or ""
                where = f"{kind} {raw.get('id', '?')} ({name})"
                for loc, msg in pydantic_problems(exc):
                    self.out.drop(where, ".".join(str(p) for p in loc) or kind, msg)
                continue
            found[int(raw["id"])] = obj
        return found

    def run(self) -> Imported:
        self.sites: dict[int, NbSite] = self._parse("sites", "dcim.site", NbSite)
        self.devices: dict[int, NbDevice] = self._parse("devices", "dcim.device", NbDevice)
        self.ifaces: dict[int, NbInterface] = self._parse(
            "interfaces", "dcim.interface", NbInterface
        )
        self.cables: dict[int, NbCable] = self._parse("cables", "dcim.cable", NbCable)
        ips: dict[int, NbIp] = self._parse("ip_addresses", "ipam.ipaddress", NbIp)
        circuits: dict[int, NbCircuit] = self._parse("circuits", "circuits.circuit", NbCircuit)
        terms: dict[int, NbTermination] = self._parse(
            "circuit_terminations", "circuits.circuittermination", NbTermination
        )
        known: dict[int, Brief] = self._parse("providers", "circuits.provider", Brief)
        if self.providers:
            circuits = self._of_providers(circuits, known)
        self.by_name = {d.name: d for d in self.devices.values() if d.name}
        self.ip_of: dict[int, str] = {}
        for ip in sorted(ips.values(), key=lambda i: i.id):
            if ip.assigned_object_type == "dcim.interface" and ip.assigned_object_id is not None:
                self.ip_of.setdefault(ip.assigned_object_id, ip.address)
        self.links = self._cable_pairs()
        self.ends: dict[tuple[int, str], NbTermination] = {}
        for t in terms.values():
            self.ends[(t.circuit.id, t.term_side)] = t
        self.bad: set[str] = set()
        for c in circuits.values():
            self._circuit(c)
        return self.out

    def _of_providers(
        self, circuits: dict[int, NbCircuit], known: dict[int, Brief]
    ) -> dict[int, NbCircuit]:
        """The circuits of the providers asked for (by name or slug); UsageError for a name
        NetBox does not have (a typo would otherwise import nothing, silently)."""
        from diag.errors import UsageError

        names = {n for p in known.values() for n in (p.name, p.slug) if n}
        unknown = [p for p in self.providers if p not in names]
        if unknown:
            raise UsageError(
                tr(
                    "no provider {provider} in NetBox; it has: {known}",
                    provider=unknown[0],
                    known=", ".join(sorted(p.name or p.display for p in known.values())),
                )
            )
        wanted = set(self.providers)
        return {
            i: c
            for i, c in circuits.items()
            if wanted & {c.provider.name, c.provider.slug, c.provider.display}
        }

    # ------------------------------------------------------------------ devices

    def _device(self, name: str) -> bool:
        """Import the device `name` once; False if it cannot be."""
        if name in self.out.devices:
            return True
        if name in self.bad:
            return False
        d = self.by_name.get(name)
        if d is None:
            return False
        where = f"dcim.device {d.id} ({name})"
        role_ref = d.role or d.device_role
        role = _cf(d, "diag_role") or (role_ref.slug if role_ref else None)
        raw: dict[str, Any] = {
            "name": name,
            "role": role if role in _ROLES else None,
            "vendor": d.device_type.manufacturer.name or d.device_type.manufacturer.display,
            "model": d.device_type.model,
        }
        problems: list[tuple[str, str]] = []
        if raw["role"] is None:
            problems.append(
                (
                    "role",
                    tr("role {role!r} is not a diag role; set custom field diag_role", role=role),
                )
            )
        if d.platform is not None:
            raw["device_type"] = d.platform.slug
        if d.primary_ip is not None:
            raw["mgmt"] = {"address": d.primary_ip.address.split("/")[0]}
            port = _cf(d, "diag_ssh_port")
            if port is not None:
                raw["mgmt"]["port"] = port
        for f in ("console", "owner", "nms", "ne_name", "region"):
            if _cf(d, f"diag_{f}") is not None:
                raw[f] = _cf(d, f"diag_{f}")
        login = {k: _cf(d, f"diag_{k}") for k in ("username", "password", "secret")}
        if any(v is not None for v in login.values()):
            raw["login"] = {k: v for k, v in login.items() if v is not None}
        if _cf(d, "diag_snmp") is not None:
            try:
                raw["snmp"] = parse_snmp(str(_cf(d, "diag_snmp")))
            except ValueError as exc:
                problems.append(("snmp", str(exc)))
        if not problems and raw["role"] == Role.router.value:
            problems = router_vendor(raw)
        if not problems:
            try:
                self.out.devices[name] = Device(**raw)
                return True
            except ValidationError as exc:
                problems = [(str(loc[0]) if loc else "", m) for loc, m in pydantic_problems(exc)]
        for f, msg in problems:
            self.out.drop(where, _DEVICE_FIELD.get(f, f"custom_fields.diag_{f}"), msg)
        self.bad.add(name)
        return False

    # ------------------------------------------------------------------ cables

    def _iface_of(self, terms: list[Generic]) -> NbInterface | None:
        for t in terms:
            if t.object_type == "dcim.interface" and t.object_id in self.ifaces:
                return self.ifaces[t.object_id]
        return None

    def _cable_pairs(self) -> dict[frozenset[str], NbCable]:
        out: dict[frozenset[str], NbCable] = {}
        for cable in self.cables.values():
            a, b = self._iface_of(cable.a_terminations), self._iface_of(cable.b_terminations)
            if a and b and a.device.name and b.device.name:
                out.setdefault(frozenset((a.device.name, b.device.name)), cable)
        return out

    def _cabled_iface(self, t: NbTermination) -> NbInterface | None:
        """The interface at the other end of the termination's cable."""
        if t.cable is None or t.cable.id not in self.cables:
            return None
        cable = self.cables[t.cable.id]
        for near, far in (
            (cable.a_terminations, cable.b_terminations),
            (cable.b_terminations, cable.a_terminations),
        ):
            if any(
                g.object_type == "circuits.circuittermination" and g.object_id == t.id for g in near
            ):
                return self._iface_of(far)
        return None

    def _link(
        self, pair: tuple[str, str]
    ) -> tuple[dict[str, Any] | None, list[tuple[str, str, str]]]:
        cable = self.links.get(frozenset(pair))
        if cable is None:
            return None, []
        where = f"dcim.cable {cable.id} ({cable.label or pair[0] + ' - ' + pair[1]})"
        kind = _cf(cable, "diag_kind")
        if kind is None:
            kind = next(
                (k for p, k in _CABLE_KIND.items() if (cable.type or "").startswith(p)), None
            )
        if kind not in {k.value for k in LinkKind}:
            return None, [
                (
                    where,
                    "custom_fields.diag_kind",
                    tr(
                        "cable type {type!r}: set custom field diag_kind (fiber, e1-cable, ddf-jumper, v35-cable, ethernet, lan, sdh-line)",
                        type=cable.type or "",
                    ),
                )
            ]
        link: dict[str, Any] = {"between": pair, "kind": kind}
        if cable.label:
            link["label"] = cable.label
        for f in ("launch_power_dbm", "attenuation_db", "overload_dbm", "sensitivity_dbm"):
            if _cf(cable, f"diag_{f}") is not None:
                link[f] = _cf(cable, f"diag_{f}")
        return link, []

    # ------------------------------------------------------------------ circuits

    def _end(self, c: NbCircuit, side: str, problems: list[tuple[str, str, str]]) -> dict[str, Any]:
        t = self.ends.get((c.id, side))
        if t is None:
            problems.append(
                (
                    f"circuits.circuit {c.id} ({c.cid})",
                    f"termination_{side.lower()}",
                    tr("no termination {side}", side=side),
                )
            )
            return {}
        where = f"circuits.circuittermination {t.id} ({c.cid} {side})"
        end: dict[str, Any] = {}
        site_id = (
            t.termination_id
            if t.termination_type == "dcim.site"
            else (t.site.id if t.site else None)
        )
        site = self.sites.get(site_id) if site_id is not None else None
        if site is None:
            problems.append(
                (where, "termination", tr("not a site diag can read (termination_type dcim.site)"))
            )
        else:
            # NetBox's site names are unique; the name a circuit's end goes by may not be
            end["site"] = _cf(t, "diag_site") or site.name
            address = ", ".join(p.strip() for p in site.physical_address.splitlines() if p.strip())
            if address:
                end["address"] = address
        iface = self._cabled_iface(t)
        if iface is not None:
            end["router"] = iface.device.name
            end["wan_interface"] = iface.name
            if iface.id in self.ip_of:
                end["wan_ip"] = self.ip_of[iface.id]
        for f in ("cpe", "cpe_port", "cpe_line", "interface", "converter", "service"):
            if _cf(t, f"diag_{f}") is not None:
                end[f] = _cf(t, f"diag_{f}")
        if _cf(t, "diag_cpe_boards") is not None:
            end["cpe_boards"] = split_list(str(_cf(t, "diag_cpe_boards")))
        if _cf(t, "diag_contact") is not None:
            end["contact"] = {"name": _cf(t, "diag_contact")}
            if _cf(t, "diag_contact_phone") is not None:
                end["contact"]["phone"] = _cf(t, "diag_contact_phone")
        end["_where"] = where
        return end

    def _circuit(self, c: NbCircuit) -> None:
        where = f"circuits.circuit {c.id} ({c.cid})"
        problems: list[tuple[str, str, str]] = []
        raw: dict[str, Any] = {"id": c.cid}
        if c.tenant is not None:
            raw["customer"] = c.tenant.name or c.tenant.display
        service = _cf(c, "diag_service") or c.type.slug
        if service in _SERVICES:
            raw["service"] = service
        bandwidth = _cf(c, "diag_bandwidth")
        if bandwidth is None and c.commit_rate:
            rate = c.commit_rate  # NetBox keeps it in kbit/s
            bandwidth = f"{rate // 1000}M" if rate % 1000 == 0 else f"{rate}k"
        if bandwidth is not None:
            raw["bandwidth"] = str(bandwidth)
        for f in ("group", "region"):
            if _cf(c, f"diag_{f}") is not None:
                raw[f] = _cf(c, f"diag_{f}")
        hops = _cf(c, "diag_transport") or []
        if isinstance(hops, str):
            try:
                hops = json.loads(hops)
            except json.JSONDecodeError as exc:
                problems.append(
                    (
                        where,
                        "custom_fields.diag_transport",
                        tr("not JSON: {reason}", reason=exc.msg),
                    )
                )
                hops = []
        raw["transport"] = hops
        ends = {e: self._end(c, side, problems) for e, side in (("a", "A"), ("b", "Z"))}
        wheres = {e: ends[e].pop("_where", where) for e in ends}
        raw.update(ends)
        if not problems:
            try:
                circuit = Circuit(**raw)
            except ValidationError as exc:
                for loc, msg in pydantic_problems(exc):
                    head = str(loc[0]) if loc else "id"
                    if head in ("a", "b") and len(loc) > 1:
                        sub = str(loc[1])
                        problems.append(
                            (wheres[head], _END_FIELD.get(sub, f"custom_fields.diag_{sub}"), msg)
                        )
                    else:
                        problems.append((where, _CIRCUIT_FIELD.get(head, head), msg))
            else:
                problems += self._finish(circuit, where)
        for w, f, msg in problems:
            self.out.drop(w, f, msg)

    def _finish(self, c: Circuit, where: str) -> list[tuple[str, str, str]]:
        """Import the circuit's devices and links; problems if any cannot be."""
        chain = [
            n
            for n in (
                c.a.router,
                c.a.converter,
                c.a.cpe,
                *(h.ne for h in c.transport),
                c.b.cpe,
                c.b.converter,
                c.b.router,
            )
            if n
        ]
        missing = [n for n in chain if not self._device(n)]
        if missing:
            unknown = [n for n in missing if n not in self.by_name]
            why = (
                tr("device {device} is not in NetBox", device=unknown[0])
                if unknown
                else tr("device {device} could not be mapped (listed above)", device=missing[0])
            )
            return [(where, "cid", tr("circuit not imported: {why}", why=why))]
        links, problems = [], []
        for pair in itertools.pairwise(chain):
            link, found = self._link(pair)
            problems += found
            if link is not None:
                links.append(link)
        if problems:
            return problems
        self.out.circuits[c.id] = Circuit(**{**c.model_dump(exclude={"links"}), "links": links})
        return []
