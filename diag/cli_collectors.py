"""The single-collector commands: `diag alarms`, `diag router`, `diag ping`, `diag parse`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NoReturn

import click

from diag.cli_common import (
    EXIT_CODES_HELP,
    EXIT_COLLECTOR_FAILED,
    EXIT_HEALTHY,
    _interruptible,
    _observations_json,
    _write_text,
)
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
from diag.i18n import mark, tr

if TYPE_CHECKING:
    from diag.model.observations import Observation


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
    click.echo(f"diag: {stop.said(elapsed_s, what)}", err=True)
    _finish_collector(kept, False, json_dest, [], code=stop.exit_code, error=msg, partial=True)


@click.command(epilog=EXIT_CODES_HELP)
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
        _fail(
            UnknownCircuitError(
                tr(
                    "no NMS {name}; known: {known}",
                    name=repr(nms_name),
                    known=", ".join(sorted(inv.nms)),
                )
            )
        )
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
                tr(
                    "{name} manages {nes} (diag alarms {name} --circuit {id})",
                    name=name,
                    nes=", ".join(sorted(found.values())),
                    id=circuit_id,
                )
                for name, found in sorted(managing.items())
            )
            _fail(
                UnknownCircuitError(
                    tr(
                        "{nms} manages none of {id}'s network elements: {where}",
                        nms=nms_name,
                        id=circuit_id,
                        where=where or tr("no NMS in the inventory manages any of them"),
                    )
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
                stop, time.monotonic() - t0, json_dest, mark("before the NMS answered"), []
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


@click.command(epilog=EXIT_CODES_HELP)
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
        _fail(UnknownCircuitError(tr("no router {name} in the inventory", name=repr(device_name))))
    far_ip = None
    for c in inv.circuits.values():
        for end, far in ((c.a, c.b), (c.b, c.a)):
            if end.router == device_name:
                interface = interface or end.wan_interface
                far_ip = far.wan_ip.split("/")[0] if far.wan_ip else None
    if not interface:
        _fail(
            UnknownCircuitError(
                tr("{name}: no circuit names its WAN interface; give --interface", name=device_name)
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
        kept = mark("what it read before is kept")
        msg = stop.words(elapsed, kept)
        lines.append(f"[yellow]{escape(stop.said(elapsed, kept))}[/yellow]")
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


@click.command(epilog=EXIT_CODES_HELP)
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
                stop, time.monotonic() - t0, json_dest, mark("before the pings ended"), []
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


@click.command(epilog=EXIT_CODES_HELP)
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
        click.echo(tr("diag: cannot read {path}: {error}", path=path, error=exc), err=True)
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
    # as for vendor output: the observations as JSON on stdout, the summary on stderr.  The
    # document holds the ping and the test.laptop_ping.* answers it gives, so that
    # `diag circuit ID --observations FILE` takes it as it is (R-HC-2a, step 3.3).
    from diag.analyzers.answers import observations as answer_observations

    found: list[Observation] = [
        got.observation(datetime.now(UTC)),
        *answer_observations(got.answers(), "file"),
    ]
    _finish_collector(found, True, json_dest or "-", lines)
