"""`diag ping` from this host, to loopback only (no other address is ever a target here)."""

from __future__ import annotations

import json

from click.testing import CliRunner

from diag.cli import cli


def test_ping_loopback_json() -> None:
    r = CliRunner().invoke(
        cli,
        [
            "ping",
            "127.0.0.1",
            "--json",
            "-",
            "--set",
            "ping_count=3",
            "--set",
            "ping_interval_s=0.05",
        ],
    )
    assert r.exit_code == 0, r.output
    (obs,) = json.loads(r.stdout[r.stdout.index("{") :])["observations"]
    assert (obs["sent"], obs["received"], obs["loss_pct"]) == (3, 3, 0.0)
    assert len(obs["rtts_ms"]) == 3 and obs["rtt_mean_ms"] is not None


def test_ping_refuses_option_injection() -> None:
    r = CliRunner().invoke(cli, ["ping", "--", "-f"])
    assert r.exit_code == 2  # refused when the flag is parsed (diag.model.syntax), a usage error
    assert "starts with '-'" in r.output
