"""`diag lab up|down|status`: the lab as a background process with a state folder.

State folder (DIAG_LAB_DIR, default /tmp/diag-lab): lab.json (pid, what is served, the inventory
to use), lab.log, inventory/lab.yaml (includes the base inventory and every served scenario),
inventory/known_hosts (the lab routers' SSH host keys, so diag checks them under the default
ssh_host_keys=strict).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from diag.errors import LabError
from diag.i18n import lang, tr
from diag.inventory import default_inventory_dir, load_inventory
from diag.lab.scenario import Scenario, check_against, load_scenario, shipped_scenarios
from diag.model.inventory import Inventory
from diag.settings import with_inventory_folder


def lab_dir() -> Path:
    return Path(os.environ.get("DIAG_LAB_DIR", "/tmp/diag-lab"))  # noqa: S108


def prepare(
    scenario_dirs: list[Path] | None, base: Path | None, state: Path | None = None
) -> tuple[Inventory, list[Scenario], Path]:
    """Load scenarios, write the merged lab inventory, load and cross-check it."""
    state = state or lab_dir()
    dirs = scenario_dirs or shipped_scenarios()
    scenarios = [load_scenario(d) for d in dirs]
    base = (base or default_inventory_dir()).resolve()
    inv_dir = state / "inventory"
    inv_dir.mkdir(parents=True, exist_ok=True)
    include = [str(base if base.is_file() else base / "**" / "*.yaml")]
    include += [str(s.inventory_file) for s in scenarios]
    (inv_dir / "lab.yaml").write_text(
        "# Written by `diag lab up`: the base inventory plus every served scenario's fragment.\n"
        + yaml.safe_dump({"include": include}, sort_keys=False),
        encoding="utf-8",
    )
    inv = load_inventory(inv_dir)
    for s in scenarios:
        check_against(s, inv)
    write_known_hosts(inv_dir / "known_hosts", known_hosts_text(inv, scenarios))
    return with_inventory_folder(inv, inv_dir), scenarios, inv_dir


def known_hosts_text(inv: Inventory, scenarios: list[Scenario]) -> str:
    """The known-hosts file (OpenSSH format) pinning every SSH server the lab runs for these
    scenarios: each router's own key (diag.lab.routers.server.lab_host_key) at its address."""
    from diag.lab.routers.server import lab_known_hosts_line

    lines = ["# Written by diag's lab: the SSH host keys of the lab routers (stable per router).\n"]
    for scn in scenarios:
        for name, state in scn.state.routers.items():
            dev = inv.devices.get(name)
            if dev is None or dev.mgmt is None or state.ssh == "closed":
                continue
            lines.append(lab_known_hosts_line(name, dev.mgmt.address, dev.mgmt.port))
    return "".join(lines)


def shipped_known_hosts_text() -> str:
    """The known-hosts file of the shipped inventory (inventory/known_hosts) for the shipped
    scenarios: `diag circuit` on the default inventory checks the keys of `diag lab up`."""
    scenarios = [load_scenario(d) for d in shipped_scenarios()]
    return known_hosts_text(load_inventory(default_inventory_dir()), scenarios)


def write_shipped_known_hosts() -> Path:
    """Regenerate inventory/known_hosts (after a scenario adds or moves a router)."""
    path = default_inventory_dir() / "known_hosts"
    write_known_hosts(path, shipped_known_hosts_text())
    return path


def write_known_hosts(path: Path, text: str) -> None:
    """Replace the file at once (a diag run reading it sees the old file or the new one)."""
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (exited, not reaped) is not alive
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True


def status() -> dict[str, Any] | None:
    f = lab_dir() / "lab.json"
    if not f.is_file():
        return None
    info: dict[str, Any] = json.loads(f.read_text(encoding="utf-8"))
    info["running"] = _alive(int(info["pid"]))
    return info


def up(
    scenario_dirs: list[Path] | None,
    base: Path | None,
    timeout: float = 60.0,
    generate: tuple[int, float, int] | None = None,
    debug: bool = False,
) -> dict[str, Any]:
    """Start the lab daemon on the shipped (or given) scenarios, or on a generated network:
    `generate` = (circuits, fault rate, seed), written into the state folder first
    (diag.lab.generate)."""
    current = status()
    if current and current["running"]:
        raise LabError(
            tr("lab: already running (pid {pid}); `diag lab down` stops it", pid=current["pid"])
        )
    state = lab_dir()
    state.mkdir(parents=True, exist_ok=True)
    for name in ("lab.json", "error.txt"):
        (state / name).unlink(missing_ok=True)
    cmd = [sys.executable, "-m", "diag.lab.daemon", "--state", str(state)]
    if debug:  # library logs and warnings in lab.log
        cmd.append("--debug")
    if generate is not None:
        from diag.lab.generate import generate as write_generated

        n, rate, seed = generate
        # a folder of its own: state/inventory may hold a scenario lab's lab.yaml
        write_generated(n, fault_rate=rate, seed=seed, folder=state / "generated")
        cmd += ["--generated", str(state / "generated")]
        timeout = max(timeout, 60.0 + 0.2 * n)  # ~36 s for 1,000 circuits on 2 cores
    else:
        prepare(scenario_dirs, base, state)  # fail fast, in the foreground, on bad input
    if base:
        cmd += ["--inventory", str(base)]
    for d in scenario_dirs or []:
        cmd += ["--scenario", str(d)]
    log = open(state / "lab.log", "ab")  # noqa: SIM115 - handed to the child
    # the daemon's start error (error.txt) is shown to this command's reader: in their language
    env = {**os.environ, "DIAG_LANG": lang()}
    proc = subprocess.Popen(  # noqa: S603
        cmd,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        env=env,
    )
    log.close()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if (state / "lab.json").is_file():
            info = status()
            assert info is not None
            return info
        if (state / "error.txt").is_file() or proc.poll() is not None:
            proc.wait(5)
            err = (
                (state / "error.txt").read_text(encoding="utf-8").strip()
                if (state / "error.txt").is_file()
                else tr(
                    "exited with {code}; see {log}", code=proc.returncode, log=f"{state}/lab.log"
                )
            )
            raise LabError(err)
        time.sleep(0.05)
    proc.terminate()
    raise LabError(
        tr(
            "lab: not ready after {seconds} s; see {log}",
            seconds=f"{timeout:.0f}",
            log=f"{state}/lab.log",
        )
    )


def down(timeout: float = 15.0) -> bool:
    info = status()
    if info is None or not info["running"]:
        (lab_dir() / "lab.json").unlink(missing_ok=True)
        return False
    pid = int(info["pid"])
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.05)
    if _alive(pid):
        os.kill(pid, signal.SIGKILL)
    (lab_dir() / "lab.json").unlink(missing_ok=True)
    return True
