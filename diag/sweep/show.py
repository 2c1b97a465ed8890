"""A sweep on the terminal: the progress bar (or a line per tenth) and the final summary
(incidents, counts, circuits not healthy outside any incident, NMS snapshots, failures)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from diag.clikit import console

if TYPE_CHECKING:
    from rich.console import Console

    from diag.sweep.engine import SweepRun
    from diag.sweep.model import CircuitResult, SweepDocument


class _Progress:
    """The sweep's progress bar on stderr (done, failed, ETA), or a line per tenth."""

    def __init__(self, con: Console, show: bool) -> None:
        self.show = show
        self.err = console(stderr=True)
        self.total = 0
        self.done = 0
        self.failed = 0
        self._bar: Any = None
        self._task: Any = None
        self._tenth = 0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def begin(self, total: int, already: int) -> None:
        self.total, self.done = total, already
        if not self.show:
            return
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self._bar = Progress(
            TextColumn("sweep"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failed]} not healthy"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=self.err,
            transient=True,
        )
        self._bar.start()
        self._task = self._bar.add_task("sweep", total=total, completed=already, failed=0)

    def circuit(self, result: CircuitResult) -> None:
        self.update(self.done + 1, self.failed + (result.status != "healthy"))

    def update(self, done: int, failed: int) -> None:
        """The counts so far (a distributed sweep's, read from the history store)."""
        self.done, self.failed = done, failed
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, failed=self.failed)
            return
        tenth = self.done * 10 // max(self.total, 1)
        if tenth > self._tenth:
            self._tenth = tenth
            self.err.print(
                f"sweep: {self.done}/{self.total} circuits, {self.failed} not healthy",
                highlight=False,
            )


STATUS_STYLE = {
    "healthy": "green",
    "fault_localized": "bold red",
    "fault_suspected": "red",
    "inconclusive": "yellow",
    "failed": "bold magenta",
}


def _seg(result: CircuitResult) -> str:
    s = result.segment
    if s is None:
        return ""
    return s.from_ if s.from_ == s.to else f"{s.from_} … {s.to}"


def _print(con: Console, run: SweepRun) -> None:
    from rich.table import Table

    from diag.sweep.engine import SEVERITY

    doc: SweepDocument = run.document
    for inc in doc.incidents:
        span = (
            inc.span.from_ if inc.span.from_ == inc.span.to else f"{inc.span.from_} … {inc.span.to}"
        )
        con.print(
            f"[bold red]INCIDENT {inc.id}[/]: {span} ({inc.owner}), "
            f"{len(inc.circuits)} circuit(s), {len(inc.customers)} customer(s)"
        )
        con.print(f"  {inc.summary}")
        con.print(f"  circuits: {', '.join(c.circuit for c in inc.circuits)}", highlight=False)
    grouped = {c.circuit for inc in doc.incidents for c in inc.circuits}
    c = doc.counts
    parts = [
        f"{c.healthy} healthy",
        f"{c.fault_localized} fault localized",
        f"{c.fault_suspected} fault suspected",
        f"{c.inconclusive} inconclusive",
    ]
    if c.failed:
        parts.append(f"{c.failed} failed")
    if c.not_run:
        parts.append(f"{c.not_run} not run")
    took = f"{doc.duration_s:.1f} s" if doc.duration_s is not None else "?"
    con.print(
        f"\n[bold]sweep {doc.id}[/] {doc.state}: {c.total} circuits in {took}: " + ", ".join(parts),
        highlight=False,
    )
    rest = [r for r in doc.circuits if r.status != "healthy" and r.circuit not in grouped]
    if rest:
        table = Table(title="not healthy, outside any incident", title_justify="left")
        for col in ("circuit", "status", "segment", "owner", "summary"):
            table.add_column(col, overflow="fold")
        for r in sorted(rest, key=lambda r: (SEVERITY.index(r.status), r.circuit)):
            table.add_row(
                r.circuit,
                f"[{STATUS_STYLE[r.status]}]{r.status}[/]",
                _seg(r),
                r.owner or "",
                r.summary,
            )
        con.print(table)
    for s in doc.snapshots:
        state = "ok" if s.ok and not s.partial else ("partial" if s.ok else "FAILED")
        con.print(
            f"NMS {s.nms} ({s.driver}): one snapshot, {state}, {s.alarms} alarm(s) on "
            f"{s.nes} NE(s), {s.duration_s:.2f} s, shared by {s.circuits} circuit(s)"
            + (f": {s.error}" if s.error else ""),
            highlight=False,
        )
    for f in doc.failures:
        con.print(f"[magenta]failure[/]: {f}", highlight=False)
    if doc.state == "partial":
        con.print(
            f"[yellow]partial ({doc.interrupted_by or 'interrupted'}): {c.not_run} circuit(s) "
            f"not run; `diag sweep --resume {doc.id}` finishes it[/]"
        )
