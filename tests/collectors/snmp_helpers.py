"""SNMP settings shared by the lab-agent collector tests (test_snmp_ne.py, test_snmp_router.py),
imported as a plain module like tests/lab/router_helpers.py."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from diag.model.inventory import SnmpSettings

Run = Callable[[Awaitable[Any]], Any]

V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=1.0, retries=0)
V3 = SnmpSettings(
    version="v3",
    user="diag-lab",
    auth_key="lab:nms-auth-key",
    priv_key="lab:nms-priv-key",
    timeout=1.0,
    retries=0,
)
