"""`diag circuit`: collect, analyse, write the findings; history and the end of the command."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

from diag.cli_circuit_ask import _ask, _previous, _replay_with_answers, _thresholds
from diag.cli_common import (
    EXIT_CODES_HELP,
    EXIT_INTERRUPTED,
    STATUS_EXIT,
    _debug_logging,
    _interruptible,
    _uses_lab,
    _write_debug,
    _write_json,
    _write_text,
)
from diag.clikit import complete_circuit, inventory_option, json_option, set_option, unknown_circuit
from diag.clikit import console as _console
from diag.clikit import fail as _fail
from diag.clikit import load as _load
from diag.clikit import overrides as _overrides
from diag.errors import DiagError
from diag.history.cli import history_option
from diag.i18n import tr
from diag.report.ticket_cli import html_option

if TYPE_CHECKING:
    from diag.model.findings import FindingsDocument
    from diag.model.observations import Observation


@click.command(epilog=EXIT_CODES_HELP)
@click.argument("circuit_id", shell_complete=complete_circuit)
@inventory_option
@json_option
@html_option
@click.option("--ticket", help="Fault ticket number, e.g. TS2611007 (TS + [YY]MM + serial).")
@click.option(
    "--operator", help="Who runs the diagnosis (default: DIAG_OPERATOR or the login name)."
)
@set_option
@click.option(
    "--record",
    "record_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Save everything the collectors read (raw CLI, varbinds, probe RTTs) to DIR.",
)
@click.option(
    "--replay",
    "replay_dir",
    type=click.Path(path_type=Path, file_okay=False, exists=True),
    help="Analyse a capture made with --record, offline (no network).",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="Show what each collector is doing, and every finding."
)
@click.option(
    "--debug",
    "debug_dir",
    is_flag=False,
    flag_value="diag-debug",
    default=None,
    metavar="[DIR]",
    help="Keep device session transcripts (secrets redacted) and the library log in DIR "
    "(default ./diag-debug); also on Ctrl-C / SIGTERM / SIGHUP.",
)
@click.option(
    "--observe",
    "observed",
    multiple=True,
    metavar="KEY=VALUE",
    help="What was seen on site or measured, e.g. --observe a.cpe.lamp.power=off "
    "--observe test.e1.ber=0 (repeatable; `diag questions` lists the keys).",
)
@click.option(
    "--observations",
    "observations_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="YAML/JSON file of KEY: VALUE answers (same keys as --observe), or a JSON document "
    "of observations (diag lan-capture --json, diag ping --json).",
)
@click.option(
    "--ask",
    is_flag=True,
    help="After collecting (or replaying), ask what the collectors could not read (lamps, "
    "tests, swaps), the question that best narrows the fault first, none the circuit makes "
    "pointless; offers to finish once the fault is localized.  At a prompt: ? explains, s or "
    "Enter skips, q finishes; Ctrl-C / Ctrl-D keep every answer given (exit 130).",
)
@click.option(
    "--threshold",
    "threshold_set",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a rule threshold, e.g. --threshold loss_pct=0.5 (`diag rules` lists them).",
)
@click.option(
    "--compare",
    "compare_file",
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="An earlier findings document of this circuit: say what cleared, persists, is new.",
)
@history_option
@click.option(
    "--no-history",
    is_flag=True,
    help="Neither keep this diagnosis in the history store nor show past ones.",
)
@click.option(
    "--quick",
    is_flag=True,
    help="Skip the CRC growth reading (no second CRC sample, no wait): the verdict in seconds; "
    "the document and the summary say CRC growth was not measured.",
)
@click.option(
    "--provisional/--no-provisional",
    default=None,
    help="Show a provisional verdict as soon as all but the CRC window is read, then the final "
    "one (default: on a terminal; --provisional off one: a line on stderr).",
)
def circuit(
    circuit_id: str,
    inventory: Path | None,
    json_dest: str | None,
    html_dest: str | None,
    ticket: str | None,
    operator: str | None,
    assignments: tuple[str, ...],
    record_dir: Path | None,
    replay_dir: Path | None,
    verbose: bool,
    debug_dir: str | None,
    observed: tuple[str, ...],
    observations_file: Path | None,
    ask: bool,
    threshold_set: tuple[str, ...],
    compare_file: Path | None,
    history_url: str | None,
    no_history: bool,
    quick: bool,
    provisional: bool | None,
) -> None:
    """Diagnose one circuit: collect, analyze, print the path with the fault marked.

    The diagnosis is kept in the history store (not --replay's), and past findings of this
    circuit and of the same symptom pattern on other circuits are shown beside it (`diag
    history` shows a circuit's timeline)."""
    from diag.analyzers import answers as ans
    from diag.collectors.lan.files import read_observations
    from diag.ticket import parse_ticket

    try:
        tk = parse_ticket(ticket) if ticket else None
        typed, given_pairs = read_observations(observations_file) if observations_file else ([], {})
        given_pairs.update(ans.from_assignments(observed))
        thresholds = _thresholds(threshold_set)
        previous = _previous(compare_file, circuit_id) if compare_file else None
    except DiagError as exc:
        _fail(exc)
    source: Literal["observe", "file"] = "observe" if observed else "file"
    given: list[Observation] = [*typed, *ans.observations(given_pairs, source)]
    out = _console(stderr=json_dest == "-")
    err = _console(stderr=True)
    if replay_dir is not None:
        from diag.capture import replay

        stop = _interruptible()
        try:
            doc = replay(replay_dir, circuit_id, thresholds)
        except DiagError as exc:
            _fail(exc)
        stopped = False
        if ask or given:  # re-asked offline: the capture plus the answers given now
            stop.raise_now = True  # at a prompt, any of the signals ends the questions
            try:
                doc, stopped = _replay_with_answers(replay_dir, given, ask, thresholds, err)
            finally:
                stop.raise_now = False
        _finish(doc, out, verbose, json_dest, previous, html_dest)
        if stop.exit_code is not None:
            sys.exit(stop.exit_code)
        sys.exit(EXIT_INTERRUPTED if stopped else STATUS_EXIT[doc.verdict.status])

    overrides = _overrides(assignments)
    inv = _load(inventory)
    if circuit_id not in inv.circuits:
        _fail(unknown_circuit(inv, circuit_id))
    from diag.inventory import cleartext_snmp

    for line in cleartext_snmp(inv, circuit=circuit_id):  # stderr only, not in the document
        click.echo(f"diag: warning: {line}", err=True)

    def progress(msg: str) -> None:
        if verbose:
            err.print(f"[dim]… {msg}[/dim]")

    from diag.output.provisional import sink as first_verdict
    from diag.runner import diagnose_many

    # SIGINT / SIGTERM / SIGHUP from here on: collection stops and keeps what it read; later,
    # the document is still written whole before diag exits with 128 + the signal's number
    stop = _interruptible()
    if debug_dir is not None:
        _debug_logging()
    try:
        (dx,) = diagnose_many(
            inv,
            [circuit_id],
            ticket=tk,
            operator=operator,
            progress=progress,
            overrides=overrides,
            given={circuit_id: list(given)},
            thresholds=thresholds,
            stop=stop,
            quick=quick,
            on_provisional=None if quick else first_verdict(provisional, out, err),
        )
    except DiagError as exc:
        _fail(exc)
    doc = dx.document
    stopped = False  # the questions were interrupted (the collection was complete)
    if ask and not doc.run.interrupted and stop.signum is None:
        from diag.model.path import build_path

        c = inv.circuits[circuit_id]
        stop.raise_now = True  # at a prompt, any of the signals ends the questions
        try:
            doc, stopped = _ask(
                c,
                build_path(c, inv),
                dx.collected,
                started=doc.run.started,
                ticket=tk,
                operator=doc.run.operator,
                thresholds=thresholds,
                err=err,
            )
        finally:
            stop.raise_now = False
    doc = _finish(doc, out, verbose, json_dest, previous, html_dest)
    if not no_history:
        _keep_in_history(doc, history_url, inv.circuits[circuit_id].region, out, err)
    if record_dir is not None:
        from diag.capture import write_capture

        collected_all = doc.run.model_copy(update={"interrupted": False}) if stopped else doc.run
        write_capture(
            record_dir,
            inv,
            doc.model_copy(update={"run": collected_all}),
            dx.settings,
            dx.collected.raw,
        )
        err.print(
            f"capture written to {record_dir} "
            f"(replay: diag circuit {circuit_id} --replay {record_dir})"
        )
    if debug_dir is not None:
        _write_debug(debug_dir, circuit_id, dx.collected.transcripts, err)
    if any(not r.ok for r in doc.collectors) and _uses_lab(inv) and not doc.run.interrupted:
        err.print(
            "[yellow]"
            + tr(
                "This inventory uses the built-in lab's credentials: is the lab up? "
                "`diag lab status` tells; `diag lab up` starts it."
            )
            + "[/yellow]"
        )
    if stop.exit_code is not None:
        code = stop.exit_code  # interrupted: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
    else:
        code = EXIT_INTERRUPTED if stopped else STATUS_EXIT[doc.verdict.status]
    if doc.run.interrupted and not stopped:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)  # do not wait for device sessions still running in threads
    sys.exit(code)


def _keep_in_history(
    doc: FindingsDocument, url: str | None, region: str | None, out: Any, err: Any
) -> None:
    """Show what the experience base holds for this diagnosis, then keep it there.  A store
    that cannot be used costs the history only, never the diagnosis (said on stderr)."""
    from diag.history import open_store
    from diag.history.experience import render_experience

    try:
        with open_store(url) as store:
            seen = store.similar(doc)
            store.record(doc, region=region)
    except DiagError as exc:
        msg = tr("history: {error}; this diagnosis was not kept", error=exc)
        err.print(f"[yellow]{msg}[/yellow]", markup=True)
        return
    with contextlib.suppress(OSError):
        for line in render_experience(seen):
            out.print(line, markup=False, highlight=False)


def _finish(
    doc: FindingsDocument,
    out: Any,
    verbose: bool,
    json_dest: str | None,
    previous: FindingsDocument | None,
    html_dest: str | None = None,
) -> FindingsDocument:
    from diag.output.terminal import render

    if previous is not None:
        from diag.analyzers.summary import compare

        doc = doc.model_copy(update={"comparison": compare(doc, previous)})
    if json_dest and json_dest != "-":
        _write_json(doc, json_dest)  # first: a terminal gone with SIGHUP cannot cost the file
    if html_dest:
        from diag.report.ticket_page import render_ticket_page

        _write_text(html_dest, render_ticket_page(doc))  # the ticket page, beside the JSON
    with contextlib.suppress(OSError):  # a terminal gone (SIGHUP): the document is what counts
        render(doc, out, verbose=verbose)
    if json_dest == "-":
        _write_json(doc, json_dest)
    return doc
