"""A NetBox holding the demo network (served over real HTTP by netbox_server.py).

The objects have the shapes of NetBox 4.x's REST API (netbox-community/netbox OpenAPI;
pynetbox's test fixtures): nested objects in their brief form (`id`, `url`, `display`,
`name`/`slug`/`cid`), cables' `a_terminations`/`b_terminations` as {object_type, object_id,
object}, circuit terminations on a site (`termination_type` dcim.site) cabled to the router's
WAN interface, every custom field of the object type present (null when unset).  A site name
the demo uses with two addresses becomes two NetBox sites (NetBox's names are unique), the
circuit's name for it kept in the termination's `diag_site`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from diag.inventory.importers.layout import snmp_cell
from diag.model.inventory import Circuit, CircuitEnd, Device, Inventory

PATHS = {
    "circuits": "circuits/circuits",
    "providers": "circuits/providers",
    "circuit_terminations": "circuits/circuit-terminations",
    "sites": "dcim/sites",
    "devices": "dcim/devices",
    "interfaces": "dcim/interfaces",
    "cables": "dcim/cables",
    "ip_addresses": "ipam/ip-addresses",
}
STAMP = "2026-12-01T10:00:00.000000Z"
DEVICE_CF: tuple[str, ...] = ("diag_role", "diag_ssh_port", "diag_console", "diag_username")
DEVICE_CF += ("diag_password", "diag_secret", "diag_snmp", "diag_owner", "diag_nms", "diag_ne_name")
DEVICE_CF += ("diag_region",)
TERM_CF: tuple[str, ...] = (
    "diag_site",
    "diag_cpe",
    "diag_cpe_port",
    "diag_cpe_line",
    "diag_cpe_boards",
)
TERM_CF += (
    "diag_interface",
    "diag_converter",
    "diag_service",
    "diag_contact",
    "diag_contact_phone",
)
CIRCUIT_CF = ("diag_service", "diag_bandwidth", "diag_transport", "diag_group", "diag_region")
CABLE_CF: tuple[str, ...] = (
    "diag_kind",
    "diag_launch_power_dbm",
    "diag_attenuation_db",
    "diag_overload_dbm",
)
CABLE_CF += ("diag_sensitivity_dbm",)
CABLE_TYPE = {"fiber": "smf", "e1-cable": "coaxial"}  # others: no type, diag_kind says


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", text.lower()).strip("-") or "x"


class NetBox:
    """The demo network as NetBox objects: `full[key]` the list views, `brief[key][id]`."""

    def __init__(self, base: str) -> None:
        self.api = base.rstrip("/") + "/api"
        self.full: dict[str, list[dict[str, Any]]] = {k: [] for k in PATHS}
        self.brief: dict[str, dict[int, dict[str, Any]]] = {k: {} for k in PATHS}
        self.named: dict[tuple[str, str], dict[str, Any]] = {}  # (kind, key) -> brief
        self.ports: dict[str, int] = defaultdict(int)

    def _add(self, key: str, full: dict[str, Any], brief_fields: dict[str, Any]) -> dict[str, Any]:
        oid = len(self.full[key]) + 1
        url = f"{self.api}/{PATHS[key]}/{oid}/"
        head = {"id": oid, "url": url, "display": brief_fields.pop("display")}
        brief = {**head, **brief_fields}
        self.full[key].append({**head, "display_url": url.replace("/api/", "/"), **full})
        self.brief[key][oid] = brief
        return brief

    def _named(self, kind: str, name: str, extra: dict[str, Any] | None = None) -> dict[str, Any]:
        """A brief organisational object (tenant, manufacturer, role...) made once per name."""
        if (kind, name) not in self.named:
            n = sum(1 for k, _ in self.named if k == kind) + 1
            self.named[(kind, name)] = {
                "id": n,
                "url": f"{self.api}/{kind}/{n}/",
                "display": name,
                "name": name,
                "slug": f"{slugify(name)}-{n}" if kind == "dcim/manufacturers" else slugify(name),
                "description": "",
                **(extra or {}),
            }
        return self.named[(kind, name)]

    def site(self, name: str, address: str) -> dict[str, Any]:
        key = ("site", f"{name}\n{address}")
        if key not in self.named:
            self.named[key] = self._add(
                "sites",
                {
                    "name": name,
                    "slug": slugify(name),
                    "status": {"value": "active", "label": "Active"},
                    "region": None,
                    "group": None,
                    "tenant": None,
                    "facility": "",
                    "time_zone": None,
                    "description": "",
                    "physical_address": address,
                    "shipping_address": "",
                    "latitude": None,
                    "longitude": None,
                    "comments": "",
                    "tags": [],
                    "custom_fields": {},
                    "created": STAMP,
                    "last_updated": STAMP,
                },
                {"display": name, "name": name, "slug": slugify(name), "description": ""},
            )
        return self.named[key]

    def interface(self, device: dict[str, Any], name: str) -> dict[str, Any]:
        return self._add(
            "interfaces",
            {
                "device": device,
                "module": None,
                "name": name,
                "label": "",
                "type": {"value": "other", "label": "Other"},
                "enabled": True,
                "mgmt_only": name == "mgmt0",
                "description": "",
                "mode": None,
                "cable": None,
                "cable_end": "",
                "mark_connected": False,
                "link_peers": [],
                "link_peers_type": None,
                "connected_endpoints": None,
                "tags": [],
                "custom_fields": {},
                "created": STAMP,
                "last_updated": STAMP,
                "_occupied": False,
            },
            {"display": name, "device": device, "name": name, "description": "", "cable": None},
        )

    def ip(self, address: str, iface: dict[str, Any]) -> dict[str, Any]:
        family = 6 if ":" in address else 4
        return self._add(
            "ip_addresses",
            {
                "family": {"value": family, "label": f"IPv{family}"},
                "address": address,
                "vrf": None,
                "tenant": None,
                "status": {"value": "active", "label": "Active"},
                "role": None,
                "assigned_object_type": "dcim.interface",
                "assigned_object_id": iface["id"],
                "assigned_object": iface,
                "nat_inside": None,
                "nat_outside": [],
                "dns_name": "",
                "description": "",
                "comments": "",
                "tags": [],
                "custom_fields": {},
                "created": STAMP,
                "last_updated": STAMP,
            },
            {
                "display": address,
                "family": {"value": family, "label": f"IPv{family}"},
                "address": address,
                "description": "",
            },
        )

    def cable(
        self,
        a: tuple[str, dict[str, Any]],
        b: tuple[str, dict[str, Any]],
        *,
        type_: str = "",
        label: str = "",
        cf: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        def side(t: tuple[str, dict[str, Any]]) -> list[dict[str, Any]]:
            return [{"object_type": t[0], "object_id": t[1]["id"], "object": t[1]}]

        brief = self._add(
            "cables",
            {
                "type": type_,
                "a_terminations": side(a),
                "b_terminations": side(b),
                "status": {"value": "connected", "label": "Connected"},
                "tenant": None,
                "label": label,
                "color": "",
                "length": None,
                "length_unit": None,
                "description": "",
                "comments": "",
                "tags": [],
                "custom_fields": {k: (cf or {}).get(k) for k in CABLE_CF},
                "created": STAMP,
                "last_updated": STAMP,
            },
            {"display": label or "#", "label": label, "description": ""},
        )
        for end, kind in ((a, "A"), (b, "B")):
            if end[0] == "dcim.interface":
                obj = self.full["interfaces"][end[1]["id"] - 1]
                obj.update(cable=brief, cable_end=kind, _occupied=True)
                self.brief["interfaces"][end[1]["id"]]["cable"] = brief
        return brief

    def next_port(self, device: str) -> str:
        self.ports[device] += 1
        return f"port-{self.ports[device]}"


def _device(nb: NetBox, d: Device) -> dict[str, Any]:
    site = nb.site("Lab", "")
    maker = nb._named("dcim/manufacturers", d.vendor)
    dtype = nb._named(
        "dcim/device-types",
        f"{d.vendor}/{d.model}",
        {"manufacturer": maker, "model": d.model or "", "display": d.model or ""},
    )
    dtype = {k: v for k, v in dtype.items() if k != "name"}
    platform = nb._named("dcim/platforms", d.device_type) if d.device_type else None
    cf: dict[str, Any] = dict.fromkeys(DEVICE_CF)
    cf.update(
        diag_ssh_port=d.mgmt.port if d.mgmt else None,
        diag_console=d.console,
        diag_username=d.login.username if d.login else None,
        diag_password=d.login.password if d.login else None,
        diag_secret=d.login.secret if d.login else None,
        diag_snmp=snmp_cell(d.snmp) if d.snmp else None,
        diag_owner=d.owner,
        diag_nms=d.nms,
        diag_ne_name=d.ne_name,
        diag_region=d.region,
    )
    full: dict[str, Any] = {
        "name": d.name,
        "device_type": dtype,
        "role": nb._named("dcim/device-roles", d.role.value),
        "tenant": None,
        "platform": platform,
        "serial": "",
        "asset_tag": None,
        "site": site,
        "location": None,
        "rack": None,
        "position": None,
        "face": None,
        "parent_device": None,
        "status": {"value": "active", "label": "Active"},
        "primary_ip": None,
        "primary_ip4": None,
        "primary_ip6": None,
        "oob_ip": None,
        "description": "",
        "comments": "",
        "config_template": None,
        "local_context_data": None,
        "tags": [],
        "custom_fields": cf,
        "created": STAMP,
        "last_updated": STAMP,
    }
    brief = nb._add("devices", full, {"display": d.name, "name": d.name, "description": ""})
    if d.mgmt:
        ip = nb.ip(f"{d.mgmt.address}/32", nb.interface(brief, "mgmt0"))
        full_obj = nb.full["devices"][brief["id"] - 1]
        full_obj["primary_ip"] = ip
        full_obj["primary_ip4" if ":" not in d.mgmt.address else "primary_ip6"] = ip
    return brief


def _termination(
    nb: NetBox, c: Circuit, cb: dict[str, Any], side: str, end: CircuitEnd, dup: set[str]
) -> dict[str, Any]:
    site_name = f"{end.site} ({end.address})" if end.site in dup else end.site
    site = nb.site(site_name, end.address or "")
    cf: dict[str, Any] = dict.fromkeys(TERM_CF)
    cf.update(
        diag_site=end.site if end.site in dup else None,
        diag_cpe=end.cpe,
        diag_cpe_port=end.cpe_port,
        diag_cpe_line=end.cpe_line,
        diag_cpe_boards=" ".join(end.cpe_boards) or None,
        diag_interface=end.interface.value,
        diag_converter=end.converter,
        diag_service=end.service.value if end.service else None,
        diag_contact=end.contact.name if end.contact else None,
        diag_contact_phone=end.contact.phone if end.contact else None,
    )
    full = {
        "circuit": cb,
        "term_side": side,
        "termination_type": "dcim.site",
        "termination_id": site["id"],
        "termination": site,
        "port_speed": None,
        "upstream_speed": None,
        "xconnect_id": "",
        "pp_info": "",
        "description": "",
        "mark_connected": False,
        "cable": None,
        "cable_end": "",
        "link_peers": [],
        "link_peers_type": None,
        "tags": [],
        "custom_fields": cf,
        "created": STAMP,
        "last_updated": STAMP,
        "_occupied": False,
    }
    return nb._add(
        "circuit_terminations",
        full,
        {
            "display": f"{c.id}: Termination {side}",
            "circuit": cb,
            "term_side": side,
            "description": "",
        },
    )


def build(inv: Inventory, base: str) -> NetBox:
    """The NetBox holding `inv`'s circuits and devices (served from `base`)."""
    nb = NetBox(base)
    devices = {name: _device(nb, d) for name, d in inv.devices.items()}
    addresses: dict[str, set[str | None]] = defaultdict(set)
    for c in inv.circuits.values():
        for e in (c.a, c.b):
            addresses[e.site].add(e.address)
    dup = {s for s, a in addresses.items() if len(a) > 1}
    provider = nb._named("circuits/providers", "Lab Carrier")
    provider_full = {k: v for k, v in provider.items() if k not in ("id", "url", "display")}
    nb._add(
        "providers",
        {
            **provider_full,
            "accounts": [],
            "asns": [],
            "comments": "",
            "tags": [],
            "custom_fields": {},
            "created": STAMP,
            "last_updated": STAMP,
        },
        {
            "display": provider["name"],
            "name": provider["name"],
            "slug": provider["slug"],
            "description": "",
        },
    )
    for c in inv.circuits.values():
        cf: dict[str, Any] = dict.fromkeys(CIRCUIT_CF)
        cf.update(
            diag_service=c.service.value,
            diag_bandwidth=c.bandwidth,
            diag_transport=[h.model_dump(mode="json", exclude_defaults=True) for h in c.transport],
            diag_group=c.group,
            diag_region=c.region,
        )
        full: dict[str, Any] = {
            "cid": c.id,
            "provider": provider,
            "provider_account": None,
            "type": nb._named(
                "circuits/circuit-types", c.service.value.upper(), {"slug": c.service.value}
            ),
            "status": {"value": "active", "label": "Active"},
            "tenant": nb._named("tenancy/tenants", c.customer),
            "install_date": None,
            "termination_date": None,
            "commit_rate": None,
            "description": "",
            "distance": None,
            "distance_unit": None,
            "comments": "",
            "tags": [],
            "custom_fields": cf,
            "created": STAMP,
            "last_updated": STAMP,
            "assignments": [],
        }
        cb = nb._add("circuits", full, {"display": c.id, "cid": c.id, "description": ""})
        circuit_obj = nb.full["circuits"][cb["id"] - 1]
        for side, end in (("A", c.a), ("Z", c.b)):
            tb = _termination(nb, c, cb, side, end, dup)
            circuit_obj[f"termination_{'a' if side == 'A' else 'z'}"] = tb
            if end.router and end.wan_interface:
                iface = nb.interface(devices[end.router], end.wan_interface)
                if end.wan_ip:
                    nb.ip(end.wan_ip, iface)
                cable = nb.cable(("circuits.circuittermination", tb), ("dcim.interface", iface))
                t_obj = nb.full["circuit_terminations"][tb["id"] - 1]
                t_obj.update(
                    cable=cable,
                    cable_end="A",
                    link_peers=[iface],
                    link_peers_type="dcim.interface",
                    _occupied=True,
                )
        for link in c.links:
            x, y = link.between
            ix = nb.interface(devices[x], nb.next_port(x))
            iy = nb.interface(devices[y], nb.next_port(y))
            kind = link.kind.value
            nb.cable(
                ("dcim.interface", ix),
                ("dcim.interface", iy),
                type_=CABLE_TYPE.get(kind, ""),
                label=link.label or "",
                cf={
                    "diag_kind": None if kind in CABLE_TYPE else kind,
                    "diag_launch_power_dbm": link.launch_power_dbm,
                    "diag_attenuation_db": link.attenuation_db,
                    "diag_overload_dbm": link.overload_dbm,
                    "diag_sensitivity_dbm": link.sensitivity_dbm,
                },
            )
    return nb
