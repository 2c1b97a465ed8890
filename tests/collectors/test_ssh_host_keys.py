"""SSH host keys checked by default (issue 9): real lab routers (asyncssh) and netmiko/paramiko.

The lab router counts the logins that begin (`auth_attempts`) and the passwords it receives, so
"refused before anything was sent" is observed on the router's side, not inferred from the
client's message.  Each refusal test has a control in which the same router is logged into.
Fingerprints are checked against asyncssh's own SHA256 fingerprint (an independent
implementation of OpenSSH's format).
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import asyncssh
import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.collectors.router import RouterReading, read_router
from diag.credentials import LAB_SECRETS
from diag.lab.routers.clock import ManualClock
from diag.lab.routers.harness import LabThread
from diag.lab.routers.server import RouterServer, lab_host_key, lab_known_hosts_line
from diag.lab.scenario import load_scenario, shipped_scenarios_dir
from diag.model.inventory import Device
from diag.model.observations import DeviceAccessObservation, InterfaceObservation
from diag.settings import CollectorSettings

pytestmark = pytest.mark.lab

USER = "noc"
PASSWORD = LAB_SECRETS["router-password"]
SECRET = LAB_SECRETS["router-secret"]
WAN = "Serial0/0/0:0"
QUICK = CollectorSettings(
    ssh_timeout_s=5, command_timeout_s=5, crc_sample_interval_s=0, router_ping=False
)


@pytest.fixture(scope="module")
def lab() -> Iterator[LabThread]:
    thread = LabThread()
    yield thread
    thread.close()


class Routers:
    """Lab routers started by one test, on ports it can reuse (a router 'restarted')."""

    def __init__(self, thread: LabThread) -> None:
        self.thread = thread
        self.clock = ManualClock()
        self.running: list[RouterServer] = []

    def start(
        self, name: str = "hk-rtr", port: int = 0, key: asyncssh.SSHKey | None = None
    ) -> RouterServer:
        state = load_scenario(shipped_scenarios_dir() / "healthy-e1").state.routers["ok1-rtr-a"]
        srv = RouterServer(
            name,
            state.model_copy(deep=True),
            "127.0.0.1",
            port,
            USER,
            PASSWORD,
            SECRET,
            self.clock,
            host_key=key,
        )
        self.thread.run(srv.start())
        self.running.append(srv)
        return srv

    def stop(self, srv: RouterServer) -> None:
        self.thread.run(srv.stop())
        self.running.remove(srv)

    def restart_with_new_key(self, srv: RouterServer) -> RouterServer:
        """The router replaced (or its keys regenerated): same name and address, another key."""
        self.stop(srv)
        return self.start(srv.name, srv.port, asyncssh.generate_private_key("ssh-ed25519"))


@pytest.fixture
def routers(lab: LabThread) -> Iterator[Routers]:
    r = Routers(lab)
    yield r
    for srv in list(r.running):
        r.stop(srv)


def device(name: str, port: int) -> Device:
    return Device.model_validate(
        {
            "name": name,
            "role": "router",
            "vendor": "cisco",
            "device_type": "cisco_ios",
            "mgmt": {"address": "127.0.0.1", "port": port},
            "login": {
                "username": USER,
                "password": "lab:router-password",
                "secret": "lab:router-secret",
            },
        }
    )


def settings(known_hosts: Path, policy: str = "strict") -> CollectorSettings:
    return QUICK.model_copy(update={"known_hosts": str(known_hosts), "ssh_host_keys": policy})


def fp(key: asyncssh.SSHKey) -> str:
    return key.get_fingerprint("sha256")  # asyncssh's own: "SHA256:..."


def accesses(reading: RouterReading) -> list[DeviceAccessObservation]:
    return [o for o in reading.observations if isinstance(o, DeviceAccessObservation)]


def refused(reading: RouterReading) -> str:
    (acc,) = accesses(reading)
    assert not acc.ok and acc.stage == "connect" and acc.error
    assert not [o for o in reading.observations if isinstance(o, InterfaceObservation)]
    for text in (reading.transcript, acc.error):
        assert PASSWORD not in text and SECRET not in text
    return acc.error


def read(srv: RouterServer, s: CollectorSettings) -> RouterReading:
    return read_router(device(srv.name, srv.port), WAN, None, s)


def read_ok(srv: RouterServer, s: CollectorSettings) -> RouterReading:
    reading = read(srv, s)
    assert [(a.ok, a.stage) for a in accesses(reading)] == [(True, "done")], accesses(reading)
    return reading


def test_strict_refuses_a_changed_key_before_any_login(routers: Routers, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    srv = routers.start()
    known_hosts.write_text(lab_known_hosts_line(srv.name, "127.0.0.1", srv.port))
    old = fp(srv.host_key)
    # Control: the pinned router is logged into, and the recorder sees the login.
    read_ok(srv, settings(known_hosts))
    assert srv.auth_attempts == [USER] and srv.passwords_received == 1

    srv = routers.restart_with_new_key(srv)
    before = known_hosts.read_bytes()
    error = refused(read(srv, settings(known_hosts)))

    assert srv.auth_attempts == [] and srv.passwords_received == 0  # nothing was sent
    assert "CHANGED" in error and "REFUSED before login" in error
    assert f"ssh-ed25519 {old} (line 1)" in error  # the pinned key, where it is pinned
    assert f"presents ssh-ed25519 {fp(srv.host_key)}" in error  # the key presented now
    assert f"diag known-hosts accept hk-rtr --fingerprint {fp(srv.host_key)}" in error
    assert f"ssh-keygen -R '[127.0.0.1]:{srv.port}' -f {known_hosts}" in error
    assert known_hosts.read_bytes() == before


def test_strict_refuses_an_unknown_router(routers: Routers, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    other = routers.start("other-rtr")
    known_hosts.write_text(lab_known_hosts_line(other.name, "127.0.0.1", other.port))
    srv = routers.start()
    error = refused(read(srv, settings(known_hosts)))
    assert srv.auth_attempts == [] and srv.passwords_received == 0
    assert f"not in the known-hosts file {known_hosts}" in error
    assert fp(srv.host_key) in error and "--set ssh_host_keys=accept-new" in error
    # A missing file is an empty one under strict: refused as well, and not created.
    missing = tmp_path / "absent" / "known_hosts"
    refused(read(srv, settings(missing)))
    assert not missing.exists() and srv.passwords_received == 0


def test_accept_new_records_then_enforces(routers: Routers, tmp_path: Path) -> None:
    known_hosts = tmp_path / "known_hosts"
    srv = routers.start()
    first = read_ok(srv, settings(known_hosts, "accept-new"))
    assert (
        known_hosts.read_text()
        == lab_known_hosts_line(srv.name, "127.0.0.1", srv.port).rsplit(" ", 1)[0] + "\n"
    )  # OpenSSH's format (`host keytype key`), nothing else
    assert f"recorded in {known_hosts}" in first.transcript and fp(srv.host_key) in first.transcript
    recorded = known_hosts.read_bytes()

    read_ok(srv, settings(known_hosts, "accept-new"))  # known now: checked, not re-recorded
    assert known_hosts.read_bytes() == recorded
    assert not list(tmp_path.glob(".known_hosts*"))  # no temporary file left behind

    srv = routers.restart_with_new_key(srv)
    error = refused(read(srv, settings(known_hosts, "accept-new")))
    assert srv.auth_attempts == [] and srv.passwords_received == 0
    assert "CHANGED" in error and fp(lab_host_key("hk-rtr")) in error and fp(srv.host_key) in error
    assert known_hosts.read_bytes() == recorded


def test_accept_new_records_routers_read_at_once(routers: Routers, tmp_path: Path) -> None:
    """The runner reads many routers in parallel: every first-use key is kept (one writer at a
    time, each write a rename of a whole file)."""
    known_hosts = tmp_path / "known_hosts"
    known_hosts.write_text("# shared by the team\n")
    servers = [routers.start(f"par-rtr-{i}") for i in range(6)]
    s = settings(known_hosts, "accept-new")
    with ThreadPoolExecutor(max_workers=6) as pool:
        readings = list(pool.map(lambda srv: read(srv, s), servers))
    assert all(accesses(r)[-1].ok for r in readings)
    lines = known_hosts.read_text().splitlines()
    assert lines[0] == "# shared by the team"
    expected = {
        lab_known_hosts_line(x.name, "127.0.0.1", x.port).rsplit(" ", 1)[0] for x in servers
    }
    assert set(lines[1:]) == expected and len(lines) == 7


def test_off_reads_and_warns_at_every_run(
    routers: Routers, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    known_hosts = tmp_path / "known_hosts"
    srv = routers.start(key=asyncssh.generate_private_key("ssh-ed25519"))
    for _ in range(2):
        reading = read_ok(srv, settings(known_hosts, "off"))
        assert "WARNING: the SSH host key is not checked" in reading.transcript
    err = capsys.readouterr().err
    assert err.count("SSH host key NOT checked (ssh_host_keys=off)") == 2
    assert f"hk-rtr over SSH (127.0.0.1:{srv.port})" in err
    assert not known_hosts.exists()


def test_hashed_names_are_read(routers: Routers, tmp_path: Path) -> None:
    """A file hashed with `ssh-keygen -H` (names not readable) is honoured."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    known_hosts = tmp_path / "known_hosts"
    srv = routers.start()
    known_hosts.write_text(lab_known_hosts_line(srv.name, "127.0.0.1", srv.port))
    subprocess.run([keygen, "-H", "-f", str(known_hosts)], check=True, capture_output=True)
    assert "127.0.0.1" not in known_hosts.read_text()
    read_ok(srv, settings(known_hosts))
    srv = routers.restart_with_new_key(srv)
    error = refused(read(srv, settings(known_hosts)))
    assert f"ssh-ed25519 {fp(lab_host_key('hk-rtr'))} (line 1)" in error


