"""`diag lan-capture`: sniff the customer's LAN (or read a pcap) and report one observation."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path
from typing import Literal

import click

from diag.clikit import fail, json_option
from diag.errors import UsageError

EXIT_COLLECTOR_FAILED = 6  # as diag.cli: the collector could not read what it was asked
EXIT_INTERRUPTED = 130  # as diag.cli: Ctrl-C


def _ip(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not an IP address") from None


@click.command(
    "lan-capture",
    epilog="Exit 0: captured (whatever it shows); 2: usage; 6: the capture could not run "
    "(permission, no such interface, unreadable pcap); 130: Ctrl-C ended it early, 143 SIGTERM, "
    "129 SIGHUP (what was "
    "counted is still printed and written).",
)
@click.argument("interface", required=False)
@click.option(
    "--seconds",
    type=click.FloatRange(min=0.5, max=3600),
    default=10.0,
    show_default=True,
    help="How long to listen.",
)
@click.option(
    "--router-lan",
    "router_lan",
    metavar="IP",
    callback=_ip,
    help="The customer router's LAN address: the share of the traffic aimed at it is reported.",
)
@click.option(
    "--end",
    type=click.Choice(["a", "b"]),
    help="Which end of the circuit this LAN is (the analyzer places the finding there).",
)
@json_option
@click.option(
    "--pcap",
    "pcap_out",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Also save the frames to this pcap file (streamed, for Wireshark or --read).",
)
@click.option(
    "--read",
    "pcap_in",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Count a pcap captured elsewhere (tcpdump -w, Wireshark) instead of listening.",
)
def lan_capture_cmd(
    interface: str | None,
    seconds: float,
    router_lan: str | None,
    end: Literal["a", "b"] | None,
    json_dest: str | None,
    pcap_out: Path | None,
    pcap_in: Path | None,
) -> None:
    """Listen on the customer's LAN where the laptop plugs in (case 4.2, R-LED-5): broadcast,
    multicast and ARP rates, top talkers, host and port scans, and the traffic aimed at the
    router's LAN address.  Needs root or CAP_NET_RAW.  The --json document can be given to
    `diag circuit ID --observations FILE`, whose analysis cites it."""
    from diag.collectors.lan import capture
    from diag.i18n import tr
    from diag.model.observations import ObservationsDocument

    if pcap_in is not None and pcap_out is not None:
        fail(UsageError("--read and --pcap do not go together"))
    if pcap_in is None and not interface:
        fail(UsageError("name the interface to listen on (or --read PCAP)"))
    interrupted = False
    if pcap_in is not None:
        obs = capture.read(pcap_in, router_lan=router_lan, end=end, interface=interface or "")
    else:
        assert interface is not None

        def ready() -> None:
            click.echo(
                tr("diag: capturing on {iface} for {secs:g} s ...", iface=interface, secs=seconds),
                err=True,
            )

        stopped_by = _stop_on_signals()
        got = capture.live(
            interface, seconds, router_lan=router_lan, end=end, pcap_out=pcap_out, ready=ready
        )
        obs, interrupted = got.observation, got.interrupted
    if json_dest is not None:
        from diag.cli_common import _write_text

        doc = ObservationsDocument(
            observations=[obs], ok=obs.ok, error=obs.error, partial=interrupted
        )
        _write_text(json_dest, doc.model_dump_json(indent=2) + "\n")
    if not obs.ok:
        click.echo(f"diag: {obs.error}", err=True)
        sys.exit(EXIT_COLLECTOR_FAILED)
    from diag.collectors.lan.summary import summary

    click.echo(summary(obs), err=json_dest == "-")
    if interrupted:
        # the counts so far are written, as diag does: 130 Ctrl-C, 143 SIGTERM, 129 SIGHUP
        sys.exit(128 + stopped_by[0] if stopped_by else EXIT_INTERRUPTED)


def _stop_on_signals() -> list[int]:
    """SIGTERM and SIGHUP end the capture as Ctrl-C does (the counts so far are kept); the
    signal that did is appended to the list returned, for the exit code."""
    import signal

    got: list[int] = []

    def stop(signum: int, _frame: object) -> None:
        got.append(signum)
        raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    return got
