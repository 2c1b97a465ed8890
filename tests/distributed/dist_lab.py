"""What the distributed tests share: the site (lab, Redis, PostgreSQL), worker processes, and
reading results with SQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from diag.lab.generate import Generated
from diag.lab.network import LabNetwork
from tests.services import result_rows

DIAG = str(Path(sys.executable).parent / "diag")


@dataclass
class Site:
    gen: Generated
    net: LabNetwork
    inventory: Path
    redis: str
    pg: str
    tmp: Path


class Workers:
    """`diag worker` processes, each in a process group of its own (killed whole)."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self, name: str, *regions: str, control: bool = True) -> None:
        args = [DIAG, "worker", "--name", f"{name}@%h", "-c", "2", "-l", "info"]
        args += [a for r in regions for a in ("--region", r)]
        if not control:
            args.append("--no-control")
        log = (self.logs / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(
            args, env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

    def kill(self, name: str) -> None:
        """SIGKILL the worker and its pool processes at once (a machine lost)."""
        p = self.procs.pop(name)
        os.killpg(p.pid, signal.SIGKILL)
        p.wait(10)

    def stop(self) -> None:
        for p in self.procs.values():
            os.killpg(p.pid, signal.SIGTERM)
        for p in self.procs.values():
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(p.pid, signal.SIGKILL)
        self.procs.clear()

    def log(self, tail: int | None = 3000) -> str:
        """The workers' logs (each file's last `tail` characters; None: whole)."""
        texts = (f.read_text(errors="replace") for f in self.logs.glob("*.log"))
        return "\n".join(t[-tail:] if tail else t for t in texts)


def dist_env(site: Site, db: str, redis_db: int, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "DIAG_BROKER": f"{site.redis}/{redis_db}",
        "DIAG_HISTORY": db,
        "DIAG_INVENTORY": str(site.inventory),
        # a lost worker's task is handed out again after 20 s (tasks here last a few seconds)
        "DIAG_VISIBILITY_TIMEOUT": "20",
        "DIAG_RESTORE_INTERVAL": "1",
        "DIAG_SNAPSHOT_WAIT": "15",
        **extra,
    }


def run(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run([DIAG, *args], env=env, capture_output=True, text=True, timeout=timeout)


rows = result_rows  # circuit -> result rows stored under the sweep, counted with SQL
