"""`diag render FINDINGS.json --html PAGE`: the ticket page from a saved findings document,
without diagnosing again (the ticket after the fact).

Only click is imported here: `diag --help` loads this module.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from diag.errors import DiagError
from diag.i18n import tr

if TYPE_CHECKING:
    from diag.model.findings import FindingsDocument


class FindingsFileError(DiagError):
    """The file given is not a findings document diag can read."""

    exit_code = 2


def _fail(exc: Exception) -> NoReturn:
    code = exc.exit_code if isinstance(exc, DiagError) else 1
    click.echo(f"diag: {exc}", err=True)
    sys.exit(code)


def load_findings(source: str) -> FindingsDocument:
    """A findings document from a file (`-`: stdin), or an error that says what is wrong."""
    from pydantic import ValidationError

    from diag.model.findings import FindingsDocument

    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise FindingsFileError(
            tr("{file}: cannot read: {reason}", file=source, reason=reason)
        ) from None

    try:
        return FindingsDocument.model_validate_json(text)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(x) for x in first["loc"]) or "the document"
        raise FindingsFileError(
            tr(
                "{file}: not a findings document of diag circuit --json ({count} problem(s); "
                "first: {where}: {problem})",
                file=source,
                count=exc.error_count(),
                where=where,
                problem=first["msg"],
            )
        ) from None


def _page_path(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value == "-":  # stdout carries the terminal summary (or --json -)
        raise click.BadParameter(
            tr("give a file path (diag render FINDINGS.json --html - writes to stdout)")
        )
    return value


html_option = click.option(
    "--html",
    "html_dest",
    metavar="FILE.html",
    callback=_page_path,
    help="Also write the ticket page: one self-contained HTML file with the path drawn and "
    "each fault marked, the verdict and its evidence, next steps, customer summary, ticket, "
    "who ran it and when (docs/ticket-report.md).",
)


@click.command("render")
@click.argument("findings", metavar="FINDINGS.json", type=click.Path(allow_dash=True))
@click.option(
    "--html",
    "html_dest",
    required=True,
    metavar="FILE.html",
    help="The ticket page: one self-contained HTML file (- = stdout).",
)
def render_cmd(findings: str, html_dest: str) -> None:
    """Write the ticket page of a saved diagnosis (`diag circuit ID --json FILE`): the path with
    each fault marked, the verdict with its evidence, next steps, customer summary, ticket, who
    ran it and when, and what could not be read.  The page is in the document's language.

    \b
    Exit codes: 0 written; 2 not a findings document, or a bad output path.
    """
    from diag.report.ticket_page import write_ticket_page

    try:
        doc = load_findings(findings)
        write_ticket_page(doc, html_dest)
    except DiagError as exc:
        _fail(exc)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        _fail(
            FindingsFileError(tr("{file}: cannot write: {reason}", file=html_dest, reason=reason))
        )
    if html_dest != "-":
        click.echo(tr("{circuit}: wrote {file}", circuit=doc.circuit.id, file=html_dest), err=True)
