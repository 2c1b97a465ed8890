"""`diag history`: a circuit's timeline, the chronic circuits, a ticket's history.

Registered in diag.cli; imports nothing heavy until it runs (SQLAlchemy comes with the store).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

import click

from diag.clikit import complete_circuit, console, fail, json_option
from diag.history.settings import CHRONIC_COUNT, CHRONIC_DAYS
from diag.i18n import tr

if TYPE_CHECKING:
    from collections.abc import Sequence

    from pydantic import BaseModel

    from diag.history.models import Chronic, HistoryRow, TicketHistory
    from diag.history.store import HistoryStore

history_option = click.option(
    "--history",
    "history_url",
    metavar="URL",
    envvar="DIAG_HISTORY",
    help="The history store: sqlite:///FILE or postgresql://USER@HOST/DB (default: "
    "$DIAG_HISTORY, else history.sqlite in $XDG_DATA_HOME/diag or ~/.local/share/diag).",
)

_AGE = re.compile(r"(\d+(?:\.\d+)?)\s*([smhdw])")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_STYLE = {
    "healthy": "green",
    "fault_localized": "bold red",
    "fault_suspected": "yellow",
    "inconclusive": "dim",
}


def _console() -> Any:
    """Rich's console (clikit.console: piped output printed whole, never folded)."""
    return console()


