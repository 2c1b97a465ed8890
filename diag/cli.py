"""The `diag` command line.  Heavy libraries are imported inside commands, so --help is instant."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from diag import __version__

if TYPE_CHECKING:
    from diag.model.findings import FindingsDocument
    from diag.model.inventory import Inventory

EXIT_HEALTHY = 0
EXIT_USAGE = 2
EXIT_INVENTORY = 3
EXIT_LAB = 4
EXIT_DEMO_MISMATCH = 5
EXIT_FAULT_LOCALIZED = 10
EXIT_FAULT_SUSPECTED = 11
EXIT_INCONCLUSIVE = 12
EXIT_INTERRUPTED = 130
STATUS_EXIT = {
    "healthy": EXIT_HEALTHY,
    "fault_localized": EXIT_FAULT_LOCALIZED,
    "fault_suspected": EXIT_FAULT_SUSPECTED,
    "inconclusive": EXIT_INCONCLUSIVE,
}

EXIT_CODES_HELP = """\b
Exit codes:
   0  healthy             10  fault localized
   2  usage error         11  fault suspected
   3  inventory error     12  inconclusive
   4  lab error          130  interrupted (Ctrl-C); findings kept
   5  demo: a verdict differs from its scenario's expectation
"""

inventory_option = click.option(
    "--inventory",
    "-i",
    "inventory",
    type=click.Path(path_type=Path),
    envvar="DIAG_INVENTORY",
    help="Inventory folder (default: the built-in lab network in inventory/; env DIAG_INVENTORY).",
)


def _fail(exc: Exception) -> NoReturn:
    from diag.errors import DiagError

    code = exc.exit_code if isinstance(exc, DiagError) else 1
    click.echo(f"diag: {exc}", err=True)
    sys.exit(code)


def _load(inventory: Path | None) -> Inventory:
    from diag.errors import DiagError
    from diag.inventory import load_inventory

    try:
        return load_inventory(inventory)
    except DiagError as exc:
        _fail(exc)


def _uses_lab(inv: Inventory) -> bool:
    refs = [n.snmp.community or n.snmp.auth_key or "" for n in inv.nms.values()]
    return any(r.startswith("lab:") for r in refs)


def _console(**kw: Any) -> Any:
    from rich.console import Console

    return Console(highlight=False, **kw)


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="diag")
def cli() -> None:
    """Find which segment of an E1 / V.35 / Ethernet leased line is broken, who owns it, what
    proves it, and what to do next.

    diag reads the carrier NMS's alarms over SNMP and localizes the fault on the circuit's path
    (A LAN … router … CPE … transport … CPE … router … B LAN), following the documented
    troubleshooting procedure.  Try `diag demo` against the built-in lab network.
    """


def _write_json(doc: FindingsDocument, dest: str) -> None:
    from diag.output.files import write_atomic

    if dest == "-":
        click.echo(doc.to_json(), nl=False)
    else:
        write_atomic(dest, doc.to_json())


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("circuit_id")
@inventory_option
@click.option(
    "--json", "json_dest", metavar="PATH|-", help="Write the findings document (- = stdout)."
)
@click.option("--ticket", help="Fault ticket number, e.g. TS2611007 (TS + [YY]MM + serial).")
@click.option(
    "--operator", help="Who runs the diagnosis (default: DIAG_OPERATOR or the login name)."
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Show what each collector is doing, and every finding."
)
def circuit(
    circuit_id: str,
    inventory: Path | None,
    json_dest: str | None,
    ticket: str | None,
    operator: str | None,
    verbose: bool,
) -> None:
    """Diagnose one circuit: collect, analyze, print the path with the fault marked."""
    import difflib

    from diag.errors import DiagError, UnknownCircuitError
    from diag.output.terminal import render
    from diag.runner import diagnose
    from diag.ticket import parse_ticket

    try:
        tk = parse_ticket(ticket) if ticket else None
    except DiagError as exc:
        _fail(exc)
    inv = _load(inventory)
    if circuit_id not in inv.circuits:
        close = difflib.get_close_matches(circuit_id, list(inv.circuits), n=3, cutoff=0.5)
        hint = (
            f"; did you mean {', '.join(close)}?" if close else "; `diag inventory list` shows them"
        )
        _fail(UnknownCircuitError(f"no circuit {circuit_id!r} in the inventory{hint}"))
    err = _console(stderr=True)

    def progress(msg: str) -> None:
        if verbose:
            err.print(f"[dim]… {msg}[/dim]")

    doc = diagnose(inv, circuit_id, ticket=tk, operator=operator, progress=progress)
    out = _console(stderr=json_dest == "-")
    render(doc, out, verbose=verbose)
    if any(not r.ok for r in doc.collectors) and _uses_lab(inv):
        err.print(
            "[yellow]This inventory uses the built-in lab's credentials: is the lab up? "
            "`diag lab status` tells; `diag lab up` starts it.[/yellow]"
        )
    if json_dest:
        _write_json(doc, json_dest)
    sys.exit(EXIT_INTERRUPTED if doc.run.interrupted else STATUS_EXIT[doc.verdict.status])


@cli.group()
def inventory() -> None:
    """Check and browse the inventory (NMSs, devices, circuits)."""


@inventory.command("validate")
@inventory_option
def inventory_validate(inventory: Path | None) -> None:
    """Report every problem in the inventory at once (file, entry, field)."""
    inv = _load(inventory)
    click.echo(
        f"ok: {len(inv.nms)} NMS, {len(inv.devices)} devices, {len(inv.circuits)} circuits "
        f"in {len(inv.sources)} files"
    )


@inventory.command("list")
@inventory_option
def inventory_list(inventory: Path | None) -> None:
    """List the circuits."""
    from rich.table import Table

    inv = _load(inventory)
    t = Table("circuit", "customer", "service", "A end", "B end", "transport NEs", box=None)
    for c in sorted(inv.circuits.values(), key=lambda c: c.id):
        t.add_row(
            c.id,
            c.customer,
            f"{c.service.value} {c.bandwidth}",
            c.a.site,
            c.b.site,
            str(len(c.transport)),
        )
    _console().print(t)


@inventory.command("show")
@click.argument("circuit_id")
@inventory_option
def inventory_show(circuit_id: str, inventory: Path | None) -> None:
    """Show one circuit's path, element by element."""
    from diag.errors import UnknownCircuitError
    from diag.model.path import build_path

    inv = _load(inventory)
    if circuit_id not in inv.circuits:
        _fail(UnknownCircuitError(f"no circuit {circuit_id!r}; `diag inventory list` shows them"))
    c = inv.circuits[circuit_id]
    path = build_path(c, inv)
    con = _console()
    con.print(
        f"[bold]{c.id}[/bold]  {c.customer}  {c.a.site} ⇄ {c.b.site}  {c.service.value} {c.bandwidth}"
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


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the findings document."""
    from importlib.resources import files

    click.echo(
        files("diag.schema").joinpath("findings.schema.json").read_text(encoding="utf-8"), nl=False
    )


@cli.group()
def lab() -> None:
    """Run the built-in lab network (SNMP NMS, SSH routers, serial consoles on loopback)."""


@lab.command("up")
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Scenario folder to serve (repeatable; default: all shipped).",
)
@inventory_option
def lab_up(scenarios: tuple[Path, ...], inventory: Path | None) -> None:
    """Start the lab in the background."""
    from diag.errors import DiagError
    from diag.lab import manager

    try:
        info = manager.up(list(scenarios) or None, inventory)
    except DiagError as exc:
        _fail(exc)
    _print_status(info)


@lab.command("down")
def lab_down() -> None:
    """Stop the background lab."""
    from diag.lab import manager

    click.echo("lab stopped" if manager.down() else "lab was not running")


@lab.command("status")
def lab_status() -> None:
    """Say whether the lab runs, what it serves, and which inventory to use with it."""
    from diag.lab import manager

    info = manager.status()
    if info is None or not info["running"]:
        click.echo("lab: not running (`diag lab up` starts it)")
        sys.exit(1)
    _print_status(info)


def _print_status(info: dict[str, Any]) -> None:
    click.echo(f"lab: running, pid {info['pid']}, since {info['started']}")
    click.echo(f"scenarios: {', '.join(info['scenarios'])}")
    for s in info["served"]:
        click.echo(f"  {s['kind']:15} {s['name']:20} {s['where']}")
    click.echo(f"inventory: {info['inventory']}  (diag circuit ID --inventory {info['inventory']})")
    click.echo(f"circuits: {', '.join(info['circuits'])}")


@cli.command(epilog=EXIT_CODES_HELP)
@click.option(
    "--json",
    "json_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder that receives one findings document per lab circuit.",
)
@click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Scenario folder (repeatable; default: all shipped).",
)
def demo(json_dir: Path | None, scenarios: tuple[Path, ...]) -> None:
    """Start the lab in-process, diagnose each of its circuits, stop it."""
    import tempfile

    from diag.errors import DiagError
    from diag.lab.manager import prepare
    from diag.lab.network import LabNetwork, LabThread
    from diag.output.files import write_atomic
    from diag.output.terminal import render
    from diag.runner import diagnose

    con = _console()
    mismatches = []
    with tempfile.TemporaryDirectory(prefix="diag-demo-") as tmp:
        try:
            inv, scns, _ = prepare(list(scenarios) or None, None, Path(tmp))
            lab_thread = LabThread(LabNetwork(inv, scns))
            served = lab_thread.start()
        except DiagError as exc:
            _fail(exc)
        try:
            con.print(
                f"[bold]diag demo[/bold]: lab up with {len(served)} services "
                f"({', '.join(sorted({s.kind for s in served}))}) on loopback\n"
            )
            for scn in scns:
                for cid, expect in scn.expect.items():
                    con.rule(f"{scn.name}: {scn.description}")
                    doc = diagnose(inv, cid, operator="demo")
                    render(doc, con)
                    if json_dir:
                        write_atomic(json_dir / f"{cid}.json", doc.to_json())
                    got = doc.verdict
                    ok = (
                        got.status == expect.status
                        and got.segment == expect.segment
                        and (expect.owner == got.owner)
                    )
                    if not ok:
                        mismatches.append(
                            f"{cid}: expected {expect.status} "
                            f"{expect.segment} {expect.owner}, got {got.status} "
                            f"{got.segment} {got.owner}"
                        )
                    con.print()
                    if doc.run.interrupted:
                        raise KeyboardInterrupt
        except KeyboardInterrupt:
            con.print("interrupted", style="bold yellow")
            sys.exit(EXIT_INTERRUPTED)
        finally:
            lab_thread.stop()
    if mismatches:
        for m in mismatches:
            click.echo(f"diag demo: {m}", err=True)
        sys.exit(EXIT_DEMO_MISMATCH)
    n = sum(len(s.expect) for s in scns)
    con.print(f"[bold green]demo: {n} circuits diagnosed, every verdict as its scenario expects[/]")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
