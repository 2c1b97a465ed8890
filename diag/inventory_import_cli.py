"""`diag inventory import csv|netbox` and `diag inventory export csv` (registered in diag.cli).

Outside diag.inventory on purpose: importing anything below that package runs its __init__,
which loads the inventory models (pydantic, yaml), and `diag --help` must stay light.  The work
is in diag.inventory.importers, imported when a command runs.
"""

from __future__ import annotations

from pathlib import Path

import click

from diag.clikit import fail, inventory_option
from diag.i18n import tr

DEFAULT_DEST = Path("inventory-imported")

_dest = click.option(
    "-o",
    "--output",
    "dest",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_DEST,
    show_default=True,
    help="Inventory folder to write (created; an existing non-empty one needs --force).",
)
_force = click.option("--force", is_flag=True, help="Replace the output folder if it has files.")
_partial = click.option(
    "--partial",
    is_flag=True,
    help="Write what could be mapped even if some rows/objects could not (they are still "
    "listed); without it nothing is written and the exit code is 3.",
)
_extra = click.option(
    "--extra",
    "extra",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    multiple=True,
    help="A YAML inventory file copied into the folder as it is (repeatable): the NMS "
    "definitions the devices' nms names refer to, settings, sweeps.",
)


@click.group("import")
def import_cmd() -> None:
    """Make an inventory folder from a spreadsheet (CSV) or NetBox (docs/import.md)."""


@import_cmd.command("csv")
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@_dest
@_extra
@_force
@_partial
def import_csv_cmd(
    file: Path, dest: Path, extra: tuple[Path, ...], force: bool, partial: bool
) -> None:
    """Read circuits from a CSV file, one row per circuit (layout: docs/import.md; a template
    ships in diag/inventory/templates/circuits.csv).  Every row or cell that cannot be mapped is
    listed with its line and column.  Exit 0 when all was imported, 3 otherwise."""
    from diag.errors import DiagError
    from diag.inventory.importers.csv_import import import_csv
    from diag.inventory.importers.write import check_destination

    try:
        check_destination(dest, force)
        result = import_csv(file)
    except DiagError as exc:
        fail(exc)
    _finish(result, dest, str(file), list(extra), force, partial)


@import_cmd.command("netbox")
@click.option("--url", help="NetBox's address, e.g. https://netbox.example.net")
@click.option(
    "--token-env",
    metavar="VAR",
    help="The environment variable holding the API token (never given on the command line).",
)
@click.option(
    "--from-export",
    "export_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Read a NetBox export (JSON of the API objects, docs/import.md) instead of the API.",
)
@click.option(
    "--provider",
    multiple=True,
    metavar="NAME",
    help="Only the circuits of this provider (name or slug; repeatable): your own carrier's, "
    "not the Internet transit also kept in NetBox.",
)
@_dest
@_extra
@_force
@_partial
def import_netbox_cmd(
    url: str | None,
    token_env: str | None,
    export_file: Path | None,
    provider: tuple[str, ...],
    dest: Path,
    extra: tuple[Path, ...],
    force: bool,
    partial: bool,
) -> None:
    """Read circuits, terminations, devices, interfaces, cables and IP addresses from NetBox
    (REST API through pynetbox, or an export file) and map them to diag's inventory
    (docs/import.md lists the mapping and the custom fields diag reads)."""
    import os

    from diag.errors import DiagError, UsageError
    from diag.inventory.importers import netbox
    from diag.inventory.importers.write import check_destination

    try:
        check_destination(dest, force)
        if export_file is not None:
            if url or token_env:
                raise UsageError(
                    tr("give either --from-export or --url with --token-env, not both")
                )
            data = netbox.read_export(export_file)
            source = str(export_file)
        else:
            if not url or not token_env:
                raise UsageError(tr("give --url and --token-env (or --from-export FILE)"))
            token = os.environ.get(token_env, "")
            if not token:
                raise UsageError(
                    tr("the environment variable {var} is not set or empty", var=token_env)
                )
            data = netbox.read_api(url, token, token_env)
            source = netbox.shown_url(url)
        result = netbox.map_netbox(data, provider)
    except DiagError as exc:
        fail(exc)
    _finish(result, dest, source, list(extra), force, partial)


def _finish(
    result: object, dest: Path, source: str, extra: list[Path], force: bool, partial: bool
) -> None:
    from diag.errors import DiagError
    from diag.inventory.importers.result import Imported
    from diag.inventory.importers.write import write_folder

    assert isinstance(result, Imported)
    for d in result.dropped:
        click.echo(tr("not imported: {what}", what=d.render()), err=True)
    if result.dropped and not partial:
        click.echo(
            tr(
                "{count} problem(s); nothing written (fix them, or give --partial to keep what "
                "could be mapped)",
                count=len(result.dropped),
            ),
            err=True,
        )
        raise SystemExit(3)
    try:
        inv = write_folder(result, dest, source=source, extra=extra, force=force)
    except DiagError as exc:
        fail(exc)
    click.echo(
        tr(
            "imported {circuits} circuits and {devices} devices into {dest}",
            circuits=len(inv.circuits),
            devices=len(inv.devices),
            dest=dest,
        )
    )
    if result.dropped:
        click.echo(
            tr("{count} row(s) or field(s) left out, listed above", count=len(result.dropped)),
            err=True,
        )


@click.group("export")
def export_cmd() -> None:
    """Write the inventory in another format."""


@export_cmd.command("csv")
@inventory_option
@click.option(
    "-o", "--output", "dest", default="-", show_default=True, help="CSV file to write (- = stdout)."
)
def export_csv_cmd(inventory: Path | None, dest: str) -> None:
    """Write the inventory's circuits and their devices as CSV, one row per circuit: the layout
    `diag inventory import csv` reads (a starting spreadsheet)."""
    from diag.clikit import load
    from diag.errors import DiagError
    from diag.inventory.importers.csv_export import export_csv
    from diag.output.files import write_output

    text = export_csv(load(inventory))
    try:
        write_output(dest, text)
    except (DiagError, OSError) as exc:
        fail(exc)
