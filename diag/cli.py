"""The `diag` command line.  Heavy libraries are imported inside commands, so --help is instant.

The group and the reference commands (rules, questions, settings, schema) are here; the others
live in diag.cli_circuit, diag.cli_collectors, diag.cli_inventory and diag.cli_lab (their shared
helpers in diag.cli_common) and are added to the group by `_register()`.
"""

from __future__ import annotations

from pathlib import Path

import click

from diag import __version__
from diag.cli_common import (
    EXIT_CODES_HELP,
    EXIT_COLLECTOR_FAILED,
    EXIT_DEMO_MISMATCH,
    EXIT_FAULT_LOCALIZED,
    EXIT_FAULT_SUSPECTED,
    EXIT_HEALTHY,
    EXIT_INCONCLUSIVE,
    EXIT_INTERRUPTED,
    EXIT_INVENTORY,
    EXIT_LAB,
    EXIT_USAGE,
    STATUS_EXIT,
    _write_text,
)
from diag.clikit import complete_circuit, inventory_option, json_option, unknown_circuit
from diag.clikit import console as _console
from diag.clikit import fail as _fail
from diag.clikit import load as _load
from diag.i18n.click_text import LangGroup

# The names moved to diag.cli_common stay importable from here.
__all__ = [
    "EXIT_CODES_HELP",
    "EXIT_COLLECTOR_FAILED",
    "EXIT_DEMO_MISMATCH",
    "EXIT_FAULT_LOCALIZED",
    "EXIT_FAULT_SUSPECTED",
    "EXIT_HEALTHY",
    "EXIT_INCONCLUSIVE",
    "EXIT_INTERRUPTED",
    "EXIT_INVENTORY",
    "EXIT_LAB",
    "EXIT_USAGE",
    "STATUS_EXIT",
    "cli",
    "main",
]


@click.group(
    cls=LangGroup,  # click's own words (Usage:, Error:...) in the language of --lang/DIAG_LANG
    epilog=EXIT_CODES_HELP,
    context_settings={"help_option_names": ["-h", "--help"]},
)
@click.version_option(__version__, prog_name="diag")
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"], case_sensitive=False),
    help="Language of the diagnosis text: en or zh (default: $DIAG_LANG, else the locale).",
)
@click.pass_context
def cli(ctx: click.Context, lang: str | None) -> None:
    """Find which segment of an E1 / V.35 / Ethernet leased line is broken, who owns it, what
    proves it, and what to do next.

    diag reads the carrier NMS's alarms over SNMP, the customer routers over SSH or the serial
    console, and runs ping tests; it localizes the fault on the circuit's path (A LAN … router …
    CPE … transport … CPE … router … B LAN) following the documented troubleshooting procedure.
    Try `diag demo` against the built-in lab network.
    """
    from diag import i18n

    try:
        chosen = i18n.lang_choice(lang)
    except ValueError as exc:  # a DIAG_LANG of no known language
        raise click.UsageError(str(exc)) from None
    # reset when the command ends, so an in-process caller keeps its own language
    ctx.with_resource(i18n.using(chosen))


@cli.command("rules")
@json_option
def rules_cmd(json_dest: str | None) -> None:
    """List the procedure's steps and rules: id, DOMAIN.md rule, what each needs; and thresholds."""
    from diag.analyzers import playbook
    from diag.analyzers.thresholds import defaults

    if json_dest:
        from diag.listings import rules_listing

        _write_text(json_dest, rules_listing().to_json())
        return
    from diag.i18n import tr, tr_marked

    con = _console()
    for step in playbook.load():
        con.print(f"[bold]{tr('step {id}', id=step.id)}[/bold]  {step.shown_title}")
        for r in step.rules:
            needs = ", ".join(r.needs) or "-"
            title = tr_marked(r.title)  # the rule's title in the reader's language
            con.print(
                f"  {r.id:32} {','.join(r.refs):18} {title}\n{'':35}"
                + tr("needs: {needs}", needs=needs),
                markup=False,
            )
    con.print(f"[bold]{tr('thresholds')}[/bold]")
    t = defaults()
    for name in sorted(t.values):
        con.print(f"  {name:24} {t.source(name)}", markup=False)


