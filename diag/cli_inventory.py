"""`diag inventory` (validate, list, show) and `diag known-hosts`."""

from __future__ import annotations

from pathlib import Path

import click

from diag.cli_common import _write_text
from diag.clikit import (
    complete_circuit,
    complete_device,
    inventory_option,
    json_option,
    set_option,
    unknown_circuit,
)
from diag.clikit import console as _console
from diag.clikit import fail as _fail
from diag.clikit import load as _load
from diag.clikit import overrides as _overrides


@click.group()
def inventory() -> None:
    """Check and browse the inventory (NMSs, devices, circuits)."""


@inventory.command("validate")
@inventory_option
def inventory_validate(inventory: Path | None) -> None:
    """Report every problem in the inventory at once (file, entry, field).

    Beyond what every command checks when it loads the inventory, validate checks what the
    files point to on this machine: each credential reference resolves (env: variable set;
    file: absolute, a regular file owned by you, mode 0600 or 0400) and each serial console is
    a character device (one that does not exist yet is a warning).  It warns for every NMS or
    device polled with SNMP v2c, whose community travels in clear text.  Exit 3 on any
    problem, 0 otherwise (warnings included).
    """
    from diag.errors import DiagError
    from diag.inventory import validate_inventory

    try:
        report = validate_inventory(inventory)
    except DiagError as exc:
        _fail(exc)
    for w in report.warnings:
        click.echo(f"warning: {w}", err=True)
    if report.problems or report.inventory is None:
        from diag.errors import InventoryError

        _fail(InventoryError(report.problems, source=report.source))
    inv = report.inventory
    warned = f", {len(report.warnings)} warning(s) on stderr" if report.warnings else ""
    click.echo(
        f"ok: {len(inv.nms)} NMS, {len(inv.devices)} devices, {len(inv.circuits)} circuits "
        f"in {len(inv.sources)} files{warned}"
    )


@inventory.command("list")
@inventory_option
@json_option
def inventory_list(inventory: Path | None, json_dest: str | None) -> None:
    """List the circuits and their regions, the regions, and the scheduled sweeps."""
    from diag.inventory.listing import listing, tables

    if json_dest:
        from diag.listings import InventoryListing

        # typed on the way out: a key listing() renames or drops fails here, not in a consumer
        _write_text(json_dest, InventoryListing.model_validate(listing(_load(inventory))).to_json())
        return
    con = _console()
    for i, table in enumerate(tables(_load(inventory))):
        if i:
            con.print()
        con.print(table)


@inventory.command("show")
@click.argument("circuit_id", shell_complete=complete_circuit)
@inventory_option
def inventory_show(circuit_id: str, inventory: Path | None) -> None:
    """Show one circuit's path, element by element."""
    from diag.model.path import build_path

    inv = _load(inventory)
    if circuit_id not in inv.circuits:
        _fail(unknown_circuit(inv, circuit_id))
    c = inv.circuits[circuit_id]
    path = build_path(c, inv)
    con = _console()
    con.print(
        f"[bold]{c.id}[/bold]  {c.customer}  {c.a.site} ⇄ {c.b.site}  "
        f"{c.service.value} {c.bandwidth}"
    )
    for i, el in enumerate(path.elements):
        ports = " ".join(
            p
            for p in (
                f"A-side {el.a_port}" if el.a_port else "",
                f"B-side {el.b_port}" if el.b_port else "",
            )
            if p
        )
        nms = f"  NE {el.ne_name!r} in {inv.devices[el.id].nms}" if el.ne_name else ""
        con.print(f"  {el.end.upper()[0]}  {el.label}  [dim]{el.owner}[/dim]  {ports}{nms}")
        if i < len(path.links):
            con.print(f"     │ {path.links[i].label}", style="dim")


@click.group("known-hosts")
def known_hosts() -> None:
    """The routers' SSH host keys: the inventory's known_hosts file (docs/inventory.md)."""


@known_hosts.command("accept")
@click.argument("device_name", shell_complete=complete_device)
@click.option(
    "--fingerprint",
    metavar="SHA256:...",
    help="Pin the key only if it has this fingerprint (as checked on the router's console).",
)
@click.option("--yes", is_flag=True, help="Pin without asking.")
@inventory_option
@set_option
def known_hosts_accept(
    device_name: str,
    fingerprint: str | None,
    yes: bool,
    inventory: Path | None,
    assignments: tuple[str, ...],
) -> None:
    """Pin the SSH host key DEVICE presents now, e.g. after the router was replaced.

    Reads the key (key exchange only: no login, no password sent), shows it beside the pinned
    one, and replaces the pinned one when --fingerprint matches or you confirm."""
    from diag.collectors.cli.ssh import host_key_status, pin
    from diag.errors import DiagError, UnknownCircuitError
    from diag.i18n import tr
    from diag.settings import merge

    overrides = _overrides(assignments)
    inv = _load(inventory)
    dev = inv.devices.get(device_name)
    if dev is None or dev.mgmt is None:
        _fail(
            UnknownCircuitError(
                tr("no device {name} with an SSH address in the inventory", name=repr(device_name))
            )
        )
    try:
        status = host_key_status(dev, merge([inv.settings_default, overrides]))
    except DiagError as exc:
        _fail(exc)
    click.echo(f"known-hosts file: {status.path}")
    click.echo(
        f"{device_name} ({status.name}) presents {status.presented.get_name()} {status.fingerprint}"
    )
    for p in status.pinned:
        click.echo(f"pinned now (line {p.line}): {p.key_type} {p.fingerprint}")
    if not status.pinned:
        click.echo("pinned now: nothing")
    if status.already_pinned:
        click.echo("already pinned: nothing to change")
        return
    if fingerprint is not None:
        if fingerprint.removeprefix("SHA256:") != status.fingerprint.removeprefix("SHA256:"):
            _fail(
                DiagError(
                    tr(
                        "{name}: presents {presented}, not {given}: not pinned",
                        name=device_name,
                        presented=status.fingerprint,
                        given=fingerprint,
                    )
                )
            )
    elif not yes and not click.confirm(
        tr("Pin this key? (compare it with the key on the router's console first)"), err=True
    ):
        _fail(DiagError(tr("not pinned")))
    try:
        pin(status)
    except DiagError as exc:
        _fail(exc)
    click.echo(f"pinned {status.fingerprint} for {status.name} in {status.path}")
