"""`diag check ID`: diag as a Nagios / Icinga plugin (docs/nagios.md).

The Monitoring Plugins Development Guidelines: one status line, then optional long text; the
exit code is the state (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN); performance data after `|` as
`'label'=value[UOM];[warn];[crit];[min];[max]`.  The verdict maps to the state: healthy OK,
fault_suspected WARNING, fault_localized CRITICAL (WARNING when every fault found degrades the
line rather than interrupts it), inconclusive UNKNOWN; and anything that keeps
diag from a verdict (a bad inventory, an unknown id, a usage error, the -t timeout, a crash) is
UNKNOWN with its reason on the status line, never a traceback.  Perfdata carries only values
that were measured: an unread one is left out, never written as 0.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import click

from diag.clikit import complete_circuit, inventory_option, set_option
from diag.i18n import tr

if TYPE_CHECKING:
    from diag.analyzers.thresholds import Thresholds
    from diag.model.findings import FindingsDocument

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
STATE_NAMES = ("OK", "WARNING", "CRITICAL", "UNKNOWN")  # parsed by monitoring systems: English
VERDICT_STATE = {
    "healthy": OK,
    "fault_suspected": WARNING,
    "fault_localized": CRITICAL,
    "inconclusive": UNKNOWN,
}
SERVICE = "DIAG"
# Below the 60 s service_check_timeout of Nagios and Icinga; the CRC window alone takes
# crc_sample_interval_s (30 s by default).
DEFAULT_TIMEOUT_S = 55


@dataclass(frozen=True)
class Perf:
    """One performance data item; None fields are left empty."""

    label: str
    value: float
    uom: str = ""
    warn: float | None = None
    crit: float | None = None
    min: float | None = None
    max: float | None = None

    def render(self) -> str:
        fields = [self.warn, self.crit, self.min, self.max]
        while fields and fields[-1] is None:  # trailing empty fields may be dropped
            fields.pop()
        tail = "".join(";" + ("" if v is None else number(v)) for v in fields)
        label = self.label.replace("'", "''")
        return f"'{label}'={number(self.value)}{self.uom}{tail}"


def number(v: float) -> str:
    """A value in the guidelines' character class [-0-9.]: no exponent, no locale."""
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


@dataclass(frozen=True)
class PluginResult:
    state: int
    summary: str
    long: list[str] = field(default_factory=list)
    perf: list[Perf] = field(default_factory=list)
    abandoned: bool = False  # a diagnosis still runs in a thread (timeout): exit at once

    def text(self) -> str:
        line = f"{SERVICE} {STATE_NAMES[self.state]} - {one_line(self.summary)}"
        if self.perf:
            line += " | " + " ".join(p.render() for p in self.perf)
        return line + "\n" + "".join(one_line(x) + "\n" for x in self.long)


def one_line(text: str) -> str:
    """`|` separates the perfdata and a newline the long text: neither inside a message."""
    return " ".join(text.replace("|", "/").split())


def unknown(circuit_id: str, reason: str, *more: str) -> PluginResult:
    return PluginResult(UNKNOWN, f"{circuit_id}: {reason}", list(more))


def perfdata(doc: FindingsDocument, t: Thresholds) -> list[Perf]:
    """Loss and RTT of the end-to-end ping (the routers' WAN-to-WAN pings, else this host's; the
    worst loss), the worst end's CRC growth per minute; each only when it was measured."""
    from diag.model.observations import CrcGrowthObservation, PingObservation

    out: list[Perf] = []
    pings = [o for o in doc.observations if isinstance(o, PingObservation) and o.sent > 0]
    chosen = [p for p in pings if p.origin_kind == "router"] or pings
    if chosen:
        worst = max(chosen, key=lambda p: (p.loss_pct, p.origin, p.target))
        out.append(Perf("loss", worst.loss_pct, "%", t["loss_pct"], t["loss_severe_pct"], 0, 100))
        rtt = worst.rtt_median_ms if worst.rtt_median_ms is not None else worst.rtt_mean_ms
        if rtt is not None:  # every probe lost: no RTT was measured
            out.append(Perf("rtt", rtt, "ms", t["latency_ms"], None, 0))
    rates = [
        o.per_min
        for o in doc.observations
        if isinstance(o, CrcGrowthObservation) and o.per_min is not None
    ]
    if rates:
        out.append(Perf("crc_rate", max(rates), "", t["crc_growth_per_min"], None, 0))
    return out


