"""Why the lab cannot serve an inventory (`diag lab up`, `diag demo`), in the reader's language.

Kept apart from diag.lab.network so that each message is one call there.
"""

from __future__ import annotations

from diag.errors import LabError
from diag.i18n import tr


def console_unserved(name: str, host: str, port: int, error: object) -> LabError:
    return LabError(
        tr(
            "lab: cannot serve the console of router {name} on TCP {host}:{port}: {error}",
            name=name,
            host=host,
            port=port,
            error=error,
        )
    )


def nms_not_loopback(name: str, address: str) -> LabError:
    return LabError(
        tr(
            "lab: NMS {name} is at {address}; the lab serves only loopback addresses (127.0.0.1)",
            name=name,
            address=address,
        )
    )


def ne_not_loopback(name: str, address: str) -> LabError:
    return LabError(
        tr(
            "lab: NE {name} is at {address}; the lab serves only loopback addresses",
            name=name,
            address=address,
        )
    )


def ne_no_snmp_port(name: str) -> LabError:
    return LabError(
        tr(
            "lab: NE {name} has no snmp.port in the inventory; the lab serves its SNMP agent on "
            "a port of its own (161 needs root)",
            name=name,
        )
    )


def router_no_login(name: str) -> LabError:
    return LabError(tr("lab: router {name} has no 'login' in the inventory", name=name))


def router_not_loopback(name: str, address: str) -> LabError:
    return LabError(
        tr(
            "lab: router {name} is at {address}; the lab serves only loopback addresses",
            name=name,
            address=address,
        )
    )


def router_no_snmp_port(name: str) -> LabError:
    return LabError(
        tr(
            "lab: router {name} has no snmp.port in the inventory; the lab serves its SNMP "
            "agent on a port of its own (161 needs root)",
            name=name,
        )
    )


def console_not_loopback(name: str, host: str) -> LabError:
    return LabError(
        tr(
            "lab: router {name}'s console server is at {host}; the lab serves only loopback "
            "addresses",
            name=name,
            host=host,
        )
    )