def parse_since(text: str, now: datetime) -> datetime:
    """`7d`, `12h`, `30m`, `2w`, `90s` ago, or an ISO time (UTC when it names no zone)."""
    from diag.errors import UsageError

    m = _AGE.fullmatch(text.strip().lower())
    if m:
        return now - timedelta(seconds=float(m.group(1)) * _UNIT[m.group(2)])
    try:
        t = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(
            tr(
                "--since {text!r}: write an age (30m, 12h, 7d, 2w) or a time "
                "(2026-12-01 or 2026-12-01T08:00, UTC unless a zone is given)",
                text=text,
            )
        ) from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _num(v: float | None, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def _when(t: datetime) -> str:
    return t.strftime("%Y-%m-%d %H:%M:%SZ")


def timeline_table(rows: list[HistoryRow], title: str) -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left", show_lines=False)
    for name, kw in (
        ("time (UTC)", {"no_wrap": True}),
        ("sweep", {"overflow": "fold"}),
        ("status", {"no_wrap": True}),
        ("segments", {"overflow": "fold"}),
        ("owner", {"no_wrap": True}),
        ("loss %", {"justify": "right", "no_wrap": True}),
        ("RTT ms", {"justify": "right", "no_wrap": True}),
        ("CRC/min", {"justify": "right", "no_wrap": True}),
        ("headline", {"ratio": 1, "min_width": 24}),
    ):
        table.add_column(name, **kw)
    for r in rows:
        ticket = f" [{r.ticket}]" if r.ticket else ""
        table.add_row(
            _when(r.started),
            r.sweep_id or "-",
            Text(r.status, style=_STYLE[r.status]),
            "\n".join(r.segments) or "-",
            "\n".join(r.owners) or "-",
            _num(r.loss_pct, ".1f"),
            _num(r.rtt_ms, ".1f"),
            _num(r.crc_per_min, ".1f"),
            Text(r.headline + ticket),
        )
    return table


def chronic_table(items: list[Chronic], title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("circuit", overflow="fold")
    table.add_column("customer", max_width=24)
    table.add_column("reason", no_wrap=True)
    table.add_column("segment / rule", overflow="fold")
    table.add_column("times", justify="right")
    table.add_column("first", no_wrap=True)
    table.add_column("last", no_wrap=True)
    table.add_column("ticket (closed) · containment plan due")
    for c in items:
        due = ""
        if c.ticket:
            closed = _when(c.closed) if c.closed else "?"
            plan = _when(c.containment_due) if c.containment_due else "?"
            due = f"{c.ticket} (closed {closed}) · due {plan}"
        table.add_row(
            c.circuit,
            c.customer,
            c.reason,
            c.key,
            str(c.occurrences),
            _when(c.first),
            _when(c.last),
            due or "-",
        )
    return table


def _dump(dest: str, items: Sequence[BaseModel]) -> None:
    import json

    from diag.errors import DiagError
    from diag.output.files import write_output

    payload = [m.model_dump(mode="json", by_alias=True) for m in items]
    try:
        write_output(dest, json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    except OSError as exc:
        fail(DiagError(tr("{file}: cannot write: {reason}", file=dest, reason=exc.strerror or exc)))


def _ticket_lines(th: TicketHistory) -> list[str]:
    if th.closed is None:
        return [
            f"Ticket {th.ticket}: not closed (no healthy diagnosis recorded under it; the "
            f"re-run after repair closes it: diag circuit ID --ticket {th.ticket})."
        ]
    out = [f"Ticket {th.ticket}: closed {_when(th.closed)} by a healthy re-run."]
    if not th.recurrences:
        out.append("No recurrence after closure.")
    for c in th.recurrences:
        due = _when(c.containment_due) if c.containment_due else "?"
        out.append(
            f"RECURRENCE on {c.circuit}: {c.key} began again {_when(c.first)} "
            f"({c.occurrences} time{'s' if c.occurrences != 1 else ''} since closure); a "
            f"containment plan is due by {due} (DOMAIN.md §4: within 24 h)."
        )
    return out


def _show_timeline(
    store: HistoryStore, circuit: str, since: datetime | None, limit: int, dest: str | None
) -> None:
    rows = store.timeline(circuit, since=since, limit=limit or None)
    if dest:
        _dump(dest, rows)
        return
    con = _console()
    if not rows:
        known = store.circuits()
        hint = f" Circuits recorded there: {', '.join(known[:10])}." if known else ""
        when = f" since {_when(since)}" if since else ""
        con.print(
            f"No diagnosis of {circuit} recorded in {store.url}{when}. `diag circuit {circuit}` "
            f"or a sweep records one.{hint}",
            markup=False,
        )
        return
    n = f"{len(rows)} diagnos{'is' if len(rows) == 1 else 'es'}"
    con.print(timeline_table(rows, f"{circuit}: {n} ({store.url})"))


@click.command("history")
@click.argument("circuit_id", required=False, shell_complete=complete_circuit)
@history_option
@click.option(
    "--since",
    metavar="AGE|TIME",
    help="Only diagnoses since then: 7d, 12h, 30m, 2w, or an ISO time.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=200,
    show_default=True,
    help="At most this many of the most recent diagnoses (0: all).",
)
@json_option
@click.option(
    "--chronic", is_flag=True, help="List the chronic circuits (with CIRCUIT_ID: that one)."
)
@click.option(
    "--count",
    type=click.IntRange(min=1),
    default=CHRONIC_COUNT,
    show_default=True,
    envvar="DIAG_CHRONIC_COUNT",
    help="--chronic: beginnings of the same fault that make a circuit chronic (env DIAG_CHRONIC_COUNT).",
)
@click.option(
    "--days",
    type=click.FloatRange(min=0, min_open=True),
    default=CHRONIC_DAYS,
    show_default=True,
    envvar="DIAG_CHRONIC_DAYS",
    help="--chronic: within this many days (env DIAG_CHRONIC_DAYS).",
)
@click.option(
    "--ticket",
    "tickets",
    multiple=True,
    metavar="TS...",
    help="A ticket's diagnoses, its closure and any recurrence after it (repeatable).",
)
def history_cmd(
    circuit_id: str | None,
    history_url: str | None,
    since: str | None,
    limit: int,
    json_dest: str | None,
    chronic: bool,
    count: int,
    days: float,
    tickets: tuple[str, ...],
) -> None:
    """A circuit's timeline of diagnoses; --chronic: the circuits whose faults recur; --ticket:
    a ticket's history and any recurrence after it was closed.

    A fault counts once per outage: it *begins* when the circuit's previous decisive diagnosis
    did not have it (docs/history.md)."""
    from diag.errors import DiagError, UsageError
    from diag.history import open_store
    from diag.ticket import parse_ticket

    try:
        if chronic and tickets:
            raise UsageError(tr("--chronic and --ticket: ask for one at a time"))
        if tickets and circuit_id:
            raise UsageError(tr("--ticket shows every circuit of the ticket: leave out CIRCUIT_ID"))
        if not (circuit_id or chronic or tickets):
            raise UsageError(
                tr(
                    "name a circuit (diag history CIRCUIT_ID), or ask for --chronic or "
                    "--ticket TS..."
                )
            )
        numbers = [parse_ticket(n).number for n in tickets]
        now = datetime.now(UTC)
        start = parse_since(since, now) if since else None
        with open_store(history_url) as store:
            if chronic:
                items = store.chronic(count=count, days=days, now=now)
                if circuit_id:
                    items = [c for c in items if c.circuit == circuit_id]
                if json_dest:
                    _dump(json_dest, items)
                    return
                con = _console()
                if not items:
                    con.print(
                        f"No chronic circuit{' ' + circuit_id if circuit_id else ''} in "
                        f"{store.url}: no fault began {count}+ times in {days:g} days, and none "
                        "came back after a closed ticket.",
                        markup=False,
                    )
                    return
                con.print(
                    chronic_table(
                        items,
                        f"Chronic circuits: the same segment or rule began {count}+ times in "
                        f"{days:g} days, or came back after a closed ticket ({store.url})",
                    )
                )
                return
            if numbers:
                histories = [store.ticket_history(n, now=now) for n in numbers]
                if json_dest:
                    _dump(json_dest, histories)
                    return
                con = _console()
                for th in histories:
                    rows = [r for r in th.diagnoses if start is None or r.started >= start]
                    if not th.diagnoses:
                        con.print(
                            f"Ticket {th.ticket}: no diagnosis recorded under it in {store.url} "
                            f"(diag circuit ID --ticket {th.ticket} records one).",
                            markup=False,
                        )
                        continue
                    con.print(timeline_table(rows, f"Ticket {th.ticket}: {', '.join(th.circuits)}"))
                    for line in _ticket_lines(th):
                        con.print(line, markup=False)
                return
            assert circuit_id is not None
            _show_timeline(store, circuit_id, start, limit, json_dest)
    except DiagError as exc:
        fail(exc)
