"""The pieces of tests/distributed/test_noc_ops.py: docs/noc.md's blocks, redis-server with the
guide's redis.conf, processes of the test's own, TLS certificates, history documents."""

from __future__ import annotations

import base64
import contextlib
import ipaddress
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from tests.services import REDIS, free_port

if TYPE_CHECKING:
    from diag.model.findings import FindingsDocument
    from diag.sweep.model import SweepDocument

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"
BIN = Path(sys.executable).parent
DIAG = str(BIN / "diag")
CELERY = str(BIN / "celery")
HOST = socket.gethostname()
#: the passwords of the test's Redis (the guide's placeholders replaced): never to be printed
DEFAULT_PW = "Dflt-pw-7Qx2"
DIAG_PW = "Diag-pw-K9v4"


def block(name: str) -> str:
    """The fenced block after `<!-- name -->` in docs/noc.md (what the guide tells to write)."""
    text = (DOCS / "noc.md").read_text()
    m = re.search(rf"<!-- {re.escape(name)} -->\s*```\w*\n(.*?)```", text, re.DOTALL)
    assert m, f"docs/noc.md has no block <!-- {name} -->"
    return m.group(1)


def wait_until(check: Callable[[], bool], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.1)


@dataclass
class Redis:
    port: int
    folder: Path
    conf: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        import redis

        self.proc = subprocess.Popen(
            [REDIS, str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        client = redis.Redis(port=self.port, password=DEFAULT_PW)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.ConnectionError:
                assert self.proc is not None and self.proc.poll() is None, "redis-server exited"
                return False

        wait_until(up, "redis-server up")
        client.close()

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()  # SIGTERM: Redis writes the AOF and exits
            self.proc.wait(10)
            self.proc = None


def guide_redis(folder: Path, extra: str = "") -> Redis:
    """redis-server with the guide's redis.conf: its passwords replaced, and bind, port, TLS and
    dir set for loopback here (the guide's addresses and paths are the production ones)."""
    ours = ("bind ", "port ", "tls-", "dir ")
    lines = [
        ln
        for ln in block("redis.conf").splitlines()
        if not ln.startswith(ours) and ln.strip() and not ln.startswith("#")
    ]
    text = "\n".join(lines).replace("CHANGE-ME-default", DEFAULT_PW)
    text = text.replace("CHANGE-ME-redis", DIAG_PW)
    port = free_port()
    conf = folder / "redis.conf"
    conf.write_text(
        f"{text}\nbind 127.0.0.1\ndir {folder}\n{extra or f'port {port}'}\n".replace(
            "{port}", str(port)
        )
    )
    return Redis(port, folder, conf)


def base_env(tmp: Path, broker: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DIAG_", "FLOWER_"))}
    return {
        **env,
        "DIAG_BROKER": broker,
        "DIAG_HISTORY": f"sqlite:///{tmp / 'history.sqlite'}",
        "XDG_DATA_HOME": str(tmp / "data"),
    }


class Proc:
    """A process of the test's own, in its own session (stopped whole), output in a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            self.p = subprocess.Popen(
                args, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def cmdlines(self) -> str:
        """The command lines of the process and its children (what `ps` shows everyone)."""
        out = []
        for pid in [self.p.pid, *children(self.p.pid)]:
            with contextlib.suppress(OSError):
                out.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        return "\n".join(out)

    def stop(self) -> None:
        if self.p.poll() is None:
            os.killpg(self.p.pid, signal.SIGTERM)
            try:
                self.p.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.p.pid, signal.SIGKILL)
                self.p.wait(10)


def children(pid: int) -> list[int]:
    found = []
    for d in Path("/proc").glob("[0-9]*"):
        try:
            fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(d.name))
    return found


def ping(env: dict[str, str], name: str) -> subprocess.CompletedProcess[str]:
    """The guide's check that a worker is up."""
    return subprocess.run(
        [CELERY, "-A", "diag.distributed.app", "inspect", "ping", "-d", name, "-t", "2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def http_get(url: str, auth: str | None = None) -> tuple[int, bytes]:
    req = urllib.request.Request(url)  # noqa: S310
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(auth.encode()).decode())
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:  # noqa: S310
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def tls_files(folder: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def cert(
        cn: str,
        key: ec.EllipticCurvePrivateKey,
        issuer: tuple[x509.Name, ec.EllipticCurvePrivateKey] | None,
    ) -> x509.Certificate:
        b = (
            x509.CertificateBuilder()
            .subject_name(name(cn))
            .issuer_name(issuer[0] if issuer else name(cn))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=5))
            .not_valid_after(now + timedelta(days=1))
        )
        if issuer is None:
            b = b.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            b = b.add_extension(
                x509.KeyUsage(False, False, False, False, False, True, True, False, False), True
            )
        else:
            b = b.add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            b = b.add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            b = b.add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        return b.sign((issuer[1] if issuer else key), hashes.SHA256())

    out: dict[str, Path] = {}
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = cert("noc-ca", ca_key, None)
    out["ca"] = folder / "noc-ca.pem"
    out["ca"].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    for who in ("server", "client"):
        key = ec.generate_private_key(ec.SECP256R1())
        c = cert(f"diag-{who}", key, (ca.subject, ca_key))
        out[who] = folder / f"{who}.crt"
        out[who].write_bytes(c.public_bytes(serialization.Encoding.PEM))
        out[f"{who}-key"] = folder / f"{who}.key"
        out[f"{who}-key"].write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        out[f"{who}-key"].chmod(0o600)
    return out


def capture_doc() -> FindingsDocument:
    """The analyzer's document of a shipped capture (a two-fault circuit)."""
    from diag.capture import load_capture
    from diag.model.inventory import Inventory
    from diag.model.path import build_path
    from diag.runner import Collected, build_document

    cap = load_capture(ROOT / "fixtures" / "captures" / "LAB-MULTI-CPECPU")
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    now = datetime.now(UTC).replace(microsecond=0)
    return build_document(
        cap.circuit,
        build_path(cap.circuit, inv),
        Collected(observations=list(cap.observations), collectors=list(cap.collectors)),
        started=now,
        finished=now + timedelta(seconds=40),
        ticket=None,
        operator="noc",
        mode="replay",
    )


def sweep_doc(sid: str) -> SweepDocument:
    from diag.sweep.model import Selection, SweepCounts, SweepDocument

    return SweepDocument(
        id=sid,
        state="running",
        started=datetime.now(UTC).replace(microsecond=0),
        host="noc-1",
        operator="noc",
        tool_version="test",
        inventory=["inventory/"],
        selection=Selection(circuits=["LAB-MULTI-CPECPU"]),
        counts=SweepCounts(total=1),
        snapshots=[],
        circuits=[],
    )
