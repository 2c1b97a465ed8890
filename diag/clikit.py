"""What the CLI's commands share: the common options, loading the inventory, failing in words.

Kept apart from diag.cli so that commands defined in their own packages (diag.sweep.cli,
diag.history.cli, diag.report.cli) use the same options and messages without importing diag.cli.
"""

from __future__ import annotations

import sys
from functools import cache
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


# Piped output is laid out this wide: a line is as long as its content, never folded or cut
# (a consumer greps an id or a sentence, or reflows it itself); rules stay RULE_WIDTH wide.
PIPE_WIDTH = 100_000
RULE_WIDTH = 80


def console(**kw: Any) -> Any:
    """The console for this output: rich's on a terminal (its width); in a pipe or a file, one
    that prints every line whole, whatever COLUMNS says (no fold, no ellipsis, no hard wrap)."""
    from rich.console import Console

    con = Console(highlight=False, **kw)
    if con.is_terminal or "width" in kw:
        return con
    return _pipe_console_class()(highlight=False, width=PIPE_WIDTH, **kw)


@cache
def _pipe_console_class() -> type[Any]:
    from rich.console import Console
    from rich.rule import Rule

    class PipeConsole(Console):
        """Rich's console for a pipe: wide enough for any line, a rule of RULE_WIDTH."""

        def rule(self, title: Any = "", **kw: Any) -> None:
            # a title longer than the rule would be cut with an ellipsis: the rule grows
            text = self.render_str(title) if isinstance(title, str) else title
            width = max(RULE_WIDTH, getattr(text, "cell_len", 0) + 6)
            self.print(Rule(text, **kw), width=width)

    return PipeConsole


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
    from diag.i18n import tr

    ids = list(inv.circuits)
    same = [c for c in ids if c.casefold() == circuit_id.casefold()]
    if same:
        hint = tr("; did you mean {ids}? (circuit ids are case-sensitive)", ids=", ".join(same))
    else:
        folded = {c.casefold(): c for c in ids}
        close = difflib.get_close_matches(circuit_id.casefold(), list(folded), n=3, cutoff=0.5)
        hint = (
            tr("; did you mean {ids}?", ids=", ".join(folded[c] for c in close))
            if close
            else tr("; `diag inventory list` shows them")
        )
    return UnknownCircuitError(
        tr("no circuit {id} in the inventory{hint}", id=repr(circuit_id), hint=hint)
    )


# ------------------------------------------------------------------ shell completion
# click calls these while the shell completes a word (docs/completion.md); they must answer
# fast and never fail: an inventory that does not load offers nothing.


def _completion_names(ctx: click.Context, kind: str) -> list[str]:
    path: Path | None = None
    c: click.Context | None = ctx
    while c is not None and path is None:  # --inventory given to this command or a parent
        value = c.params.get("inventory")
        path = Path(value) if value else None
        c = c.parent
    try:
        import warnings

        from diag.inventory import load_inventory

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # nothing may reach the shell's screen
            inv = load_inventory(path)
    except Exception:  # a broken or missing inventory: no candidates, no traceback  # noqa: BLE001
        return []
    if kind == "circuit":
        return sorted(inv.circuits)
    return sorted(inv.devices if kind == "device" else inv.nms)


def _complete(kind: str) -> Any:
    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[Any]:
        from click.shell_completion import CompletionItem

        names = _completion_names(ctx, kind)
        hits = [n for n in names if n.startswith(incomplete)]
        if not hits:  # ids are case-sensitive; a wrong case still finds them
            hits = [n for n in names if n.casefold().startswith(incomplete.casefold())]
        return [CompletionItem(n) for n in hits]

    return complete


complete_circuit = _complete("circuit")
complete_device = _complete("device")
complete_nms = _complete("nms")
