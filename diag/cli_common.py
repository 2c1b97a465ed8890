"""Exit codes and the helpers the command modules share (diag.cli and its diag.cli_* modules).

It imports nothing heavy and never diag.cli, so that `python -m diag.cli` has one command tree.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from diag.clikit import fail as _fail
from diag.errors import DiagError
from diag.i18n import tr

if TYPE_CHECKING:
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
        _fail(DiagError(tr("{dest}: cannot write: {error}", dest=dest, error=exc.strerror or exc)))


def _write_json(doc: FindingsDocument, dest: str) -> None:
    _write_text(dest, doc.to_json())


def _observations_json(observations: list[Observation], **extra: Any) -> str:
    from diag.model.observations import ObservationsDocument

    return ObservationsDocument(observations=observations, **extra).model_dump_json(indent=2) + "\n"


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
        err.print(
            tr("diag: --debug {path}: cannot write: {error}", path=debug_dir, error=exc),
            markup=False,
        )
        return
    kept = (
        [tr("{count} session transcript(s) (secrets redacted)", count=len(transcripts))]
        if transcripts
        else []
    )
    if logged:
        kept.append(tr("the library log"))
    if kept:
        err.print(tr("{kept} in {dir}/", kept=tr(" and ").join(kept), dir=debug_dir), markup=False)
    else:
        err.print(
            tr("--debug: no device session ran, nothing kept in {dir}/", dir=debug_dir),
            markup=False,
        )
