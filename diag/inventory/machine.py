"""What an inventory points to on this machine (credentials, consoles), and clear-text SNMP.

Checked by `diag inventory validate`, not when a command loads the inventory: `diag circuit`
resolves only the credentials and consoles of the circuit it reads, when it connects.
"""

from __future__ import annotations

import os
import stat
from typing import Any

from diag.i18n import mark, tr, tr_marked
from diag.inventory.loaded import Where, at_field
from diag.model.inventory import SECRET_REF, Inventory
from diag.model.syntax import control_char

# Where an entry holds secret references: (section, dotted path).
SECRET_FIELDS = {
    "nms": ("snmp.community", "snmp.auth_key", "snmp.priv_key"),
    "devices": (
        "snmp.community",
        "snmp.auth_key",
        "snmp.priv_key",
        "login.password",
        "login.secret",
    ),
}


def _dig(raw: dict[str, Any], dotted: str) -> Any:
    value: Any = raw
    for part in dotted.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def check_environment(
    entries: list[tuple[Where, dict[str, Any]]],
) -> tuple[list[str], list[str]]:
    """(problems, warnings) about what entries point to on this machine: credentials resolve
    now, consoles are character devices.  Each reference is resolved once; the first entry
    using it is named, with how many others share it."""
    from diag.credentials import check
    from diag.errors import CredentialError

    problems: list[str] = []
    warnings: list[str] = []
    refs: dict[str, list[tuple[Where, str]]] = {}
    for where, raw in entries:
        for dotted in SECRET_FIELDS.get(where.section, ()):
            ref = _dig(raw, dotted)
            if isinstance(ref, str) and SECRET_REF.fullmatch(ref) and not control_char(ref):
                refs.setdefault(ref, []).append((where, dotted))
        if where.section == "devices":
            console = raw.get("console")
            if isinstance(console, str):
                _check_console(console, where, problems, warnings)
    for ref, uses in refs.items():
        try:
            check(ref)
        except CredentialError as exc:
            where, dotted = uses[0]
            more = (
                tr(" (also used by {count} other field(s))", count=len(uses) - 1)
                if len(uses) > 1
                else ""
            )
            # exc: diag.credentials' message, in the language it was written in
            problems.append(f"{where}: {at_field(dotted, f'{exc}{more}')}")
    return problems, warnings


def _check_console(console: str, where: Where, problems: list[str], warnings: list[str]) -> None:
    from diag.model.syntax import console as console_syntax

    try:
        console_syntax(console)
    except ValueError:
        return  # already a field error
    if console.startswith("socket://"):
        return
    try:
        st = os.stat(console)
    except FileNotFoundError:
        msg = tr(
            "{console} does not exist on this machine (yet): a USB serial adapter not plugged "
            "in, or a lab not started?",
            console=console,
        )
        warnings.append(f"{where}: {at_field('console', msg)}")
        return
    except OSError as exc:  # strerror: the system's own words
        msg = tr("cannot check {console}: {reason}", console=console, reason=exc.strerror)
        problems.append(f"{where}: {at_field('console', msg)}")
        return
    if not stat.S_ISCHR(st.st_mode):
        if stat.S_ISDIR(st.st_mode):
            msg = tr(
                "{console} is a directory; a serial console is a character device "
                "(/dev/ttyUSB0, /dev/ttyS1) or socket://host:port of a console server",
                console=console,
            )
        else:
            msg = tr(
                "{console} is not a character device; a serial console is a character device "
                "(/dev/ttyUSB0, /dev/ttyS1) or socket://host:port of a console server",
                console=console,
            )
        problems.append(f"{where}: {at_field('console', msg)}")
    elif not os.access(console, os.R_OK | os.W_OK):
        msg = tr(
            "{console} is not readable and writable by this user (add the user to the "
            "device's group, e.g. dialout)",
            console=console,
        )
        warnings.append(f"{where}: {at_field('console', msg)}")


# Rendered where shown (tr_marked): in the language of the command that shows it.
CLEARTEXT = mark(
    "SNMP v2c sends the community in clear text: anyone on the path can read it and, with it, "
    "the alarms; use v3 authPriv (docs/inventory.md)"
)


def cleartext_warnings(where: Where, raw: dict[str, Any]) -> list[str]:
    snmp = raw.get("snmp")
    if where.section not in SECRET_FIELDS or not isinstance(snmp, dict):
        return []
    if snmp.get("version", "v2c") != "v2c":
        return []
    return [f"{where}: {at_field('snmp.version', tr_marked(CLEARTEXT))}"]


def cleartext_snmp(
    inv: Inventory, *, circuit: str | None = None, nms: str | None = None
) -> list[str]:
    """One warning line per NMS or device a run would poll with SNMP v2c (community in clear):
    those of `circuit` (its devices and their NMSs), or the NMS `nms`, or all."""
    devices = set(inv.devices)
    nmss = set(inv.nms)
    if circuit is not None and circuit in inv.circuits:
        c = inv.circuits[circuit]
        devices = {
            x for x in (c.a.router, c.a.converter, c.a.cpe, c.b.cpe, c.b.converter, c.b.router) if x
        } | {h.ne for h in c.transport}
        nmss = {d.nms for n in devices if (d := inv.devices.get(n)) and d.nms}
    if nms is not None:
        devices, nmss = set(), {nms}
    text = tr_marked(CLEARTEXT)
    lines = [
        tr("NMS {name}: {warning}", name=n, warning=text)
        for n in sorted(nmss)
        if n in inv.nms and inv.nms[n].snmp.cleartext
    ]
    lines += [
        tr("device {name}: {warning}", name=n, warning=text)
        for n in sorted(devices)
        if (d := inv.devices.get(n)) and d.snmp is not None and d.snmp.cleartext
    ]
    return lines
