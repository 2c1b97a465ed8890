"""The inventory: network managers, devices and circuits, as written in YAML.

Secrets are never stored here: every secret field holds a *reference* (`env:NAME`, `file:PATH`,
or `lab:NAME` for the built-in lab's published demo credentials) resolved only when a collector
connects (see diag.credentials).
"""

from __future__ import annotations

import ipaddress
import re
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SECRET_REF = re.compile(r"^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|lab:[a-z0-9-]+)$")
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _secret_ref(value: str | None) -> str | None:
    if value is None:
        return None
    if not SECRET_REF.match(value):
        raise ValueError(
            "holds a literal secret; write a reference instead: env:VARIABLE (read from the "
            "environment), file:/path/to/secret (a file readable only by its owner, mode 0600), "
            "or lab:NAME for the built-in lab"
        )
    return value


SecretRef = Annotated[str, Field(description="env:NAME | file:PATH | lab:NAME")]


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
    port: int | None = Field(
        None, ge=1, le=65535, description="for devices polled directly (default 161)"
    )
    timeout: float = Field(2.0, gt=0, le=60)
    retries: int = Field(1, ge=0, le=10)

    _check_refs = field_validator("community", "auth_key", "priv_key")(_secret_ref)

    @model_validator(mode="after")
    def _complete(self) -> SnmpSettings:
        if self.version is SnmpVersion.v2c and not self.community:
            raise ValueError("SNMP v2c needs 'community' (a reference such as env:NMS_COMMUNITY)")
        if self.version is SnmpVersion.v3 and not (self.user and self.auth_key and self.priv_key):
            raise ValueError("SNMP v3 (authPriv) needs 'user', 'auth_key' and 'priv_key'")
        return self


def _address(value: str) -> str:
    try:
        ipaddress.ip_address(value)
        return value
    except ValueError:
        pass
    if re.fullmatch(r"[\d.]+", value):
        raise ValueError(f"{value!r} is not a valid IPv4 address")
    if re.fullmatch(r"(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+", value):
        return value
    raise ValueError(f"{value!r} is neither an IP address nor a host name")


Address = Annotated[str, Field(min_length=1)]
Port = Annotated[int, Field(ge=1, le=65535)]


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

    _addr = field_validator("address")(_address)

    @field_validator("trap_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[^:\s]+:\d{1,5}", value):
            raise ValueError("write trap_listen as host:port, e.g. 0.0.0.0:16162")
        return value

    @model_validator(mode="after")
    def _imap(self) -> Nms:
        if self.driver == "huawei-imap" and not self.trap_listen:
            raise ValueError(
                "driver huawei-imap needs 'trap_listen' (host:port for the NMS's traps)"
            )
        return self


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

    @field_validator("console")
    @classmethod
    def _console(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if value.startswith("socket://"):
            if not re.fullmatch(r"socket://[^:/]+:\d{1,5}", value):
                raise ValueError("a console server is written socket://host:port")
            return value
        if not value.startswith("/"):
            raise ValueError("a serial console is an absolute device path or socket://host:port")
        return value

    @property
    def owned_by(self) -> str:
        if self.owner:
            return self.owner
        return "customer" if self.role in (Role.router, Role.switch) else "carrier"

    @model_validator(mode="after")
    def _by_role(self) -> Device:
        if self.role is Role.router and not self.device_type:
            raise ValueError("a router needs 'device_type' (netmiko name, e.g. cisco_ios, huawei)")
        if self.nms and not self.ne_name:
            raise ValueError("'nms' is set, so 'ne_name' (the NE's name in that NMS) is needed")
        if (self.mgmt or self.console) and self.role is Role.router and not self.login:
            raise ValueError("a router reached over SSH or console needs 'login'")
        return self


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
        if value is None:
            return value
        try:
            ipaddress.ip_interface(value)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not an IP address (with optional /prefix)") from exc
        return value


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

    @field_validator("bandwidth")
    @classmethod
    def _bw(cls, value: str) -> str:
        if not re.fullmatch(r"\d+(\.\d+)?\s*[kKmMgG](bit/s|bps|b)?", value):
            raise ValueError("write a bandwidth like 2M, 64k or 100M")
        return value


class Inventory(Strict):
    """The whole loaded inventory, cross-checked (see diag.inventory)."""

    nms: dict[str, Nms]
    devices: dict[str, Device]
    circuits: dict[str, Circuit]
    settings_default: dict[str, Any] = Field(default_factory=dict)
    settings_groups: dict[str, dict[str, Any]] = Field(default_factory=dict)
    sources: tuple[str, ...] = ()
