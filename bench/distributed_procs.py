"""bench/distributed.py's processes: running a command, a worker's process group and what it
costs (CPU from /proc, RSS and PSS), the workers of one run and their sampler.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DIAG = [sys.executable, "-m", "diag.cli"]
OK_EXIT = (0, 10, 11, 12)
TICK = os.sysconf("SC_CLK_TCK")


# ------------------------------------------------------------------------------ processes


def _run(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, int, str, str]:
    """(exit code, wall s, CPU s, peak RSS KiB, stdout, stderr) of one child process."""
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        text = []
        for f in (out, err):
            f.seek(0)
            text.append(f.read().decode("utf-8", "replace"))
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss, text[0], text[1]


def _group(pgid: int) -> list[int]:
    pids = []
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                stat = Path(f"/proc/{d}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid:  # field 5 (pgrp), after the state and ppid
                pids.append(int(d))
    return pids


def _kib(path: str, name: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(name):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@dataclass
class Worker:
    """A `diag worker` process in its own process group, its CPU and memory read from /proc."""

    name: str
    regions: list[str]
    proc: subprocess.Popen[bytes]
    log: Path
    started: float
    ready_s: float = 0.0
    cpu: dict[int, float] = field(default_factory=dict)
    rss_sum_kib: int = 0
    pss_sum_kib: int = 0
    processes: int = 0
    wait4_cpu: float | None = None
    wait4_rss_kib: int | None = None

    def sample(self) -> None:
        rss = pss = 0
        pids = _group(self.proc.pid)
        for pid in pids:
            try:
                f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            self.cpu[pid] = (int(f[11]) + int(f[12])) / TICK  # utime, stime
            rss += _kib(f"/proc/{pid}/status", "VmRSS:")
            pss += _kib(f"/proc/{pid}/smaps_rollup", "Pss:")
        self.rss_sum_kib = max(self.rss_sum_kib, rss)
        self.pss_sum_kib = max(self.pss_sum_kib, pss)
        self.processes = max(self.processes, len(pids))

    def wait_ready(self, control: Any, timeout: float = 180) -> None:
        """Until the worker answers a control ping (its consumer is up)."""
        deadline = time.monotonic() + timeout
        while not any(
            k.startswith(f"{self.name}@") for r in control.ping(timeout=0.5) or [] for k in r
        ):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                tail = self.log.read_text(errors="replace")[-3000:]
                raise SystemExit(f"worker {self.name} did not start:\n{tail}")
        self.ready_s = time.perf_counter() - self.started

    def kill(self) -> None:
        self.sample()
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown: the main process reaps its pool), then its rusage."""
        self.sample()
        os.killpg(self.proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            pid, status, usage = os.wait4(self.proc.pid, os.WNOHANG)
            if pid:
                self.proc.returncode = os.waitstatus_to_exitcode(status)
                self.wait4_cpu = usage.ru_utime + usage.ru_stime
                self.wait4_rss_kib = usage.ru_maxrss
                return
            time.sleep(0.2)
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)

    @property
    def cpu_s(self) -> float:
        return sum(self.cpu.values())


class Workers:
    def __init__(self, env: dict[str, str], logs: Path, concurrency: int) -> None:
        self.env, self.logs, self.concurrency = env, logs, concurrency
        self.all: list[Worker] = []
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._loop, daemon=True)
        self._sampler.start()

    def _loop(self) -> None:
        while not self._stop.wait(1.0):
            for w in list(self.all):
                if w.proc.returncode is None:  # never poll(): stop() reaps it with wait4
                    w.sample()

    def start(self, name: str, regions: list[str]) -> Worker:
        args = [*DIAG, "worker", "--name", f"{name}@%h", "-c", str(self.concurrency), "-l", "info"]
        args += [a for r in regions for a in ("--region", r)]
        log = self.logs / f"{name}.log"
        with log.open("ab") as f:
            proc = subprocess.Popen(
                args, env=self.env, stdout=f, stderr=subprocess.STDOUT, start_new_session=True
            )
        w = Worker(name, regions, proc, log, time.perf_counter())
        self.all.append(w)
        return w

    def stop(self) -> None:
        for w in self.all:
            if w.proc.returncode is None:
                w.stop()
        self._stop.set()
