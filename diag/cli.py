"""The `diag` command line.  Heavy libraries are imported inside commands, so --help is instant."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import click

from diag import __version__
from diag.clikit import (
    complete_circuit,
    complete_device,
    complete_nms,
    inventory_option,
    json_option,
    set_option,
    unknown_circuit,
)
from diag.clikit import console as _console
from diag.clikit import fail as _fail
from diag.clikit import load as _load
from diag.clikit import overrides as _overrides
from diag.errors import DiagError
from diag.history.cli import history_option
from diag.report.ticket_cli import html_option

if TYPE_CHECKING:
    from collections.abc import Sequence

    from diag.model.findings import FindingsDocument
    from diag.model.inventory import Inventory
    from diag.model.observations import Observation

EXIT_HEALTHY = 0
EXIT_USAGE = 2
EXIT_INVENTORY = 3
EXIT_LAB = 4
EXIT_DEMO_MISMATCH = 5
EXIT_COLLECTOR_FAILED = 6
EXIT_FAULT_LOCALIZED = 10
EXIT_FAULT_SUSPECTED = 11
EXIT_INCONCLUSIVE = 12
EXIT_INTERRUPTED = 130  # Ctrl-C, or the end of --ask's input; SIGTERM 143, SIGHUP 129 (128 + N)
STATUS_EXIT = {
    "healthy": EXIT_HEALTHY,
    "fault_localized": EXIT_FAULT_LOCALIZED,
    "fault_suspected": EXIT_FAULT_SUSPECTED,
    "inconclusive": EXIT_INCONCLUSIVE,
}

EXIT_CODES_HELP = """\b
Exit codes:
   0  healthy / collector ok     10  fault localized
   2  usage error                11  fault suspected
   3  inventory error            12  inconclusive
   4  lab error
   5  demo: a verdict differs from its scenario's expectation
   6  alarms/router/ping/parse: the collector could not read its target
 130  interrupted by Ctrl-C (or the end of --ask's input); what was read is kept
 143  interrupted by SIGTERM, 129 by SIGHUP; what was read is kept
"""


def _uses_lab(inv: Inventory) -> bool:
    refs = [n.snmp.community or n.snmp.auth_key or "" for n in inv.nms.values()]
    return any(r.startswith("lab:") for r in refs)


def _write_text(dest: str, text: str) -> None:
    from diag.errors import DiagError
    from diag.output.files import write_atomic

    if dest == "-":
        click.echo(text, nl=False)
        return
    try:
        write_atomic(dest, text)
    except DiagError as exc:
        _fail(exc)
    except OSError as exc:
        _fail(DiagError(f"{dest}: cannot write: {exc.strerror or exc}"))


def _write_json(doc: FindingsDocument, dest: str) -> None:
    _write_text(dest, doc.to_json())


def _observations_json(observations: list[Observation], **extra: Any) -> str:
    from diag.model.observations import ObservationsDocument

    return ObservationsDocument(observations=observations, **extra).model_dump_json(indent=2) + "\n"


@click.group(epilog=EXIT_CODES_HELP, context_settings={"help_option_names": ["-h", "--help"]})
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


@cli.command(epilog=EXIT_CODES_HELP)
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
        typed, given_pairs = (
            read_observations(observations_file) if observations_file else ([], {})
        )
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
            "[yellow]This inventory uses the built-in lab's credentials: is the lab up? "
            "`diag lab status` tells; `diag lab up` starts it.[/yellow]"
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
        err.print(f"[yellow]history: {exc}; this diagnosis was not kept[/yellow]", markup=True)
        return
    with contextlib.suppress(OSError):
        for line in render_experience(seen):
            out.print(line, markup=False, highlight=False)


def _interruptible() -> Any:
    """SIGINT / SIGTERM / SIGHUP handled by a `diag.runner.Stop` for the rest of the command
    (collection stops and keeps what it read; the output is written whole; exit 128 + N); the
    previous handlers come back when the command ends, however it ends."""
    from diag.runner import Stop

    stop = Stop().install()
    click.get_current_context().call_on_close(stop.restore)
    return stop


def _debug_logging() -> None:
    """--debug: the library log keeps INFO records too (when the CLI entry installed it)."""
    import logging

    from diag import logsetup

    if logsetup.capture() is not None:
        logsetup.set_level(logging.INFO)


def _write_debug(debug_dir: str, circuit_id: str, transcripts: dict[str, str], err: Any) -> None:
    """--debug: the session transcripts (also of sessions cut short by an interruption) and
    the library log, each file written whole."""
    from diag import logsetup
    from diag.output.files import write_atomic

    try:
        for job, text in transcripts.items():
            write_atomic(Path(debug_dir) / f"{circuit_id}-{job.replace(':', '-')}.txt", text)
        logged = logsetup.write(Path(debug_dir) / f"{circuit_id}-diag.log")
    except (OSError, DiagError) as exc:
        err.print(f"diag: --debug {debug_dir}: cannot write: {exc}", markup=False)
        return
    kept = [f"{len(transcripts)} session transcript(s) (secrets redacted)"] if transcripts else []
    if logged:
        kept.append("the library log")
    if kept:
        err.print(f"{' and '.join(kept)} in {debug_dir}/", markup=False)
    else:
        err.print(f"--debug: no device session ran, nothing kept in {debug_dir}/", markup=False)


def _ask(
    c: Any,
    path: Any,
    collected: Any,
    *,
    started: Any,
    ticket: Any,
    operator: str,
    thresholds: Any,
    err: Any,
    mode: Literal["live", "replay"] = "live",
    interrupted: bool = False,
) -> tuple[FindingsDocument, bool]:
    """--ask: the conversation (diag.analyzers.ask), then the document with every answer given.
    Ctrl-C / Ctrl-D / EOF end it with what is known: run.interrupted is set (exit 130)."""
    from diag.analyzers import answers as ans
    from diag.analyzers.ask import Ask, Session, run
    from diag.i18n import tr
    from diag.runner import build_document

    session = Session(path, list(collected.observations), thresholds)
    err.print(
        "[bold]"
        + tr("Questions, the one that best narrows the fault first")
        + "[/bold] "
        + tr("(? explains, s or Enter skips, q finishes; Ctrl-C / Ctrl-D keep the answers given):")
    )

    def prompt(a: Ask) -> str | None:
        head = "" if a.key is None else f"[{len(session.asked) + 1}] "
        choices = f" [{'/'.join(a.values)}]" if a.values and a.key is not None else ""
        try:
            reply: str = click.prompt(
                f"{head}{a.text}{choices}", default="", show_default=False, err=True
            )
        except click.exceptions.Abort:  # click turns Ctrl-C and Ctrl-D / EOF into Abort
            raise KeyboardInterrupt from None
        return reply or None

    run(session, prompt, lambda text: err.print(text, markup=False, highlight=False))
    answered = session.given()
    err.print(
        tr(
            "{asked} question(s) asked, {answered} answered",
            asked=len(session.asked),
            answered=len(answered),
        )
        + (tr(" (interrupted: the document keeps them)") if session.interrupted else "")
    )
    collected.observations.extend(ans.observations(answered, "ask"))
    doc = build_document(
        c,
        path,
        collected,
        started=started,
        ticket=ticket,
        operator=operator,
        mode=mode,
        interrupted=interrupted,
        thresholds=thresholds,
    )
    if session.interrupted:
        doc = doc.model_copy(update={"run": doc.run.model_copy(update={"interrupted": True})})
    return doc, session.interrupted


def _replay_with_answers(
    folder: Path, given: Sequence[Observation], ask: bool, thresholds: Any, err: Any
) -> tuple[FindingsDocument, bool]:
    """A capture re-analysed with answers given now (--observe / --observations / --ask)."""
    from diag.capture import load_capture
    from diag.model.inventory import Inventory
    from diag.model.observations import AnswerObservation
    from diag.model.path import build_path
    from diag.runner import Collected, build_document

    cap = load_capture(folder)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    path = build_path(cap.circuit, inv)
    now = {o.key for o in given if isinstance(o, AnswerObservation)}  # given now wins
    kept = [o for o in cap.observations if not (isinstance(o, AnswerObservation) and o.key in now)]
    collected = Collected(observations=[*kept, *given], collectors=list(cap.collectors))
    common: dict[str, Any] = {
        "started": cap.started,
        "ticket": cap.ticket,
        "operator": cap.operator,
        "thresholds": thresholds,
    }
    if ask:
        return _ask(
            cap.circuit,
            path,
            collected,
            err=err,
            mode="replay",
            interrupted=cap.interrupted,
            **common,
        )
    doc = build_document(
        cap.circuit, path, collected, mode="replay", interrupted=cap.interrupted, **common
    )
    return doc, False


def _thresholds(items: tuple[str, ...]) -> Any:
    from diag.analyzers.answers import AnswerError
    from diag.analyzers.thresholds import defaults

    if not items:
        return None
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise AnswerError(
                f"--threshold {item!r}: write NAME=NUMBER, e.g. loss_pct=0.5"
            ) from None
        if not sep:
            raise AnswerError(f"--threshold {item!r}: write NAME=NUMBER")
    try:
        return defaults().with_overrides(values)
    except KeyError as exc:
        raise AnswerError(f"--threshold: {exc.args[0]}") from None


def _previous(path: Path, circuit_id: str) -> FindingsDocument:
    import json

    from pydantic import ValidationError

    from diag.analyzers.answers import AnswerError
    from diag.model.findings import FindingsDocument

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("schema_version") == "1.1":
            raw["schema_version"] = "1.2"  # 1.2 only added fields, each with a default
        doc = FindingsDocument.model_validate(raw)
    except (OSError, ValueError, ValidationError) as exc:
        raise AnswerError(
            f"--compare {path}: not a findings document of this version "
            f"({str(exc).splitlines()[0]})"
        ) from None
    if doc.circuit.id != circuit_id:
        raise AnswerError(
            f"--compare {path}: that document is for {doc.circuit.id}, not {circuit_id}"
        )
    return doc


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
    from diag.i18n import tr_marked

    con = _console()
    for step in playbook.load():
        con.print(f"[bold]step {step.id}[/bold]  {step.shown_title}")
        for r in step.rules:
            needs = ", ".join(r.needs) or "-"
            title = tr_marked(r.title)  # the rule's title in the reader's language
            con.print(
                f"  {r.id:32} {','.join(r.refs):18} {title}\n{'':35}needs: {needs}", markup=False
            )
    con.print("[bold]thresholds[/bold]")
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


# --------------------------------------------------------------------------- single collectors


def _finish_collector(
    observations: list[Observation],
    ok: bool,
    json_dest: str | None,
    lines: list[str],
    code: int | None = None,
    **extra: Any,
) -> NoReturn:
    """Write and print a single collector's result; `code` overrides the exit code (an
    interruption's 128 + N) and then the document says ok: false."""
    if code is not None:
        extra["ok"] = False
    if json_dest:
        _write_text(json_dest, _observations_json(observations, **extra))
    con = _console(stderr=json_dest == "-")
    for line in lines:
        con.print(line)
    sys.exit(code if code is not None else EXIT_HEALTHY if ok else EXIT_COLLECTOR_FAILED)


def _interrupted_collector(
    stop: Any, elapsed_s: float, json_dest: str | None, what: str, kept: list[Observation]
) -> NoReturn:
    """A single collector interrupted: what it read (if anything), ok false, 128 + N."""
    msg = stop.words(elapsed_s, what)
    click.echo(f"diag: {msg}", err=True)
    _finish_collector(kept, False, json_dest, [], code=stop.exit_code, error=msg, partial=True)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("nms_name", shell_complete=complete_nms)
@click.option(
    "--circuit",
    "circuit_id",
    shell_complete=complete_circuit,
    help="Only the NEs on this circuit's path (refused when this NMS manages none of them).",
)
@inventory_option
@json_option
def alarms(
    nms_name: str, circuit_id: str | None, inventory: Path | None, json_dest: str | None
) -> None:
    """Read the active alarms an NMS holds (all NEs, or one circuit's)."""
    from diag.errors import UnknownCircuitError
    from diag.model.observations import AlarmObservation
    from diag.model.path import build_path
    from diag.runner import nms_targets

    inv = _load(inventory)
    if nms_name not in inv.nms:
        _fail(UnknownCircuitError(f"no NMS {nms_name!r}; known: {', '.join(sorted(inv.nms))}"))
    nms = inv.nms[nms_name]
    from diag.inventory import cleartext_snmp

    for line in cleartext_snmp(inv, nms=nms_name):  # stderr only, not in the JSON
        click.echo(f"diag: warning: {line}", err=True)
    nes: dict[str, str] | None = None
    if circuit_id:
        if circuit_id not in inv.circuits:
            _fail(unknown_circuit(inv, circuit_id))
        managing = nms_targets(inv, build_path(inv.circuits[circuit_id], inv))
        if nms_name not in managing:  # asking it would answer "no alarm" about nothing
            where = "; ".join(
                f"{name} manages {', '.join(sorted(found.values()))} "
                f"(diag alarms {name} --circuit {circuit_id})"
                for name, found in sorted(managing.items())
            )
            _fail(
                UnknownCircuitError(
                    f"{nms_name} manages none of {circuit_id}'s network elements: "
                    + (where or "no NMS in the inventory manages any of them")
                )
            )
        nes = managing[nms_name]
    by_ne = {d.ne_name: d.name for d in inv.devices.values() if d.nms == nms_name and d.ne_name}

    async def run() -> tuple[list[AlarmObservation], bool, str | None]:
        from diag.collectors.nms import collect_with_status
        from diag.collectors.snmp.client import SnmpClient

        async with SnmpClient() as client:
            found, partial, note = await collect_with_status(
                client, nms, set(nes) if nes is not None else None
            )
        return [a.model_copy(update={"device": by_ne.get(a.ne)}) for a in found], partial, note

    import time

    from diag.runner import run_guarded

    stop = _interruptible()
    t0 = time.monotonic()
    try:
        got = run_guarded(run, stop, f"nms:{nms_name}")
        if got is None:  # an alarm list read in part would read as "no alarm": none is kept
            _interrupted_collector(
                stop, time.monotonic() - t0, json_dest, "before the NMS answered", []
            )
        found, partial, note = got
    except DiagError as exc:
        if json_dest:
            _write_text(json_dest, _observations_json([], ok=False, error=str(exc)))
        click.echo(f"diag: {exc}", err=True)
        sys.exit(EXIT_COLLECTOR_FAILED)
    n_cleared = sum(1 for a in found if a.cleared is not None or a.severity.value == "cleared")
    held = f", {n_cleared} cleared (historical)" if n_cleared else ""
    lines = [
        f"{nms_name}: {len(found) - n_cleared} active alarm(s){held}"
        f"{' (PARTIAL: ' + str(note) + ')' if partial else ''}"
    ]
    for a in found:
        port = f" port {a.port}" if a.port else ""
        when = a.raised.isoformat() if a.raised else ""
        if a.cleared is not None:
            when = f"{when} cleared {a.cleared.isoformat()}".strip()
        lines.append(
            f"  {a.ne}{port}  {a.vendor_name}  [{a.type}/{a.layer} {a.direction.value}] "
            f"{a.severity.value}  {when}"
        )
    _finish_collector(list(found), True, json_dest, lines, partial=partial)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("device_name", shell_complete=complete_device)
@click.option("--console", "use_console", is_flag=True, help="Read over the serial console.")
@click.option(
    "--interface",
    callback=lambda _c, _p, v: _syntax_arg("--interface", "interface_name", v),
    help="WAN interface as the router names it, e.g. Serial0/0/0:0 (default: the one the "
    "circuits name).",
)
@inventory_option
@json_option
@set_option
def router(
    device_name: str,
    use_console: bool,
    interface: str | None,
    inventory: Path | None,
    json_dest: str | None,
    assignments: tuple[str, ...],
) -> None:
    """Read one router: WAN interface and CRC growth, E1 controller / V.35 leads, CPU, logs,
    ping to the far end.

    Over a console that loses or garbles lines, outputs that came back incomplete are read again
    (a few times) and every reading not read whole is marked: PARTIAL (lines lost: the values
    it could not read are left unknown, e.g. a CPU peak shown only as "at least 95 %") or
    DEGRADED (read over that console, nothing in it can show a loss: logs)."""
    from rich.markup import escape

    from diag.analyzers.quality import label
    from diag.errors import UnknownCircuitError
    from diag.model.observations import DeviceAccessObservation
    from diag.settings import merge

    overrides = _overrides(assignments)
    inv = _load(inventory)
    dev = inv.devices.get(device_name)
    if dev is None or dev.role.value != "router":
        _fail(UnknownCircuitError(f"no router {device_name!r} in the inventory"))
    far_ip = None
    for c in inv.circuits.values():
        for end, far in ((c.a, c.b), (c.b, c.a)):
            if end.router == device_name:
                interface = interface or end.wan_interface
                far_ip = far.wan_ip.split("/")[0] if far.wan_ip else None
    if not interface:
        _fail(
            UnknownCircuitError(
                f"{device_name}: no circuit names its WAN interface; give --interface"
            )
        )
    settings = merge([inv.settings_default, overrides])
    reading, stop, elapsed = _read_router_interruptible(
        dev, interface, far_ip, settings, "console" if use_console else "ssh"
    )
    access = [o for o in reading.observations if isinstance(o, DeviceAccessObservation)]
    ok = all(o.ok for o in access) and stop.signum is None
    hidden = {"id", "collector", "at", "raw", "kind", "rtts_ms", "quality", "quality_note"}
    lines = []
    for o in reading.observations:
        fields = o.model_dump(exclude=hidden | {"unread"}, exclude_none=True)
        if "peak_72h_min" in fields:  # a graph not read whole: a bound, not a value
            fields["peak_72h"] = f">= {fields.pop('peak_72h_min'):g} (at least)"
        body = ", ".join(f"{k}={v}" for k, v in fields.items() if v not in ([], {}, ""))
        lines.append(f"[bold]{o.kind}[/bold] {escape(body)}")
        tag = label(o)
        if tag is not None:
            unknown = getattr(o, "unread", [])
            also = f" [unknown: {', '.join(unknown)}]" if unknown else ""
            lines.append(f"    [yellow]{escape(tag + also)}[/yellow]")
    not_whole = sum(label(o) is not None for o in reading.observations)
    if not_whole:
        lines.append(
            f"[yellow]{not_whole} reading(s) not read whole: read them again over SSH or a "
            "clean console line before relying on them[/yellow]"
        )
    if stop.signum is not None:
        msg = stop.words(elapsed, "what it read before is kept")
        lines.append(f"[yellow]{escape(msg)}[/yellow]")
        _finish_collector(
            reading.observations, False, json_dest, lines, code=stop.exit_code, error=msg,
            partial=True,
        )  # fmt: skip
    _finish_collector(reading.observations, ok, json_dest, lines)


def _read_router_interruptible(
    dev: Any, interface: str, far_ip: str | None, settings: Any, via: Literal["ssh", "console"]
) -> tuple[Any, Any, float]:
    """`diag router`'s reading in a thread of its own, so that SIGINT / SIGTERM / SIGHUP stop it
    and keep what it read: (reading, stop, elapsed seconds)."""
    import threading
    import time

    from diag.collectors.router import router_reader
    from diag.runner import GRACE_S

    stop = _interruptible()
    reader = router_reader(dev, interface, far_ip, settings, via=via, sleep=stop.sleep)
    done: list[Any] = []
    t0 = time.monotonic()
    worker = threading.Thread(
        target=lambda: done.append(reader.run()), name="diag-router", daemon=True
    )
    worker.start()
    while worker.is_alive() and stop.signum is None:
        worker.join(0.2)
    if stop.signum is not None:
        worker.join(GRACE_S)  # its command may end, and the session log out
    reading = done[0] if done else reader.so_far()
    return reading, stop, time.monotonic() - t0


def _syntax_arg(flag: str, check: str, value: Any) -> Any:
    """A flag value checked against its field's syntax (diag.model.syntax) before anything runs:
    a line break in it would reach the router as a second command."""
    from diag.model import syntax

    for v in value if isinstance(value, tuple) else [value]:
        if v is None:
            continue
        try:
            getattr(syntax, check)(v)
        except ValueError as exc:
            raise click.BadParameter(f"{v!r} {exc}", param_hint=flag) from exc
    return value


def _summary_line(o: Observation) -> str:
    fields = o.model_dump(
        exclude={"id", "collector", "at", "raw", "kind", "rtts_ms"}, exclude_none=True
    )
    body = ", ".join(f"{k}={v}" for k, v in fields.items() if v not in ([], {}, ""))
    return f"[bold]{o.kind}[/bold] {body}"


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument(
    "addresses",
    nargs=-1,
    required=True,
    callback=lambda _c, _p, v: _syntax_arg("ADDRESSES", "ping_target", v),
)
@json_option
@set_option
def ping(addresses: tuple[str, ...], json_dest: str | None, assignments: tuple[str, ...]) -> None:
    """Ping addresses from this host (loss %, RTT, jitter), concurrently."""
    import socket
    import time

    from diag.collectors.ping import ping_many
    from diag.runner import run_guarded
    from diag.settings import merge

    settings = merge([_overrides(assignments)])
    stop = _interruptible()
    t0 = time.monotonic()
    try:
        results = run_guarded(
            lambda: ping_many(list(addresses), settings, origin=socket.gethostname()),
            stop,
            "ping:host",
        )
        if results is None:
            _interrupted_collector(
                stop, time.monotonic() - t0, json_dest, "before the pings ended", []
            )
    except DiagError as exc:
        click.echo(f"diag: {exc}", err=True)
        sys.exit(EXIT_COLLECTOR_FAILED)
    lines = []
    for r in results:
        rtt = (
            f"rtt min/median/mean/max {r.rtt_min_ms}/{r.rtt_median_ms}/{r.rtt_mean_ms}/"
            f"{r.rtt_max_ms} ms, jitter {r.jitter_mean_delta_ms} ms"
            if r.received
            else "no reply"
        )
        lines.append(
            f"{r.target}: {r.sent} sent, {r.received} received, {r.loss_pct:.1f}% loss, {rtt}"
        )
    _finish_collector(list(results), True, json_dest, lines)


@cli.command(epilog=EXIT_CODES_HELP)
@click.argument("device_type")
@click.argument("command")
@click.argument("file", type=click.File("r", encoding="utf-8"), default="-")
@json_option
def parse(device_type: str, command: str, file: Any, json_dest: str | None) -> None:
    """Parse output captured elsewhere (FILE, or stdin) into observations, e.g.

    diag parse cisco_ios "show interfaces Serial0/0/0:0" pasted.txt

    diag parse ping laptop.txt   (iputils, fping, macOS/BSD, busybox or Windows ping output)
    """
    from datetime import UTC, datetime

    from diag.collectors.cli.parsers import parse_command
    from diag.errors import DiagError

    if device_type == "ping":  # `diag parse ping FILE`: the second argument is the file
        _parse_ping(command, json_dest)
    text = file.read()
    try:
        found = parse_command(device_type, command, text, device="pasted", at=datetime.now(UTC))
    except DiagError as exc:
        click.echo(f"diag: {exc}", err=True)
        sys.exit(EXIT_COLLECTOR_FAILED)
    _finish_collector(
        list(found),
        True,
        json_dest or "-",
        [] if not json_dest else [_summary_line(o) for o in found],
    )


def _parse_ping(path: str, json_dest: str | None) -> NoReturn:
    """Pasted ping output (iputils, fping, macOS/BSD, busybox, Windows) into one observation
    and the `--observe` answers it gives; what is not a ping run is refused (exit 6)."""
    from datetime import UTC, datetime

    from diag.collectors.ping.pasted import parse_pasted_ping
    from diag.errors import DiagError

    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        got = parse_pasted_ping(text)
    except (OSError, UnicodeDecodeError) as exc:
        click.echo(f"diag: cannot read {path}: {exc}", err=True)
        sys.exit(EXIT_COLLECTOR_FAILED)
    except DiagError as exc:
        click.echo(f"diag: {exc}", err=True)
        sys.exit(EXIT_COLLECTOR_FAILED)
    rtt = f", rtt avg {got.rtt_avg_ms:g} ms" if got.rtt_avg_ms is not None else ""
    lines = [
        f"{got.format}: {got.target or '?'}: {got.sent} sent, {got.received} received, "
        f"{got.loss_pct:g}% loss{rtt}",
        " ".join(f"--observe {k}={v}" for k, v in got.answers().items()),
    ]
    # as for vendor output: the observation as JSON on stdout, the summary on stderr
    _finish_collector([got.observation(datetime.now(UTC))], True, json_dest or "-", lines)


# --------------------------------------------------------------------------- inventory


@cli.group()
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


@cli.command()
@click.option("--sweep", "of_sweep", is_flag=True, help="The sweep document's (diag sweep).")
def schema(of_sweep: bool) -> None:
    """Print the JSON Schema of the findings document (--sweep: of the sweep document)."""
    from importlib.resources import files

    name = "sweep.schema.json" if of_sweep else "findings.schema.json"
    click.echo(files("diag.schema").joinpath(name).read_text(encoding="utf-8"), nl=False)


# --------------------------------------------------------------------------- known-hosts


@cli.group("known-hosts")
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
    from diag.settings import merge

    overrides = _overrides(assignments)
    inv = _load(inventory)
    dev = inv.devices.get(device_name)
    if dev is None or dev.mgmt is None:
        _fail(
            UnknownCircuitError(f"no device {device_name!r} with an SSH address in the inventory")
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
                    f"{device_name}: presents {status.fingerprint}, not {fingerprint}: not pinned"
                )
            )
    elif not yes and not click.confirm(
        "Pin this key? (compare it with the key on the router's console first)", err=True
    ):
        _fail(DiagError("not pinned"))
    try:
        pin(status)
    except DiagError as exc:
        _fail(exc)
    click.echo(f"pinned {status.fingerprint} for {status.name} in {status.path}")