@cli.command("questions")
@click.argument("circuit_id", required=False, shell_complete=complete_circuit)
@inventory_option
@json_option
def questions_cmd(circuit_id: str | None, inventory: Path | None, json_dest: str | None) -> None:
    """The observation keys for --observe/--observations/--ask, with their questions (for one
    circuit: filled in with its sites and devices)."""
    from diag.analyzers.answers import questions_for, vocabulary
    from diag.model.path import build_path

    con = _console()
    if circuit_id:
        inv = _load(inventory)
        if circuit_id not in inv.circuits:
            _fail(unknown_circuit(inv, circuit_id))
        found = questions_for(build_path(inv.circuits[circuit_id], inv))
        if json_dest:
            from diag.listings import questions_listing

            _write_text(json_dest, questions_listing(list(found), circuit_id).to_json())
            return
        for key, text, q in found:
            vals = "/".join(q.values) if q.values else (q.unit or "number")
            con.print(f"{key:34} [{vals}] ({q.who}) {text}", markup=False)
        return
    if json_dest:
        from diag.listings import questions_listing

        items = [(q.key, None, q) for q in vocabulary().values()]
        _write_text(json_dest, questions_listing(items, None).to_json())
        return
    for q in vocabulary().values():
        vals = "/".join(q.values) if q.values else (q.unit or "number")
        con.print(f"{q.key:34} [{vals}] ({q.who}) {', '.join(q.rules)}", markup=False)


@cli.command("settings")
@json_option
def settings_cmd(json_dest: str | None) -> None:
    """List the collector settings with their defaults (override with --set or the inventory)."""
    from diag.settings import settings_help

    if json_dest:
        from diag.listings import settings_listing

        _write_text(json_dest, settings_listing().to_json())
        return
    click.echo(settings_help())


@cli.command()
@click.option("--sweep", "of_sweep", is_flag=True, help="The sweep document's (diag sweep).")
def schema(of_sweep: bool) -> None:
    """Print the JSON Schema of the findings document (--sweep: of the sweep document)."""
    from importlib.resources import files

    name = "sweep.schema.json" if of_sweep else "findings.schema.json"
    click.echo(files("diag.schema").joinpath(name).read_text(encoding="utf-8"), nl=False)


def _register() -> None:
    """Commands defined in their own packages (each imports its heavy libraries when run)."""
    from diag.check import check_cmd
    from diag.cli_circuit import circuit
    from diag.cli_collectors import alarms, parse, ping, router
    from diag.cli_inventory import inventory, known_hosts
    from diag.cli_lab import demo, lab
    from diag.collectors.lan.cli import lan_capture_cmd
    from diag.distributed.cli import scheduler_cmd, worker_cmd
    from diag.history.cli import history_cmd
    from diag.inventory_import_cli import export_cmd, import_cmd
    from diag.report.cli import report_cmd
    from diag.report.ticket_cli import render_cmd
    from diag.sweep.cli import sweep_cmd

    for command in (circuit, alarms, router, ping, parse, inventory, known_hosts, lab, demo):
        cli.add_command(command)
    cli.add_command(sweep_cmd)
    cli.add_command(worker_cmd, "worker")
    cli.add_command(scheduler_cmd, "scheduler")
    cli.add_command(history_cmd, "history")
    cli.add_command(report_cmd, "report")
    cli.add_command(check_cmd, "check")
    cli.add_command(render_cmd, "render")
    cli.add_command(lan_capture_cmd, "lan-capture")
    inventory.add_command(import_cmd, "import")
    inventory.add_command(export_cmd, "export")


_register()


def main() -> None:
    from diag import logsetup

    logsetup.install()  # library logs, warnings and stray tracebacks: kept, never on stderr
    cli()


if __name__ == "__main__":
    main()
