"""The inventory: network managers, devices and circuits, as written in YAML.

Secrets are never stored here: every secret field holds a *reference* (`env:NAME`, `file:PATH`,
or `lab:NAME` for the built-in lab's published demo credentials) resolved only when a collector
connects (see diag.credentials).

The models' base and shared field types are in diag.model.strict, the network managers (Nms,
SnmpSettings) in diag.model.inventory_nms; this module re-exports them.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from diag.i18n import tr
from diag.model import syntax
from diag.model.inventory_nms import Nms, SnmpSettings, SnmpVersion, nms_rules, snmp_rules
from diag.model.strict import (
    NAME,
    SECRET_REF,
    Address,
    Getter,
    Port,
    SecretRef,
    Strict,
    _address,
    _Frozen,
    _plain_value,
    _secret_ref,
)

if TYPE_CHECKING:
    from diag.sweep.model import Selection


class Role(StrEnum):
    router = "router"
    pdh = "pdh"
    sdh = "sdh"
    msap = "msap"
    v35_converter = "v35-converter"
    ethernet_converter = "ethernet-converter"
    switch = "switch"


TRANSMISSION_ROLES = {Role.pdh, Role.sdh, Role.msap}
CONVERTER_ROLES = {Role.v35_converter, Role.ethernet_converter}


class Mgmt(Strict):
    address: Address
    port: Port = 22

    _addr = field_validator("address")(_address)


class Login(Strict):
    username: str = Field(min_length=1)
    password: SecretRef
    secret: SecretRef | None = Field(None, description="enable secret, if any")

    _check_refs = field_validator("password", "secret")(_secret_ref)
    # typed at a console's Username: prompt
    _user = field_validator("username")(syntax.username)


class Device(Strict):
    name: str = Field(pattern=NAME)
    role: Role
    vendor: str = Field(min_length=1)
    model: str | None = None
    device_type: str | None = Field(None, description="netmiko device_type, for routers")
    mgmt: Mgmt | None = None
    console: str | None = Field(
        None, description="serial device path, or socket://host:port of a console server"
    )
    login: Login | None = None
    snmp: SnmpSettings | None = None
    owner: Literal["carrier", "customer"] | None = Field(
        None, description="who owns it; default: routers and switches customer, the rest carrier"
    )
    nms: str | None = Field(None, description="the NMS that manages this network element")
    ne_name: str | None = Field(None, description="the NE's name in that NMS")
    region: str | None = Field(
        None,
        description="the NOC region whose worker reaches this device (distributed sweeps); "
        "none: the region of the circuit that uses it",
    )

    @field_validator("console")
    @classmethod
    def _console(cls, value: str | None) -> str | None:
        return None if value is None else syntax.console(value)

    @property
    def owned_by(self) -> str:
        if self.owner:
            return self.owner
        return "customer" if self.role in (Role.router, Role.switch) else "carrier"

    @model_validator(mode="after")
    def _by_role(self) -> Device:
        problems = device_rules(self.__dict__.get)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def device_rules(get: Getter) -> list[str]:
    """Fields a device entry needs together, by role (raw mapping or validated model).

    The loader also runs these on an entry whose fields have errors (pydantic runs a model's
    own checks only once every field is valid), so every problem of an entry shows at once.
    """
    out = []
    if get("role") == "router" and not get("device_type"):
        out.append(tr("a router needs 'device_type' (netmiko name, e.g. cisco_ios, huawei)"))
    if get("nms") and not get("ne_name"):
        out.append(tr("'nms' is set, so 'ne_name' (the NE's name in that NMS) is needed"))
    if (get("mgmt") or get("console")) and get("role") == "router" and not get("login"):
        out.append(tr("a router reached over SSH or console needs 'login'"))
    return out


class Interface(StrEnum):
    e1_75 = "e1-75"
    e1_120 = "e1-120"
    v35_dte = "v35-dte"
    v35_dce = "v35-dce"
    ethernet = "ethernet"
    pos = "pos"


class Service(StrEnum):
    e1 = "e1"
    v35 = "v35"
    ethernet = "ethernet"
    pos = "pos"


class Contact(Strict):
    name: str
    phone: str | None = None


class CircuitEnd(Strict):
    site: str
    address: str | None = None
    contact: Contact | None = None
    router: str | None = Field(None, description="device name of the customer router")
    wan_interface: str | None = None
    wan_ip: str | None = None
    cpe: str = Field(description="customer-premises transmission equipment (device name)")
    cpe_port: str | None = Field(
        None, description="the CPE's customer-side port (E1/V.35/Ethernet)"
    )
    cpe_line: str | None = Field(
        None,
        description="the CPE's network-side (line/optical) port towards the carrier; alarms "
        "there count against the circuit",
    )
    cpe_boards: list[str] = Field(
        default_factory=list,
        description="boards of the CPE carrying the circuit, besides those its ports name",
    )
    interface: Interface
    converter: str | None = Field(None, description="device name of a V.35/Ethernet converter")
    service: Service | None = Field(None, description="this end's service when ends differ")

    @field_validator("wan_ip")
    @classmethod
    def _ip(cls, value: str | None) -> str | None:
        # the far end's address is typed into the router's ping command line
        return None if value is None else syntax.ip_interface(value)

    @field_validator("wan_interface")
    @classmethod
    def _wan(cls, value: str | None) -> str | None:
        # typed into show/clear commands on the router
        return None if value is None else syntax.interface_name(value)


class Hop(Strict):
    """One transport network element on the circuit and where the circuit sits on it."""

    ne: str = Field(description="device name")
    a_port: str | None = Field(None, description="port/tributary facing the A end")
    b_port: str | None = Field(None, description="port/tributary facing the B end")
    boards: list[str] = Field(
        default_factory=list,
        description="boards carrying the circuit at this NE besides those its ports name "
        "(slot-board, e.g. 2-PQ1); board alarms there count against the circuit",
    )


class LinkKind(StrEnum):
    fiber = "fiber"
    e1_cable = "e1-cable"
    ddf_jumper = "ddf-jumper"
    v35_cable = "v35-cable"
    ethernet = "ethernet"
    lan = "lan"
    sdh_line = "sdh-line"


class LinkSpec(Strict):
    between: tuple[str, str]
    kind: LinkKind
    label: str | None = None
    launch_power_dbm: float | None = None
    attenuation_db: float | None = Field(None, ge=0)
    overload_dbm: float | None = None
    sensitivity_dbm: float | None = None


class Circuit(Strict):
    id: str = Field(pattern=NAME)
    customer: str
    service: Service
    bandwidth: str = Field(description="e.g. 2M, 64k, 10M")
    a: CircuitEnd
    b: CircuitEnd
    transport: list[Hop] = Field(default_factory=list)
    links: list[LinkSpec] = Field(default_factory=list)
    group: str | None = None
    region: str | None = Field(
        None, description="the NOC region the circuit belongs to (sweep selection, reports)"
    )

    @field_validator("bandwidth")
    @classmethod
    def _bw(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[kKmMgG](bit/s|bps|b)?", value):
            raise ValueError(tr("write a bandwidth like 2M, 64k or 100M"))
        return value


class SweepSpec(Strict):
    """A scheduled sweep (`sweeps: {<name>: {...}}`): how often, and which circuits.

    The criteria are those of `diag sweep`, ANDed; none given: every circuit.
    """

    every: str = Field(description="period: 15m, 30s, 1h, 1h30m, or seconds (900)")
    circuits: list[str] = Field(default_factory=list, description="circuit ids or globs")
    groups: list[str] = Field(default_factory=list, description="circuit groups (exact names)")
    regions: list[str] = Field(
        default_factory=list, description="the circuits of these regions (exact names)"
    )
    nms: list[str] = Field(
        default_factory=list, description="circuits with an element managed by these NMSs"
    )
    customers: list[str] = Field(default_factory=list, description="customer names or globs")
    enabled: bool = Field(True, description="false: kept in the inventory, never scheduled")

    @field_validator("*", mode="before")
    @classmethod
    def _plain(cls, value: Any, info: ValidationInfo) -> Any:  # type: ignore[override]
        # Overrides Strict._plain (same name: pydantic then runs this one alone), whose check
        # refuses every yes/no value; `enabled` is the one true yes/no field. pydantic passes
        # `info` only to a validator that requires it, hence the narrower signature.
        field = info.field_name
        if field == "enabled":
            if type(value) is not bool:
                raise ValueError(tr("write true or false"))
            return value
        if field == "every" and type(value) in (int, float):
            return str(value)  # `every: 900`: seconds
        return _plain_value(value)

    @field_validator("every")
    @classmethod
    def _period(cls, value: str) -> str:
        _seconds(value)
        return value

    @field_validator("circuits", "groups", "regions", "nms", "customers")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        if any(not item.strip() for item in value):
            raise ValueError(tr("an empty name in the list"))
        return value

    @property
    def every_s(self) -> float:
        """The period in seconds."""
        return _seconds(self.every)

    def selection(self, inv: Inventory) -> Selection:
        """The circuits this sweep runs now (diag.sweep.select.select; UsageError when a name
        is unknown or nothing matches)."""
        from diag.sweep.select import select

        return select(
            inv,
            ids=self.circuits,
            groups=self.groups,
            regions=self.regions,
            nms=self.nms,
            customers=self.customers,
        )


def _seconds(every: str) -> float:
    from diag.errors import UsageError
    from diag.sweep.schedule import parse_period

    try:
        return parse_period(every)
    except UsageError as exc:
        # parse_period speaks of the --every flag; here the text is the inventory's field.  Its
        # message (in the reader's language) starts with `--every '<value>'` and a colon.
        msg, flag = str(exc), f"--every {every!r}"
        rest = msg[len(flag) :].lstrip(":：").lstrip() if msg.startswith(flag) else msg
        raise ValueError(tr("{value}: {problem}", value=repr(every), problem=rest)) from None


class Inventory(_Frozen):
    """The whole loaded inventory, cross-checked (see diag.inventory)."""

    nms: dict[str, Nms]
    devices: dict[str, Device]
    circuits: dict[str, Circuit]
    settings_default: dict[str, Any] = Field(default_factory=dict)
    settings_groups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sweeps: dict[str, SweepSpec] = Field(default_factory=dict)
    sources: tuple[str, ...] = ()


__all__ = [
    "CONVERTER_ROLES",
    "NAME",
    "SECRET_REF",
    "TRANSMISSION_ROLES",
    "Circuit",
    "CircuitEnd",
    "Contact",
    "Device",
    "Getter",
    "Hop",
    "Interface",
    "Inventory",
    "LinkKind",
    "LinkSpec",
    "Login",
    "Mgmt",
    "Nms",
    "Role",
    "Service",
    "SnmpSettings",
    "SnmpVersion",
    "Strict",
    "SweepSpec",
    "device_rules",
    "nms_rules",
    "snmp_rules",
]
