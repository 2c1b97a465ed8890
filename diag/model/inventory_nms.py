"""The inventory's network managers: `Nms` and its SNMP settings, and the rules on fields that
go together (shared with the raw-YAML checks of diag.inventory).
"""

from __future__ import annotations

import ipaddress
from enum import StrEnum
from typing import Literal

from pydantic import Field, StrictInt, field_validator, model_validator

from diag.i18n import tr
from diag.model import syntax
from diag.model.strict import NAME, Address, Getter, Port, SecretRef, Strict, _address, _secret_ref


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


def snmp_rules(get: Getter) -> list[str]:
    """Fields `snmp` needs together (the raw mapping's `get`, or a validated model's)."""
    version = get("version") or "v2c"
    if version == "v2c" and not get("community"):
        return [tr("SNMP v2c needs 'community' (a reference such as env:NMS_COMMUNITY)")]
    if version == "v3" and not (get("user") and get("auth_key") and get("priv_key")):
        return [tr("SNMP v3 (authPriv) needs 'user', 'auth_key' and 'priv_key'")]
    return []


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
                tr(
                    "trap_sources: empty (no trap could be accepted); leave it out to accept the "
                    "NMS's own address"
                )
            )
        for item in value:
            if "/" in item:
                try:
                    ipaddress.ip_network(item, strict=False)
                except ValueError as exc:
                    # exc: Python's ipaddress text, left as it says it
                    raise ValueError(
                        tr(
                            "trap_sources: {item} is not a network: {error}",
                            item=repr(item),
                            error=exc,
                        )
                    ) from exc
                continue
            try:
                syntax.host(item)
            except ValueError as exc:
                raise ValueError(tr("trap_sources: {problem}", problem=exc)) from exc
        return value

    @field_validator("trap_listen")
    @classmethod
    def _listen(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                syntax.host_port(value, listen=True)
            except ValueError as exc:
                raise ValueError(tr("trap_listen: {problem}", problem=exc)) from exc
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
        return [tr("driver huawei-imap needs 'trap_listen' (host:port for the NMS's traps)")]
    return []
