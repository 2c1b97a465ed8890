"""SNMP access shared by the collectors (pysnmp 7, asyncio)."""

from diag.collectors.snmp.client import (
    SnmpClient,
    SnmpTarget,
    SnmpValue,
    decode_date_and_time,
    encode_date_and_time,
    oid_str,
    parse_oid,
)

__all__ = [
    "SnmpClient",
    "SnmpTarget",
    "SnmpValue",
    "decode_date_and_time",
    "encode_date_and_time",
    "oid_str",
    "parse_oid",
]
