"""`diag lab` (up, down, status) and `diag demo` against the lab network."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from diag.cli_common import (
    EXIT_CODES_HELP,
    EXIT_DEMO_MISMATCH,
    _debug_logging,
    _interruptible,
    _write_text,
)
from diag.clikit import console as _console
from diag.clikit import fail as _fail
from diag.clikit import inventory_option, json_option
from diag.errors import DiagError


@click.group()
def lab() -> None:
    """Run the built-in lab network (SNMP NMS, SSH routers, serial consoles on loopback)."""


scenario_option = click.option(
    "--scenario",
    "scenarios",
    multiple=True,
    type=click.Path(path_type=Path, exists=True, file_okay=False),
    help="Scenario folder to serve (repeatable; default: all shipped).",
)


@lab.command("up")
@scenario_option
@inventory_option
@click.option(
    "--generate",
    "generate_n",
    type=click.IntRange(1, 20000),
    help="Serve a generated network of N circuits over SDH rings instead of the scenarios "
    "(inventory and ground-truth.json in the lab folder; docs/lab-generate.md).",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.1,
    show_default=True,
    help="With --generate: share of the circuits given a fault (ring cuts first).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="With --generate.")
@click.option(
    "--debug", is_flag=True, help="Write library logs and warnings to the lab's lab.log too."
)
def lab_up(
    scenarios: tuple[Path, ...],
    inventory: Path | None,
    generate_n: int | None,
    fault_rate: float,
    seed: int,
    debug: bool,
) -> None:
    """Start the lab in the background."""
    from diag.errors import DiagError
    from diag.i18n import tr
    from diag.lab import manager

    if generate_n is not None and (scenarios or inventory):
        raise click.UsageError(tr("--generate serves its own network: no --scenario / --inventory"))
    try:
        info = manager.up(
            list(scenarios) or None,
            inventory,
            generate=None if generate_n is None else (generate_n, fault_rate, seed),
            debug=debug,
        )
    except DiagError as exc:
        _fail(exc)
    _print_status(info)


@lab.command("down")
def lab_down() -> None:
    """Stop the background lab."""
    from diag.i18n import tr
    from diag.lab import manager

    click.echo(tr("lab stopped") if manager.down() else tr("lab was not running"))


@lab.command("status")
@json_option
def lab_status(json_dest: str | None) -> None:
    """Say whether the lab runs, what it serves, and which inventory to use with it (exit 1 when
    it does not run; --json says so too: running false)."""
    from diag.i18n import tr
    from diag.lab import manager

    info = manager.status()
    if json_dest:
        from diag.listings import lab_status_listing

        listing = lab_status_listing(info)
        _write_text(json_dest, listing.to_json())
        sys.exit(0 if listing.running else 1)
    if info is None or not info["running"]:
        click.echo(tr("lab: not running (`diag lab up` starts it)"))
        sys.exit(1)
    _print_status(info)


def _print_status(info: dict[str, Any]) -> None:
    click.echo(f"lab: running, pid {info['pid']}, since {info['started']}")
    click.echo(f"scenarios: {', '.join(info['scenarios'])}")
    for s in info["served"]:
        click.echo(f"  {s['kind']:15} {s['name']:20} {s['where']}")
    click.echo(f"inventory: {info['inventory']}  (diag circuit ID --inventory {info['inventory']})")
    click.echo(f"circuits: {', '.join(info['circuits'])}")


@click.command(epilog=EXIT_CODES_HELP)
@click.option(
    "--json",
    "json_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder that receives one findings document per lab circuit.",
)
@scenario_option
@click.option(
    "--debug",
    "debug_dir",
    is_flag=False,
    flag_value="diag-debug",
    default=None,
    metavar="[DIR]",
    help="Keep the library log (logs and warnings, e.g. asyncssh's) in DIR/demo-diag.log "
    "(default ./diag-debug).",
)
def demo(json_dir: Path | None, scenarios: tuple[Path, ...], debug_dir: str | None) -> None:
    """Start the lab in-process, diagnose all its circuits at once, show each, stop it.

    Each document is checked against its scenario's `expect`: status, headline segment and
    owner, cited rules, and when given every fault (verdict.faults) and the context alarms.
    """
    import tempfile

    from diag.errors import DiagError
    from diag.i18n import tr
    from diag.lab.manager import prepare
    from diag.lab.network import LabNetwork, LabThread
    from diag.lab.scenario import given_observations
    from diag.lab.scenario import mismatches as expectation_mismatches
    from diag.output.files import write_atomic
    from diag.output.terminal import render
    from diag.runner import diagnose_many

    con = _console()
    if debug_dir is not None:
        _debug_logging()
    mismatches = []
    summary: list[tuple[str, Any, bool]] = []  # circuit, document, as expected
    stop = _interruptible()  # the documents are kept whole; exit 128 + the signal's number
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
                f"({', '.join(sorted({s.kind for s in served}))}) on loopback; "
                "diagnosing every circuit at once\n"
            )
            expects = [(scn, cid, e) for scn in scns for cid, e in scn.expect.items()]
            given = {cid: obs for scn in scns for cid, obs in given_observations(scn).items()}
            results = diagnose_many(
                inv, [cid for _, cid, _ in expects], operator="demo", given=given, stop=stop
            )
            for (scn, cid, expect), dx in zip(expects, results, strict=True):
                doc = dx.document
                if json_dir:
                    write_atomic(json_dir / f"{cid}.json", doc.to_json())
                if stop.signum is not None:
                    continue  # interrupted: every document is written, none is shown
                con.rule(f"{scn.name}: {scn.description}")
                render(doc, con)
                # status, headline segment/owner, cited rules, verdict.faults, context alarms
                wrong = expectation_mismatches(cid, expect, doc)
                mismatches.extend(wrong)
                summary.append((cid, doc, not wrong))
                con.print()
        finally:
            lab_thread.stop()
            if debug_dir is not None:
                _write_demo_log(debug_dir)
    if stop.exit_code is not None:
        kept = (
            tr("; the {count} documents are in {dir}", count=len(expects), dir=json_dir)
            if json_dir
            else ""
        )
        con.print(
            tr("interrupted ({reason}){kept}", reason=stop.reason, kept=kept), style="bold yellow"
        )
        sys.exit(stop.exit_code)
    _demo_table(con, summary)
    if mismatches:
        for m in mismatches:
            click.echo(f"diag demo: {m}", err=True)
        sys.exit(EXIT_DEMO_MISMATCH)
    n = sum(len(s.expect) for s in scns)
    con.print(f"[bold green]demo: {n} circuits diagnosed, every verdict as its scenario expects[/]")


def _write_demo_log(debug_dir: str) -> None:
    """demo --debug: the library log (warnings included) in DIR/demo-diag.log."""
    from diag import logsetup
    from diag.i18n import tr

    path = Path(debug_dir) / "demo-diag.log"
    try:
        if logsetup.write(path):
            click.echo(tr("the library log is in {path}", path=path), err=True)
    except (OSError, DiagError) as exc:
        click.echo(
            tr("diag: --debug {path}: cannot write: {error}", path=path, error=exc), err=True
        )


def _demo_table(con: Any, rows: list[tuple[str, Any, bool]]) -> None:
    """Every circuit's verdict in one table at the end (the pages above scroll away)."""
    from rich.table import Table

    style = {
        "healthy": "green",
        "fault_localized": "bold red",
        "fault_suspected": "red",
        "inconclusive": "yellow",
    }
    t = Table(title="verdicts", title_justify="left", box=None)
    for col in ("circuit", "status", "segment", "owner", "as expected"):
        # ids and statuses whole (they are read and copied); a long segment folds
        t.add_column(
            col, no_wrap=col != "segment", overflow="fold" if col == "segment" else "ignore"
        )
    for cid, doc, ok in rows:
        v = doc.verdict
        seg = v.segment
        where = (
            "" if seg is None else seg.from_ if seg.from_ == seg.to else f"{seg.from_} … {seg.to}"
        )
        t.add_row(
            cid,
            f"[{style.get(v.status, '')}]{v.status}[/]",
            where,
            v.owner if v.faults else "",
            "yes" if ok else "[bold red]NO[/]",
        )
    con.print(t)
