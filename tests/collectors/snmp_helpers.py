"""SNMP settings shared by the lab-agent collector tests (test_snmp_ne.py, test_snmp_router.py),
imported as a plain module like tests/lab/router_helpers.py."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Protocol, TypeVar

from diag.model.inventory import SnmpSettings

T = TypeVar("T")


class Run(Protocol):
    """The `arun` fixture: runs a coroutine on the session's loop and gives back its result."""

    def __call__(self, aw: Awaitable[T], /) -> T: ...


V2C = SnmpSettings(version="v2c", community="lab:nms-community", timeout=1.0, retries=0)
V3 = SnmpSettings(
    version="v3",
    user="diag-lab",
    auth_key="lab:nms-auth-key",
    priv_key="lab:nms-priv-key",
    timeout=1.0,
    retries=0,
)
