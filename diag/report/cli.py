"""`diag report`: a sweep's or a circuit's report from the history store, as HTML (and CSV).

Only click is imported here: `diag --help` loads this module, and the store, pandas and
matplotlib load when the command runs.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

from diag.clikit import complete_circuit
from diag.errors import DiagError
from diag.i18n import tr

if TYPE_CHECKING:
    from diag.history import HistoryStore


def _fail(exc: Exception) -> NoReturn:
    code = exc.exit_code if isinstance(exc, DiagError) else 1
    click.echo(f"diag: {exc}", err=True)
    sys.exit(code)


def _write(dest: str, text: str) -> None:
    from diag.output.files import write_output

    try:
        write_output(dest, text)
    except OSError as exc:
        raise DiagError(
            tr("{file}: cannot write: {reason}", file=dest, reason=exc.strerror or exc)
        ) from None


class NothingToReport(DiagError):
    """The store holds no such sweep or circuit."""

    exit_code = 2


def _sweep_report(store: HistoryStore, sweep_id: str | None) -> tuple[str, object, str]:
    from diag.report.sweep import render_sweep_report, sweep_frame

    sweep = store.sweep(sweep_id) if sweep_id else store.latest_sweep()
    if sweep is None:
        known = ", ".join(s.id for s in store.sweeps(5))
        if sweep_id and known:
            why = tr(
                "history {url}: no sweep {id}; its latest sweeps: {known}",
                url=store.url,
                id=sweep_id,
                known=known,
            )
        elif sweep_id:
            why = tr(
                "history {url}: no sweep {id}; it holds no sweep yet", url=store.url, id=sweep_id
            )
        elif known:  # cannot be (a latest sweep exists), kept for a store changing meanwhile
            why = tr(
                "history {url}: no sweep; its latest sweeps: {known}", url=store.url, known=known
            )
        else:
            why = tr("history {url}: no sweep; it holds no sweep yet", url=store.url)
        raise NothingToReport(why)
    docs = store.documents(sweep_id=sweep.id)
    html = render_sweep_report(sweep, docs)
    note = f"sweep {sweep.id}: {len(sweep.circuits)} circuits, {len(sweep.incidents)} incidents"
    return html, sweep_frame(sweep, docs), note


def _circuit_report(store: HistoryStore, circuit: str) -> tuple[str, object, str]:
    import difflib

    from diag.report.circuit import circuit_frame, render_circuit_report

    rows = store.timeline(circuit)
    if not rows:
        close = difflib.get_close_matches(circuit, store.circuits(), n=3)
        raise NothingToReport(
            tr(
                "history {url}: no diagnosis of circuit {circuit}; did you mean {close}?",
                url=store.url,
                circuit=circuit,
                close=", ".join(close),
            )
            if close
            else tr(
                "history {url}: no diagnosis of circuit {circuit}", url=store.url, circuit=circuit
            )
        )
    docs = store.documents(circuit=circuit)
    note = f"circuit {circuit}: {len(rows)} diagnoses"
    return render_circuit_report(circuit, rows, docs), circuit_frame(rows), note


@click.command("report")
@click.option(
    "--sweep", "sweep_id", metavar="ID", help="The sweep to report (default: the latest)."
)
@click.option(
    "--circuit",
    metavar="ID",
    shell_complete=complete_circuit,
    help="Report this circuit's history instead of a sweep.",
)
@click.option(
    "--history",
    "history_url",
    metavar="URL",
    help="History store (default: $DIAG_HISTORY, else a SQLite file in the user's data folder).",
)
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    metavar="FILE.html",
    help="The HTML report: one self-contained file (- = stdout).",
)
@click.option(
    "--csv", "csv_dest", metavar="FILE.csv", help="Also export the report's table as CSV."
)
def report_cmd(
    sweep_id: str | None,
    circuit: str | None,
    history_url: str | None,
    output: str,
    csv_dest: str | None,
) -> None:
    """Write a sweep's report (incidents, then every circuit worst first) or a circuit's history
    report (RTT and loss SmokePing-style, CRC growth, verdicts over time) from the history store.

    \b
    Exit codes: 0 written; 2 usage error, unknown sweep or circuit, bad URL or output path;
    3 the store cannot be opened.
    """
    if sweep_id and circuit:
        raise click.UsageError(tr("give --sweep or --circuit, not both"))
    try:
        from diag.history import open_store

        with open_store(history_url) as store:
            if circuit:
                html, frame, note = _circuit_report(store, circuit)
            else:
                html, frame, note = _sweep_report(store, sweep_id)
        _write(output, html)
        if csv_dest:
            _write(csv_dest, frame.to_csv(index=False))  # type: ignore[attr-defined]
    except DiagError as exc:
        _fail(exc)
    written = ", ".join(x for x in (output, csv_dest) if x and x != "-")
    if written:
        click.echo(f"{note}; wrote {written}", err=True)
