"""The first verdict on the terminal: shown while the CRC window is still open, marked
provisional, followed by the final one (docs/first-verdict.md)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from diag.i18n import tr

if TYPE_CHECKING:
    from rich.console import Console

    from diag.first_verdict import Provisional
    from diag.model.findings import FindingsDocument

STYLE = {
    "healthy": "bold green",
    "fault_localized": "bold red",
    "fault_suspected": "bold yellow",
    "inconclusive": "bold magenta",
}


def _headline(status: str) -> str:
    # whole headlines, not the terminal's status words: this module's messages are its own
    return {
        "healthy": tr("PROVISIONAL · HEALTHY"),
        "fault_localized": tr("PROVISIONAL · FAULT LOCALIZED"),
        "fault_suspected": tr("PROVISIONAL · FAULT SUSPECTED"),
        "inconclusive": tr("PROVISIONAL · INCONCLUSIVE"),
    }[status]


def _owner(owner: str) -> str:
    return {
        "carrier": tr("owner: carrier"),
        "customer": tr("owner: customer"),
    }.get(owner, tr("owner: unknown"))


def _where(doc: FindingsDocument) -> str:
    seg = doc.verdict.segment
    if seg is None:
        return ""
    span = seg.from_ if seg.from_ == seg.to else f"{seg.from_} … {seg.to}"
    return f"  {span}  {_owner(doc.verdict.owner)}"


def _seconds(closes_in_s: float) -> int:
    return max(0, math.ceil(closes_in_s))


def render(first: Provisional, console: Console) -> None:
    """The headline block: PROVISIONAL, the verdict, its summary, and when it is refined."""
    doc = first.document
    head = Text(_headline(doc.verdict.status), style=STYLE[doc.verdict.status])
    head.append("  ")
    head.append(doc.circuit.id, style="bold")
    head.append(_where(doc))
    console.print(head)
    console.print(f"  {doc.verdict.summary}", highlight=False, markup=False)
    console.print(
        tr(
            "  refining: CRC window closes in {n} s (the final verdict follows)",
            n=_seconds(first.closes_in_s),
        ),
        style="dim",
        highlight=False,
        markup=False,
    )
    console.print()


def line(first: Provisional) -> str:
    """The same on one line (stderr, off a terminal)."""
    doc = first.document
    return tr(
        "{headline}  {circuit}{where}  (refining: CRC window closes in {n} s)",
        headline=_headline(doc.verdict.status),
        circuit=doc.circuit.id,
        where=_where(doc).rstrip(),
        n=_seconds(first.closes_in_s),
    )


def sink(enabled: bool | None, out: Console, err: Console) -> Callable[[Provisional], None] | None:
    """Where the first verdict goes: the terminal output by default when it is one; with
    --provisional off a terminal, one line on stderr; None: not shown (--no-provisional)."""
    if enabled is False or (enabled is None and not out.is_terminal):
        return None

    def show(first: Provisional) -> None:
        try:
            if out.is_terminal:
                render(first, out)
            else:
                err.print(line(first), highlight=False, markup=False, soft_wrap=True)
            out.file.flush()
        except OSError:  # a terminal gone (SIGHUP): the final document is what counts
            pass

    return show
