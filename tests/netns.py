"""Two network namespaces joined by TUN devices and a userspace impairment relay (see TESTING.md §5).

This kernel has no `tc netem`, so delay, jitter and loss are made in user space: each namespace
gets a persistent TUN device, and a relay process (this file run as a script) holds both TUN file
descriptors and forwards every IP packet from one to the other after `delay` (± `jitter`), dropping
a fraction `loss` of them.  Loss with an *exact* ground truth comes from nftables in the "far"
namespace: a `numgen random` rule drops echo replies (or requests) and its counter says exactly
how many.  IPv6 is switched off in both namespaces so stray router/neighbour solicitations do not
cross the relay and blur the counters.

    with NetnsPair() as pair:
        pair.set_relay(delay_ms_ba=30)          # replies delayed 30 ms
        pair.set_nft_loss(10)                    # 10 % of echo replies dropped, counted
        pair.run(pair.near, ["ping", "-c", "5", pair.far_addr])
        pair.nft_drops()

Needs root (CAP_NET_ADMIN, CAP_SYS_ADMIN for `ip netns`); `NetnsPair.unavailable()` says why not,
for a clean `pytest.skip`.  Traffic stays inside the two namespaces (198.18.0.0/15, RFC 2544).
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Literal

ROOT = Path(__file__).resolve().parent.parent

_counter = 0


def _run(argv: Sequence[str], *, check: bool = True, input: str | None = None) -> str:
    proc = subprocess.run(list(argv), capture_output=True, text=True, input=input, timeout=30)
    if check and proc.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} failed ({proc.returncode}): {proc.stderr.strip()}")
    return proc.stdout


class NetnsPair:
    """A "near" and a "far" namespace, 198.18.<subnet>.1 ↔ 198.18.<subnet>.2 over the relay."""

    def __init__(self, prefix: str = "dgt", subnet: int = 1) -> None:
        global _counter
        _counter += 1
        tag = f"{prefix}{os.getpid()}x{_counter}"
        self.near = f"{tag}n"
        self.far = f"{tag}f"
        self.near_addr = f"198.18.{subnet}.1"
        self.far_addr = f"198.18.{subnet}.2"
        self._relay: subprocess.Popen[str] | None = None
        self._created: list[str] = []
        self._nft: str | None = None

    # ---------------------------------------------------------------- lifecycle
    @staticmethod
    def unavailable() -> str | None:
        """None when namespaces can be built here, else the reason (for pytest.skip)."""
        if os.geteuid() != 0:
            return (
                "needs root: `ip netns`, TUN devices and nftables need CAP_NET_ADMIN/CAP_SYS_ADMIN"
            )
        for tool in ("ip", "nft"):
            if shutil.which(tool) is None:
                pkg = "iproute2" if tool == "ip" else "nftables"
                return f"`{tool}` not found: apt-get install {pkg}"
        if not os.path.exists("/dev/net/tun"):
            return "/dev/net/tun is missing (no TUN support in this kernel/container)"
        probe = f"dgprobe{os.getpid()}"
        try:
            _run(["ip", "netns", "add", probe])
        except (RuntimeError, OSError) as exc:
            return f"`ip netns add` does not work here: {exc}"
        _run(["ip", "netns", "del", probe], check=False)
        return None

    def up(self) -> NetnsPair:
        try:
            for ns, addr, dev in (
                (self.near, self.near_addr, "tun_near"),
                (self.far, self.far_addr, "tun_far"),
            ):
                _run(["ip", "netns", "add", ns])
                self._created.append(ns)
                self.run_checked(
                    ns,
                    [
                        "sysctl",
                        "-qw",
                        "net.ipv6.conf.all.disable_ipv6=1",
                        "net.ipv6.conf.default.disable_ipv6=1",
                    ],
                )
                _run(["ip", "-n", ns, "link", "set", "lo", "up"])
                _run(["ip", "-n", ns, "tuntap", "add", "dev", dev, "mode", "tun"])
                _run(["ip", "-n", ns, "addr", "add", f"{addr}/24", "dev", dev])
                _run(["ip", "-n", ns, "link", "set", dev, "up"])
            self._start_relay()
        except BaseException:
            self.down()
            raise
        atexit.register(self.down)
        return self

    def down(self) -> None:
        """Stop the relay and delete both namespaces (their TUN devices and nft tables go too)."""
        if self._relay is not None:
            relay, self._relay = self._relay, None
            with contextlib.suppress(Exception):
                if relay.stdin:
                    relay.stdin.close()
            relay.terminate()
            try:
                relay.wait(timeout=5)
            except subprocess.TimeoutExpired:
                relay.kill()
                relay.wait()
            if relay.stdout:
                relay.stdout.close()
        while self._created:
            _run(["ip", "netns", "del", self._created.pop()], check=False)
        atexit.unregister(self.down)

    def __enter__(self) -> NetnsPair:
        return self.up()

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.down()

    # ---------------------------------------------------------------- running things inside
    def exec_argv(self, ns: str, argv: Sequence[str], *, user: str | None = None) -> list[str]:
        """argv that runs `argv` inside namespace `ns`, optionally as another user (setpriv)."""
        prefix = ["ip", "netns", "exec", ns]
        if user is not None:
            prefix += [
                "setpriv",
                f"--reuid={user}",
                f"--regid={user if user != 'nobody' else 'nogroup'}",
                "--clear-groups",
                "--",
            ]
        return prefix + list(argv)

    def run(
        self,
        ns: str,
        argv: Sequence[str],
        *,
        user: str | None = None,
        timeout: float = 60,
        input: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        return subprocess.run(
            self.exec_argv(ns, argv, user=user),
            capture_output=True,
            text=True,
            timeout=timeout,
            env=env,
            cwd=ROOT,
            input=input,
        )

    def run_checked(self, ns: str, argv: Sequence[str]) -> str:
        return _run(self.exec_argv(ns, argv))

    def run_python(
        self, ns: str, code: str, *args: str, user: str | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        """Run `python -c code args...` (this interpreter, the project on PYTHONPATH) inside `ns`."""
        return self.run(ns, [sys.executable, "-c", code, *args], user=user, timeout=timeout)

    def sysctl(self, ns: str, key: str, value: str) -> None:
        self.run_checked(ns, ["sysctl", "-qw", f"{key}={value}"])

    # ---------------------------------------------------------------- impairments
    def set_relay(
        self,
        *,
        delay_ms_ab: float = 0.0,
        delay_ms_ba: float = 0.0,
        loss_ab: float = 0.0,
        loss_ba: float = 0.0,
        jitter_ms: float = 0.0,
        dup_ab: float = 0.0,
        dup_ba: float = 0.0,
    ) -> None:
        """Impair the relay: a→b is near→far (requests), b→a is far→near (replies).

        loss/dup are probabilities (0..1) per packet; a duplicated packet is written twice."""
        self._relay_cmd(
            {
                "cmd": "set",
                "delay_ab": delay_ms_ab / 1000,
                "delay_ba": delay_ms_ba / 1000,
                "loss_ab": loss_ab,
                "loss_ba": loss_ba,
                "jitter": jitter_ms / 1000,
                "dup_ab": dup_ab,
                "dup_ba": dup_ba,
            }
        )

    def relay_counters(self) -> dict[str, int]:
        """Packets the relay forwarded/dropped per direction since start: fwd_ab, drop_ab, ..."""
        out: dict[str, int] = self._relay_cmd({"cmd": "stats"})
        return out

    def set_nft_loss(self, percent: float, *, what: Literal["reply", "request"] = "reply") -> None:
        """Drop `percent` % of ICMP echo replies leaving "far" (or requests entering it), counted."""
        self.clear_nft_loss()
        hook, icmp_type = ("output", "echo-reply") if what == "reply" else ("input", "echo-request")
        threshold = round(percent * 100)  # per ten thousand
        ruleset = (
            "table inet diagloss {\n"
            f"  chain c {{ type filter hook {hook} priority 0; policy accept;\n"
            f"    icmp type {icmp_type} numgen random mod 10000 < {threshold} counter drop\n"
            "  }\n}\n"
        )
        self.run_nft(ruleset)
        self._nft = "diagloss"

    def clear_nft_loss(self) -> None:
        if self._nft is not None:
            _run(
                self.exec_argv(self.far, ["nft", "delete", "table", "inet", self._nft]), check=False
            )
            self._nft = None

    def run_nft(self, ruleset: str) -> None:
        _run(self.exec_argv(self.far, ["nft", "-f", "-"]), input=ruleset)

    def nft_drops(self) -> int:
        """Packets the loss rule dropped so far: the exact ground truth for loss."""
        if self._nft is None:
            return 0
        doc = json.loads(
            _run(self.exec_argv(self.far, ["nft", "-j", "list", "table", "inet", self._nft]))
        )
        total = 0
        for item in doc.get("nftables", []):
            for expr in item.get("rule", {}).get("expr", []):
                if "counter" in expr:
                    total += int(expr["counter"]["packets"])
        return total

    # ---------------------------------------------------------------- relay plumbing
    def _start_relay(self) -> None:
        self._relay = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "relay",
                self.near,
                "tun_near",
                self.far,
                "tun_far",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._relay.stdout is not None
        line = self._relay.stdout.readline()
        if line.strip() != "ready":
            self._relay.kill()
            raise RuntimeError(f"TUN relay did not start: {line!r}")

    def _relay_cmd(self, cmd: dict[str, Any]) -> Any:
        relay = self._relay
        if relay is None or relay.stdin is None or relay.stdout is None:
            raise RuntimeError("the relay is not running (call up() first)")
        relay.stdin.write(json.dumps(cmd) + "\n")
        relay.stdin.flush()
        return json.loads(relay.stdout.readline())


# ==================================================================== the relay (a separate process)
CLONE_NEWNET = 0x40000000
TUNSETIFF = 0x400454CA
IFF_TUN = 0x0001
IFF_NO_PI = 0x1000


def _open_tun_in_netns(ns: str, ifname: str) -> int:
    import ctypes
    import fcntl
    import struct

    libc = ctypes.CDLL(None, use_errno=True)
    fd_ns = os.open(f"/run/netns/{ns}", os.O_RDONLY)
    try:
        if libc.setns(fd_ns, CLONE_NEWNET) != 0:  # Python 3.11 has no os.setns
            err = ctypes.get_errno()
            raise OSError(err, f"setns({ns}): {os.strerror(err)}")
    finally:
        os.close(fd_ns)
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", ifname.encode(), IFF_TUN | IFF_NO_PI))
    return fd


def _relay_main(near: str, near_if: str, far: str, far_if: str, out: IO[str]) -> None:
    import asyncio
    import random

    fa = _open_tun_in_netns(near, near_if)
    fb = _open_tun_in_netns(far, far_if)
    conf: dict[str, float] = {
        "delay_ab": 0.0,
        "delay_ba": 0.0,
        "loss_ab": 0.0,
        "loss_ba": 0.0,
        "jitter": 0.0,
        "dup_ab": 0.0,
        "dup_ba": 0.0,
    }
    counts = {"fwd_ab": 0, "drop_ab": 0, "dup_ab": 0, "fwd_ba": 0, "drop_ba": 0, "dup_ba": 0}
    rng = random.Random()

    def write(dst: int, pkt: bytes) -> None:
        with contextlib.suppress(OSError):  # the device went away during teardown
            os.write(dst, pkt)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        done = loop.create_future()

        def pump(src: int, dst: int, d: str) -> None:
            try:
                pkt = os.read(src, 65535)
            except BlockingIOError:
                return
            except OSError:
                return
            if rng.random() < conf[f"loss_{d}"]:
                counts[f"drop_{d}"] += 1
                return
            counts[f"fwd_{d}"] += 1
            copies = 1
            if conf[f"dup_{d}"] and rng.random() < conf[f"dup_{d}"]:
                counts[f"dup_{d}"] += 1
                copies = 2
            for _ in range(copies):
                delay = conf[f"delay_{d}"]
                if conf["jitter"]:
                    delay = max(0.0, delay + rng.uniform(-conf["jitter"], conf["jitter"]))
                if delay > 0:
                    loop.call_later(delay, write, dst, pkt)
                else:
                    write(dst, pkt)

        def control() -> None:
            line = sys.stdin.readline()
            if not line:
                if not done.done():
                    done.set_result(None)
                return
            cmd = json.loads(line)
            if cmd["cmd"] == "set":
                for k in conf:
                    conf[k] = float(cmd.get(k, 0.0))
                out.write(json.dumps({"ok": True}) + "\n")
            elif cmd["cmd"] == "stats":
                out.write(json.dumps(counts) + "\n")
            out.flush()

        loop.add_reader(fa, pump, fa, fb, "ab")
        loop.add_reader(fb, pump, fb, fa, "ba")
        loop.add_reader(sys.stdin.fileno(), control)
        out.write("ready\n")
        out.flush()
        await done

    asyncio.run(main())


if __name__ == "__main__" and len(sys.argv) == 6 and sys.argv[1] == "relay":
    _relay_main(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.stdout)
