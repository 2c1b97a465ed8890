"""What the CLI's commands share: the common options, loading the inventory, failing in words.

Kept apart from diag.cli so that commands defined in their own packages (diag.sweep.cli,
diag.history.cli, diag.report.cli) use the same options and messages without importing diag.cli.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

if TYPE_CHECKING:
    from diag.model.inventory import Inventory

inventory_option = click.option(
    "--inventory",
    "-i",
    "inventory",
    type=click.Path(path_type=Path),
    envvar="DIAG_INVENTORY",
    help="Inventory folder (default: the built-in lab network in inventory/; env DIAG_INVENTORY).",
)
set_option = click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Override a collector setting for this run (repeatable), e.g. --set ping_count=100 "
    "--set console=always; `diag settings` lists them with their defaults.",
)
json_option = click.option(
    "--json", "json_dest", metavar="PATH|-", help="Write the result as JSON (- = stdout)."
)


def fail(exc: Exception) -> NoReturn:
    from diag.errors import DiagError

    code = exc.exit_code if isinstance(exc, DiagError) else 1
    click.echo(f"diag: {exc}", err=True)
    sys.exit(code)


def load(inventory: Path | None) -> Inventory:
    from diag.errors import DiagError
    from diag.inventory import default_inventory_dir, load_inventory
    from diag.settings import with_inventory_folder

    try:
        # known_hosts (SSH host keys) defaults to the file beside the inventory
        return with_inventory_folder(
            load_inventory(inventory), inventory or default_inventory_dir()
        )
    except DiagError as exc:
        fail(exc)


def console(**kw: Any) -> Any:
    from rich.console import Console

    return Console(highlight=False, **kw)


def overrides(assignments: tuple[str, ...]) -> dict[str, Any]:
    from diag.errors import DiagError
    from diag.settings import merge, parse_assignments

    try:
        values = parse_assignments(assignments)
        merge([values], where="--set")  # validate now: a typo fails before anything runs
    except DiagError as exc:
        fail(exc)
    return dict(values)


def unknown_circuit(inv: Inventory, circuit_id: str) -> Exception:
    """The error for an id the inventory lacks, with the ids it may have meant: the same id in
    another case first (ids are case-sensitive), else the closest ones."""
    import difflib

    from diag.errors import UnknownCircuitError

    ids = list(inv.circuits)
    same = [c for c in ids if c.casefold() == circuit_id.casefold()]
    if same:
        hint = f"; did you mean {', '.join(same)}? (circuit ids are case-sensitive)"
    else:
        folded = {c.casefold(): c for c in ids}
        close = difflib.get_close_matches(circuit_id.casefold(), list(folded), n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(folded[c] for c in close)}?"
            if close
            else "; `diag inventory list` shows them"
        )
    return UnknownCircuitError(f"no circuit {circuit_id!r} in the inventory{hint}")