def _span(seg_from: str, seg_to: str) -> str:
    return seg_from if seg_from == seg_to else f"{seg_from} … {seg_to}"


def short_verdict(doc: FindingsDocument) -> str:
    """The status line's words: the verdict and, for a fault, where and whose (the verdict's
    whole sentence opens the long text)."""
    v = doc.verdict
    if v.status == "healthy":
        return tr("healthy: no fault found")
    if v.status == "inconclusive" or not v.faults:
        if v.unread:
            return tr("inconclusive: {count} source(s) not read", count=len(v.unread))
        return tr("inconclusive")
    head = v.faults[0]
    where = _span(head.segment.from_, head.segment.to)
    more = len(v.faults) - 1
    if v.status == "fault_localized":
        if more:
            return tr(
                "fault localized: {segment} ({owner}), and {more} more fault(s)",
                segment=where,
                owner=head.owner,
                more=more,
            )
        return tr("fault localized: {segment} ({owner})", segment=where, owner=head.owner)
    return tr("fault suspected: {segment} ({owner})", segment=where, owner=head.owner)


def from_document(doc: FindingsDocument, t: Thresholds) -> PluginResult:
    """The plugin's answer for a finished diagnosis."""
    v = doc.verdict
    state = VERDICT_STATE[v.status]
    if state == CRITICAL and all(f.impact == "degraded" for f in v.faults):
        state = WARNING  # localized, but the line still carries traffic (errors, loss)
    long = [v.summary]
    long += [
        tr(
            "fault {number}: {segment} ({owner}): {summary}",
            number=f.number,
            segment=_span(f.segment.from_, f.segment.to),
            owner=f.owner,
            summary=f.summary,
        )
        for f in v.faults
    ]
    if v.unread:
        long.append(tr("not read: {sources}", sources=", ".join(v.unread)))
    long += [
        tr(
            "collector {name} ({target}) failed: {error}",
            name=c.name,
            target=c.target,
            error=c.error or "?",
        )
        for c in doc.collectors
        if not c.ok
    ]
    if doc.run.interrupted:  # what was read is a part: no state can be vouched for
        state = UNKNOWN
        long.insert(0, tr("interrupted: the verdict covers what was read before"))
    return PluginResult(state, f"{doc.circuit.id}: {short_verdict(doc)}", long, perfdata(doc, t))


def emit(result: PluginResult) -> NoReturn:
    """Print the plugin output and exit with its state (stdout only: Nagios reads stdout)."""
    sys.stdout.write(result.text())
    sys.stdout.flush()
    if result.abandoned:  # the session threads left running would hold the interpreter's exit
        import os

        sys.stderr.flush()
        os._exit(result.state)
    sys.exit(result.state)


def _thresholds(items: tuple[str, ...]) -> Thresholds:
    from diag.analyzers.thresholds import defaults

    values: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise ValueError(
                tr("--threshold {item}: write NAME=NUMBER, e.g. loss_pct=0.5", item=item)
            ) from None
        if not sep:
            raise ValueError(tr("--threshold {item}: write NAME=NUMBER", item=item))
    try:
        return defaults().with_overrides(values)
    except KeyError as exc:
        raise ValueError(f"--threshold: {exc.args[0]}") from None


