"""The inventory: network managers, devices and circuits, as written in YAML.

Secrets are never stored here: every secret field holds a *reference* (`env:NAME`, `file:PATH`,
or `lab:NAME` for the built-in lab's published demo credentials) resolved only when a collector
connects (see diag.credentials).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from diag.model import syntax

if TYPE_CHECKING:
    from diag.sweep.model import Selection

SECRET_REF = re.compile(r"(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|lab:[a-z0-9-]+)")
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Strict(_Frozen):
    """An inventory entry or part of one, as written in YAML."""

    @field_validator("*", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        """Every field: no yes/no where YAML was meant to read text or a number (`port: true`
        would otherwise be port 1), and no control characters in any text (diag.model.syntax)."""
        return _plain_value(value)


def _plain_value(value: Any) -> Any:
    """Strict._plain's check of one value (SweepSpec, with a true yes/no field, reuses it)."""
    kind = type(value)
    if kind is str:  # the common case first: every entry has many text fields
        if not value.isprintable() or len(value) > syntax.TEXT_MAX:
            syntax.no_control(value)
        return value
    if kind is bool:
        raise ValueError(
            f"YAML read this as a yes/no value ({str(value).lower()}); this field takes "
            "no true/false: write a number, or quote text"
        )
    if kind is not list and kind is not tuple:
        return value
    for item in value:
        if isinstance(item, bool):
            raise ValueError("a yes/no value (true/false) in a list of names or numbers")
        if isinstance(item, str):
            syntax.no_control(item)
    return value


def _secret_ref(value: str | None) -> str | None:
    if value is None:
        return None
    if not SECRET_REF.fullmatch(value):
        raise ValueError(
            "holds a literal secret; write a reference instead: env:VARIABLE (read from the "
            "environment), file:/path/to/secret (a file readable only by its owner, mode 0600), "
            "or lab:NAME for the built-in lab"
        )
    return value


SecretRef = Annotated[str, Field(description="env:NAME | file:PATH | lab:NAME")]
Address = Annotated[str, Field(min_length=1)]
# StrictInt: YAML `port: true` or `port: "22"` is refused, not read as 1 or 22.
Port = Annotated[StrictInt, Field(ge=1, le=65535)]


class SnmpVersion(StrEnum):
    v2c = "v2c"
    v3 = "v3"


class SnmpSettings(Strict):
    version: SnmpVersion = SnmpVersion.v2c
    community: SecretRef | None = None
    user: str | None = None
    auth_protocol: Literal["MD5", "SHA", "SHA224", "SHA256", "SHA384", "SHA512"] = "SHA"
    auth_key: SecretRef | None = None
    priv_protocol: Literal["DES", "3DES", "AES", "AES128", "AES192", "AES256"] = "AES"
    priv_key: SecretRef | None = None
    context: str = ""
    port: Port | None = Field(None, description="for devices polled directly (default 161)")
    timeout: float = Field(2.0, gt=0, le=60)
    retries: StrictInt = Field(1, ge=0, le=10)
    walk_max_rows: StrictInt = Field(
        50_000,
        ge=1,
        le=10_000_000,
        description="most rows one SNMP walk reads from one subtree (table column); more is "
        "reported as a walk cut short, never read on forever",
    )
    walk_timeout_s: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="longest one SNMP walk (all the columns of a table read side by side) may "
        "take; then it is reported as cut short",
    )

    _check_refs = field_validator("community", "auth_key", "priv_key")(_secret_ref)

    @model_validator(mode="after")
    def _complete(self) -> SnmpSettings:
        problems = snmp_rules(self.__dict__.get)
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def cleartext(self) -> bool:
        """v1/v2c: the community travels in clear text on the wire (anyone on the path reads
        it, and with it the NMS's alarms); v3 authPriv encrypts."""
        return self.version is SnmpVersion.v2c


Getter = Callable[[str], Any]


