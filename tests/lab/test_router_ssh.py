"""The simulated routers over real SSH: netmiko (paramiko) against the asyncssh servers."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from pathlib import Path

import asyncssh
import pytest
from netmiko import BaseConnection, ConnectHandler
from netmiko.exceptions import NetmikoAuthenticationException
from ntc_templates.parse import parse_output

from diag.errors import LabPortInUse
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.server import RouterServer
from tests.lab.router_helpers import (
    CRC_PER_MIN,
    PASSWORD,
    SECRET,
    USERNAME,
    LoopThread,
    cisco_state,
    huawei_state,
)

pytestmark = pytest.mark.lab


def _server(name: str, vendor: str, clock: ManualClock, secret: str | None) -> RouterServer:
    state = cisco_state() if vendor == "cisco_ios" else huawei_state()
    return RouterServer(name, state, "127.0.0.1", 0, USERNAME, PASSWORD, secret, clock)


@pytest.fixture(scope="module")
def cisco(lab_loop: LoopThread, lab_clock: ManualClock) -> Iterator[RouterServer]:
    srv = _server("cpe-acme-01", "cisco_ios", lab_clock, SECRET)
    lab_loop.run(srv.start())
    yield srv
    lab_loop.run(srv.stop())


@pytest.fixture(scope="module")
def huawei(lab_loop: LoopThread, lab_clock: ManualClock) -> Iterator[RouterServer]:
    srv = _server("cpe-beta-02", "huawei", lab_clock, None)
    lab_loop.run(srv.start())
    yield srv
    lab_loop.run(srv.stop())


def _text(conn: BaseConnection, command: str) -> str:
    out = conn.send_command(command)
    assert isinstance(out, str)
    return out


def _crc(output: str, platform: str) -> int:
    if platform == "cisco_ios":
        (rec,) = parse_output(platform="cisco_ios", command="show interfaces", data=output)
        return int(rec["crc"])
    # ntc's huawei template does not read counters: take the CRC cell like a collector would.
    m = re.search(r"CRC:\s+(\d+)", output)
    assert m is not None, output
    return int(m.group(1))


def test_cisco_netmiko_enable_and_crc_growth(cisco: RouterServer, lab_clock: ManualClock) -> None:
    with ConnectHandler(
        device_type="cisco_ios",
        host="127.0.0.1",
        port=cisco.port,
        username=USERNAME,
        password=PASSWORD,
        secret=SECRET,
    ) as conn:
        assert conn.find_prompt() == "CPE-ACME-01>"
        conn.enable()
        assert conn.find_prompt() == "CPE-ACME-01#"
        first = _crc(_text(conn, "show interfaces Serial0/0/0:0"), "cisco_ios")
        lab_clock.advance(minutes=2)
        second = _crc(_text(conn, "show interfaces Serial0/0/0:0"), "cisco_ios")
        assert second - first == 2 * CRC_PER_MIN
        bad = _text(conn, "show foo")
        assert bad.splitlines()[-1] == "% Invalid input detected at '^' marker."
        ping = conn.send_command("ping 10.20.0.2", use_textfsm=True)
        assert isinstance(ping, list)
        assert (ping[0]["success_pct"], ping[0]["response_stream"]) == ("80", [".!!!!"])
        parsed = conn.send_command("show processes cpu", use_textfsm=True)
        assert isinstance(parsed, list) and parsed[0]["cpu_usage_5_sec"] == "7"


def test_huawei_netmiko_crc_growth(huawei: RouterServer, lab_clock: ManualClock) -> None:
    with ConnectHandler(
        device_type="huawei",
        host="127.0.0.1",
        port=huawei.port,
        username=USERNAME,
        password=PASSWORD,
    ) as conn:
        assert conn.find_prompt() == "<CPE-BETA-02>"
        first = _crc(_text(conn, "display interface Serial0/0/0:0"), "huawei")
        lab_clock.advance(minutes=2)
        second = _crc(_text(conn, "display interface Serial0/0/0:0"), "huawei")
        assert second - first == 2 * CRC_PER_MIN
        version = _text(conn, "display version")
        (rec,) = parse_output(platform="huawei_vrp", command="display version", data=version)
        assert rec["model"] == "AR2220"
        assert _text(conn, "display foo").endswith(
            "Error: Unrecognized command found at '^' position."
        )


def test_wrong_password_is_rejected(cisco: RouterServer) -> None:
    with pytest.raises(NetmikoAuthenticationException):
        ConnectHandler(
            device_type="cisco_ios",
            host="127.0.0.1",
            port=cisco.port,
            username=USERNAME,
            password="not-the-password",
        )


def test_exec_request_runs_one_command(cisco: RouterServer, lab_loop: LoopThread) -> None:
    async def run() -> str:
        async with asyncssh.connect(
            "127.0.0.1",
            cisco.port,
            username=USERNAME,
            password=PASSWORD,
            known_hosts=None,
        ) as conn:
            result = await conn.run("show version", check=False)
            return str(result.stdout)

    out = lab_loop.run(run())
    (rec,) = parse_output(platform="cisco_ios", command="show version", data=out)
    assert rec["hostname"] == "CPE-ACME-01"


def test_port_in_use_raises(lab_loop: LoopThread, lab_clock: ManualClock) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        srv = RouterServer(
            "busy", cisco_state(), "127.0.0.1", port, USERNAME, PASSWORD, None, lab_clock
        )
        with pytest.raises(LabPortInUse) as err:
            lab_loop.run(srv.start())
    assert err.value.port == port
    assert "router busy (SSH)" in str(err.value)


# --- host keys: stable per router, pinned by the lab's known_hosts -------------------------------


def test_a_restarted_lab_router_keeps_its_host_key(
    lab_loop: LoopThread, lab_clock: ManualClock
) -> None:
    from diag.collectors.cli.hostkeys import fingerprint, presented_key
    from diag.lab.routers.server import lab_host_key

    srv = _server("keep-rtr", "cisco_ios", lab_clock, None)
    lab_loop.run(srv.start())
    port = srv.port
    first = fingerprint(presented_key("127.0.0.1", port, 5))
    lab_loop.run(srv.stop())
    again = _server("keep-rtr", "cisco_ios", lab_clock, None)
    again.port = port
    lab_loop.run(again.start())
    try:
        assert fingerprint(presented_key("127.0.0.1", port, 5)) == first
    finally:
        lab_loop.run(again.stop())
    assert first == lab_host_key("keep-rtr").get_fingerprint("sha256")
    assert first != lab_host_key("other-rtr").get_fingerprint("sha256")  # one key per router


def test_the_lab_pins_every_router_it_serves(tmp_path: Path) -> None:
    from diag.lab.manager import prepare
    from diag.lab.routers.server import lab_known_hosts_line
    from diag.settings import merge

    inv, scns, inv_dir = prepare(None, None, tmp_path)
    lines = (inv_dir / "known_hosts").read_text().splitlines()
    served = {
        name: inv.devices[name]
        for s in scns
        for name, st in s.state.routers.items()
        if inv.devices[name].mgmt is not None and st.ssh != "closed"
    }
    assert len(lines) == 1 + len(served) and len(served) > 40
    for name, dev in served.items():
        assert dev.mgmt is not None
        assert lab_known_hosts_line(name, dev.mgmt.address, dev.mgmt.port).rstrip() in lines
    # The inventory the lab hands out reads that file (ssh_host_keys=strict by default).
    s = merge([inv.settings_default])
    assert (s.known_hosts, s.ssh_host_keys) == (str((inv_dir / "known_hosts").resolve()), "strict")


def test_the_shipped_inventory_pins_the_shipped_lab() -> None:
    """inventory/known_hosts (used when `diag circuit` runs on the default inventory against
    `diag lab up`) is what the lab derives; after adding a scenario router, regenerate it:
    .venv/bin/python -c "from diag.lab.manager import write_shipped_known_hosts as w; w()" """
    from diag.lab.manager import shipped_known_hosts_text

    root = Path(__file__).resolve().parents[2]
    assert (root / "inventory" / "known_hosts").read_text() == shipped_known_hosts_text()