# --------------------------------------------------------------------------- lab


@cli.group()
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
    from diag.lab import manager

    if generate_n is not None and (scenarios or inventory):
        raise click.UsageError("--generate serves its own network: no --scenario / --inventory")
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
    from diag.lab import manager

    click.echo("lab stopped" if manager.down() else "lab was not running")


@lab.command("status")
@json_option
def lab_status(json_dest: str | None) -> None:
    """Say whether the lab runs, what it serves, and which inventory to use with it (exit 1 when
    it does not run; --json says so too: running false)."""
    from diag.lab import manager

    info = manager.status()
    if json_dest:
        from diag.listings import lab_status_listing

        listing = lab_status_listing(info)
        _write_text(json_dest, listing.to_json())
        sys.exit(0 if listing.running else 1)
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
        kept = f"; the {len(expects)} documents are in {json_dir}" if json_dir else ""
        con.print(f"interrupted ({stop.reason}){kept}", style="bold yellow")
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


def _register() -> None:
    """Commands defined in their own packages (each imports its heavy libraries when run)."""
    from diag.check import check_cmd
    from diag.collectors.lan.cli import lan_capture_cmd
    from diag.distributed.cli import scheduler_cmd, worker_cmd
    from diag.history.cli import history_cmd
    from diag.inventory_import_cli import export_cmd, import_cmd
    from diag.report.cli import report_cmd
    from diag.report.ticket_cli import render_cmd
    from diag.sweep.cli import sweep_cmd

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