def snmp_rules(get: Getter) -> list[str]:
    """Fields `snmp` needs together (the raw mapping's `get`, or a validated model's)."""
    version = get("version") or "v2c"
    if version == "v2c" and not get("community"):
        return ["SNMP v2c needs 'community' (a reference such as env:NMS_COMMUNITY)"]
    if version == "v3" and not (get("user") and get("auth_key") and get("priv_key")):
        return ["SNMP v3 (authPriv) needs 'user', 'auth_key' and 'priv_key'"]
    return []


def _address(value: str) -> str:
    return syntax.host(value)


class Nms(Strict):
    """A network manager that exposes the transport network's alarms northbound."""

    name: str = Field(pattern=NAME)
    driver: Literal["alarm-mib", "huawei-imap"] = Field(
        description="northbound interface: alarm-mib (RFC 3877) or huawei-imap (iManager U2000/NCE)"
    )
    address: Address
    port: Port = 161
    snmp: SnmpSettings
    trap_listen: str | None = Field(
        None,
        description="huawei-imap: host:port where diag receives the NMS's traps (the NMS must "
        "have this address registered as a trap target)",
    )
    query_timeout_s: float = Field(
        30.0, gt=0, le=600, description="huawei-imap: wait this long for QueryEnd"
    )
    trap_sources: list[str] | None = Field(
        None,
        max_length=32,
        description="huawei-imap: the addresses the NMS sends its traps from (IP addresses, "
        "networks as addr/prefix, or host names); traps from anywhere else are refused and "
        "counted. Default: the NMS's own address",
    )
    query_reads: StrictInt = Field(
        2,
        ge=1,
        le=3,
        description="huawei-imap: how many times the active-alarm query is run; the reads must "
        "list the same alarms (the northbound announces no count, so a lost Query trap shows "
        "only as a difference between reads). 1: a single read, always reported partial",
    )
    region: str | None = Field(
        None,
        description="the region whose worker reaches this NMS (distributed sweeps); none: any "
        "region's worker may",
    )

    _addr = field_validator("address")(_address)

    @field_validator("trap_sources")
    @classmethod
    def _sources(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        if not value:
            raise ValueError(
                "trap_sources: empty (no trap could be accepted); leave it out to accept the "
                "NMS's own address"
            )
        for item in value:
            if "/" in item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    raise ValueError(f"trap_sources: {item!r} is not a network: {exc}") from exc
                continue
            try:
                syntax.host(item)
            except ValueError as exc:
                raise ValueError(f"trap_sources: {exc}") from exc
        return value

    @field_validator("trap_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                syntax.host_port(value, listen=True)
            except ValueError as exc:
                raise ValueError(f"trap_listen: {exc}") from exc
        return value

    @model_validator(mode="after")
    def _imap(self) -> Nms:
        problems = nms_rules(self.__dict__.get)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def nms_rules(get: Getter) -> list[str]:
    """Fields an NMS entry needs together (raw mapping or validated model)."""
    if get("driver") == "huawei-imap" and not get("trap_listen"):
        return ["driver huawei-imap needs 'trap_listen' (host:port for the NMS's traps)"]
    return []


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
        out.append("a router needs 'device_type' (netmiko name, e.g. cisco_ios, huawei)")
    if get("nms") and not get("ne_name"):
        out.append("'nms' is set, so 'ne_name' (the NE's name in that NMS) is needed")
    if (get("mgmt") or get("console")) and get("role") == "router" and not get("login"):
        out.append("a router reached over SSH or console needs 'login'")
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
            raise ValueError("write a bandwidth like 2M, 64k or 100M")
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
                raise ValueError("write true or false")
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
            raise ValueError("an empty name in the list")
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
        # parse_period speaks of the --every flag; here the text is the inventory's field
        raise ValueError(f"{every!r}: {str(exc).split(': ', 1)[-1]}") from None


class Inventory(_Frozen):
    """The whole loaded inventory, cross-checked (see diag.inventory)."""

    nms: dict[str, Nms]
    devices: dict[str, Device]
    circuits: dict[str, Circuit]
    settings_default: dict[str, Any] = Field(default_factory=dict)
    settings_groups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sweeps: dict[str, SweepSpec] = Field(default_factory=dict)
    sources: tuple[str, ...] = ()