def test_ssh_keygen_remove_then_accept_new(routers: Routers, tmp_path: Path) -> None:
    """The ssh-keygen way the refusal names: remove the old line, read once with accept-new."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen (openssh-client) is not installed")
    known_hosts = tmp_path / "known_hosts"
    srv = routers.start()
    known_hosts.write_text(lab_known_hosts_line(srv.name, "127.0.0.1", srv.port))
    srv = routers.restart_with_new_key(srv)
    refused(read(srv, settings(known_hosts)))
    name = f"[127.0.0.1]:{srv.port}"
    subprocess.run([keygen, "-R", name, "-f", str(known_hosts)], check=True, capture_output=True)
    read_ok(srv, settings(known_hosts, "accept-new"))
    read_ok(srv, settings(known_hosts))  # strict from then on
    assert (
        fp(srv.host_key).removeprefix("SHA256:")
        in subprocess.run(
            [keygen, "-l", "-F", name, "-f", str(known_hosts)], capture_output=True, text=True
        ).stdout
    )


def test_known_hosts_accept(routers: Routers, tmp_path: Path) -> None:
    """`diag known-hosts accept`: the file beside the inventory by default, the fingerprint
    checked, nothing sent to the router, then `diag router` reads it under strict."""
    srv = routers.start()
    inv = tmp_path / "inv"
    inv.mkdir()
    (inv / "routers.yaml").write_text(
        "devices:\n"
        f"  - {{name: hk-rtr, role: router, vendor: cisco, device_type: cisco_ios,\n"
        f"     mgmt: {{address: 127.0.0.1, port: {srv.port}}},\n"
        '     login: {username: noc, password: "lab:router-password", '
        'secret: "lab:router-secret"}}\n'
    )
    known_hosts = inv / "known_hosts"
    known_hosts.write_text(
        "# team file\n"
        + lab_known_hosts_line(srv.name, "127.0.0.1", srv.port)
        + "other ssh-ed25519 "
        + lab_known_hosts_line("x", "h", 22).split()[2]
        + "\n"
    )
    srv = routers.restart_with_new_key(srv)
    new = fp(srv.host_key)
    runner = CliRunner()
    args = ["router", "hk-rtr", "--interface", WAN, "--inventory", str(inv)]
    args += ["--set", "crc_sample_interval_s=0", "--set", "router_ping=false"]
    r = runner.invoke(cli, args)
    assert r.exit_code == 6 and "CHANGED" in r.output, r.output  # <inventory>/known_hosts used

    accept = ["known-hosts", "accept", "hk-rtr", "--inventory", str(inv)]
    wrong = runner.invoke(cli, [*accept, "--fingerprint", fp(lab_host_key("x"))])
    assert wrong.exit_code == 1 and "not pinned" in wrong.output, wrong.output
    assert f"presents ssh-ed25519 {new}" in wrong.output
    assert f"pinned now (line 2): ssh-ed25519 {fp(lab_host_key('hk-rtr'))}" in wrong.output
    declined = runner.invoke(cli, accept, input="n\n")
    assert (
        declined.exit_code == 1
        and lab_host_key("hk-rtr").export_public_key("openssh").split()[1].decode()
        in known_hosts.read_text()
    )

    ok = runner.invoke(cli, [*accept, "--fingerprint", new])
    assert ok.exit_code == 0, ok.output
    assert f"pinned {new} for [127.0.0.1]:{srv.port} in {known_hosts}" in ok.output
    lines = known_hosts.read_text().splitlines()
    assert lines[0] == "# team file" and lines[1].startswith("other ")  # the rest kept
    assert (
        lines[2]
        == f"[127.0.0.1]:{srv.port} ssh-ed25519 "
        + srv.host_key.export_public_key("openssh").split()[1].decode()
    )
    assert srv.auth_attempts == [] and srv.passwords_received == 0  # accepting sent nothing

    again = runner.invoke(cli, [*accept, "--fingerprint", new])
    assert again.exit_code == 0 and "already pinned" in again.output
    r = runner.invoke(cli, args)
    assert r.exit_code == 0, r.output
    assert srv.auth_attempts == [USER]


def test_markers_are_refused_rather_than_ignored(routers: Routers, tmp_path: Path) -> None:
    """paramiko has no @revoked: a file with one is refused, never read as if it were not there."""
    known_hosts = tmp_path / "known_hosts"
    srv = routers.start()
    line = lab_known_hosts_line(srv.name, "127.0.0.1", srv.port)
    known_hosts.write_text(line + "@revoked " + line)
    error = refused(read(srv, settings(known_hosts)))
    assert "@revoked are not supported" in error and f"{known_hosts}:2" in error
    assert srv.auth_attempts == []


def test_accept_new_that_cannot_record_refuses(routers: Routers, tmp_path: Path) -> None:
    """A first-use key that cannot be written down is not trusted for this run either."""
    srv = routers.start()
    known_hosts = tmp_path / "no-such-folder" / "known_hosts"
    error = refused(read(srv, settings(known_hosts, "accept-new")))
    assert "cannot record a host key" in error and str(known_hosts) in error
    assert srv.auth_attempts == [] and srv.passwords_received == 0