def run(
    circuit_id: str,
    inventory: Path | None,
    timeout_s: float,
    assignments: tuple[str, ...],
    threshold_items: tuple[str, ...],
) -> PluginResult:
    """Load, validate, diagnose within `timeout_s` of the call (the inventory's loading and
    the heavy imports count too, as the monitoring system's clock does); every failure an
    UNKNOWN result."""
    import threading
    import time

    deadline = time.monotonic() + timeout_s

    from diag.errors import DiagError
    from diag.inventory import default_inventory_dir, load_inventory
    from diag.runner import Stop, diagnose_many
    from diag.settings import merge, parse_assignments, with_inventory_folder

    try:
        t = _thresholds(threshold_items)
        overrides = parse_assignments(assignments)
        merge([overrides], where="--set")
    except (ValueError, DiagError) as exc:
        return unknown(circuit_id, tr("usage: {error}", error=str(exc)))
    try:
        inv = with_inventory_folder(load_inventory(inventory), inventory or default_inventory_dir())
    except DiagError as exc:
        first, *rest = str(exc).splitlines() or [type(exc).__name__]
        if not first.startswith("inventory"):  # the loader's own words usually say so
            first = tr("inventory: {error}", error=first)
        return unknown(circuit_id, first, *rest)
    if circuit_id not in inv.circuits:
        from diag.clikit import unknown_circuit

        return unknown(circuit_id, str(unknown_circuit(inv, circuit_id)))

    done: list[Any] = []
    failed: list[BaseException] = []
    stop = Stop()  # not installed: Nagios's SIGTERM ends the process as usual

    def work() -> None:
        try:
            done.extend(
                diagnose_many(
                    inv,
                    [circuit_id],
                    operator="diag-check",
                    overrides=dict(overrides),
                    thresholds=t,
                    stop=stop,
                )
            )
        except BaseException as exc:  # reported as UNKNOWN by the caller  # noqa: BLE001
            failed.append(exc)

    # a daemon thread: at the deadline diag answers and exits, whatever a session still waits on
    worker = threading.Thread(target=work, name="diag-check", daemon=True)
    worker.start()
    worker.join(max(0.0, deadline - time.monotonic()))
    if worker.is_alive():
        stop.event.set()  # sessions that wait on it give up
        late = unknown(
            circuit_id,
            tr("no verdict within {seconds} s (-t/--timeout)", seconds=number(timeout_s)),
        )
        return PluginResult(late.state, late.summary, late.long, abandoned=True)
    if failed:
        return _crash(circuit_id, failed[0])
    return from_document(done[0].document, t)


def _crash(circuit_id: str, exc: BaseException) -> PluginResult:
    """An error diag did not foresee: one line on the status line, the traceback in the log."""
    import logging

    from diag import logsetup
    from diag.errors import DiagError

    if isinstance(exc, DiagError):
        return unknown(circuit_id, str(exc))
    logging.getLogger("diag.check").error("diag check crashed", exc_info=exc)
    what = logsetup.describe(exc)
    try:
        reason = tr("internal error: {error}", error=what)
    except Exception:  # the catalogs themselves may be what failed  # noqa: BLE001
        reason = f"internal error: {what}"
    return unknown(circuit_id, reason)


class PluginCommand(click.Command):
    """A command whose usage errors are UNKNOWN (exit 3) on stdout, as plugins must."""

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        try:
            return super().make_context(info_name, args, parent=parent, **extra)
        except click.UsageError as exc:
            emit(PluginResult(UNKNOWN, tr("usage: {error}", error=exc.format_message())))


@click.command("check", cls=PluginCommand)
@click.argument("circuit_id", shell_complete=complete_circuit)
@inventory_option
@click.option(
    "-t",
    "--timeout",
    "timeout_s",
    type=click.FloatRange(min=1),
    default=DEFAULT_TIMEOUT_S,
    show_default=True,
    help="Seconds before the check gives up: UNKNOWN (exit 3).",
)
@set_option
@click.option(
    "--threshold",
    "threshold_items",
    multiple=True,
    metavar="NAME=VALUE",
    help="Override a rule threshold (also the perfdata's warn/crit), e.g. --threshold loss_pct=0.5.",
)
def check_cmd(
    circuit_id: str,
    inventory: Path | None,
    timeout_s: float,
    assignments: tuple[str, ...],
    threshold_items: tuple[str, ...],
) -> None:
    """Diagnose one circuit as a Nagios / Icinga plugin: one status line `DIAG OK|WARNING|
    CRITICAL|UNKNOWN - ID: verdict`, the faults below it, perfdata (loss, rtt, crc_rate).

    \b
    Exit codes (Monitoring Plugins guidelines):
       0  OK        healthy
       1  WARNING   fault suspected, or localized faults that only degrade the line
       2  CRITICAL  fault localized (an outage)
       3  UNKNOWN   inconclusive, or no verdict: inventory, unknown id, usage, timeout, error
    docs/nagios.md has the Icinga2 CheckCommand and the Nagios command definition.
    """
    try:
        result = run(circuit_id, inventory, timeout_s, assignments, threshold_items)
    except (Exception, KeyboardInterrupt) as exc:  # never a traceback: the line is shown  # noqa: BLE001
        result = _crash(circuit_id, exc)
    emit(result)
