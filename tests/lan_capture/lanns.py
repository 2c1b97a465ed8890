"""Two network namespaces joined by a veth pair: the customer's LAN (where traffic.py sends,
as every host of the LAN at once) and the engineer's laptop (where `diag lan-capture` listens).
IPv6 is off in both, so no stray router or neighbour solicitation blurs the counts.  Needs
root; `unavailable()` says why not, for a clean skip.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DIAG = [sys.executable, "-c", "from diag.cli import main; main()"]
_count = 0


def _run(argv: list[str]) -> None:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {proc.stderr.strip()}")


class LanNs:
    def __init__(self) -> None:
        global _count
        _count += 1
        tag = f"dlc{os.getpid()}x{_count}"
        self.lan, self.laptop = f"{tag}l", f"{tag}p"
        self.lan_if, self.laptop_if = "lanside", "laptop0"
        self._made: list[str] = []

    @staticmethod
    def unavailable() -> str | None:
        if os.geteuid() != 0:
            return "needs root: `ip netns` and veth pairs need CAP_NET_ADMIN/CAP_SYS_ADMIN"
        if shutil.which("ip") is None:
            return "`ip` not found: apt-get install iproute2"
        return None

    def __enter__(self) -> LanNs:
        try:
            for ns in (self.lan, self.laptop):
                _run(["ip", "netns", "add", ns])
                self._made.append(ns)
                _run(
                    [
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        "sysctl",
                        "-qw",
                        "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1",
                    ]
                )
                _run(["ip", "-n", ns, "link", "set", "lo", "up"])
            _run(
                [
                    "ip",
                    "link",
                    "add",
                    self.lan_if,
                    "netns",
                    self.lan,
                    "type",
                    "veth",
                    "peer",
                    "name",
                    self.laptop_if,
                    "netns",
                    self.laptop,
                ]
            )
            for ns, dev in ((self.lan, self.lan_if), (self.laptop, self.laptop_if)):
                _run(
                    [
                        "ip",
                        "netns",
                        "exec",
                        ns,
                        "sysctl",
                        "-qw",
                        f"net.ipv6.conf.{dev}.disable_ipv6=1",
                    ]
                )
                _run(["ip", "-n", ns, "link", "set", dev, "up"])
            _run(
                ["ip", "-n", self.laptop, "addr", "add", "198.18.60.250/24", "dev", self.laptop_if]
            )
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        while self._made:
            subprocess.run(["ip", "netns", "del", self._made.pop()], capture_output=True)

    def _env(self) -> dict[str, str]:
        return dict(os.environ, PYTHONPATH=str(ROOT), DIAG_LANG="en")

    def start_capture(self, *args: str, user: str | None = None) -> subprocess.Popen[str]:
        """`diag lan-capture laptop0 ARGS` in the laptop's namespace, once it listens."""
        prefix = ["ip", "netns", "exec", self.laptop]
        if user is not None:
            prefix += ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", "--"]
        proc = subprocess.Popen(
            [*prefix, *DIAG, "lan-capture", self.laptop_if, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._env(),
            cwd=ROOT,
        )
        assert proc.stderr is not None
        line = proc.stderr.readline()  # "diag: capturing on ..." once the socket is open
        if "capturing on" not in line:
            _out, err = proc.communicate(timeout=30)
            raise AssertionError(f"capture did not start: {line}{err}")
        return proc

    def run_capture(self, *args: str, user: str | None = None) -> subprocess.CompletedProcess[str]:
        """The same, to its end, for the cases where it must not start."""
        prefix = ["ip", "netns", "exec", self.laptop]
        if user is not None:
            prefix += ["setpriv", f"--reuid={user}", "--regid=nogroup", "--clear-groups", "--"]
        return subprocess.run(
            [*prefix, *DIAG, "lan-capture", self.laptop_if, *args],
            capture_output=True,
            text=True,
            env=self._env(),
            cwd=ROOT,
            timeout=60,
        )

    def prepare(self, *plans: str) -> subprocess.Popen[str]:
        """traffic.py in the LAN's namespace with its plans built, waiting for `go`."""
        script = str(Path(__file__).with_name("traffic.py"))
        proc = subprocess.Popen(
            ["ip", "netns", "exec", self.lan, sys.executable, script, self.lan_if, *plans],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=self._env(),
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        if line.strip() != "ready":
            _, err = proc.communicate(timeout=30)
            raise AssertionError(f"traffic.py did not get ready: {line}{err}")
        return proc

    @staticmethod
    def go(proc: subprocess.Popen[str]) -> dict[str, Any]:
        """Send the prepared plans at their times; what was sent."""
        out, err = proc.communicate("go\n", timeout=60)
        assert proc.returncode == 0, err
        sent: dict[str, Any] = json.loads(out)
        return sent
