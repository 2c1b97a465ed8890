"""The background lab process started by `diag lab up` (python -m diag.lab.daemon)."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
from datetime import UTC, datetime
from pathlib import Path

from diag.errors import DiagError
from diag.i18n import default_lang, set_lang
from diag.lab.manager import prepare
from diag.lab.network import LabNetwork


async def _serve(net: LabNetwork, state: Path, inv_dir: Path) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await net.start()
    try:
        info = {
            "pid": os.getpid(),
            "started": datetime.now(UTC).isoformat(),
            "inventory": str(inv_dir),
            "scenarios": [s.name for s in net.scenarios],
            "circuits": sorted(c for s in net.scenarios for c in s.expect),
            "served": [{"kind": s.kind, "name": s.name, "where": s.where} for s in net.served],
        }
        tmp = state / "lab.json.tmp"
        tmp.write_text(json.dumps(info, indent=2), encoding="utf-8")
        tmp.replace(state / "lab.json")
        await stop.wait()
    finally:
        await net.stop()


def _log_setup(debug: bool) -> None:
    """Library warnings (asyncssh's DSA deprecation when the SSH servers start) and logs: in
    lab.log with --debug only, else kept in memory (diag.logsetup) out of the lab log's way."""
    import logging
    import sys

    from diag import logsetup

    if debug:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr, format=logsetup.FORMAT)
        logging.captureWarnings(True)
    else:
        logsetup.install()


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m diag.lab.daemon")
    ap.add_argument("--state", type=Path, required=True)
    ap.add_argument("--inventory", type=Path)
    ap.add_argument("--scenario", type=Path, action="append")
    ap.add_argument("--generated", type=Path, help="a folder written by diag.lab.generate")
    ap.add_argument("--debug", action="store_true", help="library logs and warnings in lab.log")
    args = ap.parse_args()
    set_lang(default_lang())  # `diag lab up` passes its reader's language: error.txt is shown
    _log_setup(args.debug)  # before the SSH servers import asyncssh
    try:
        if args.generated:
            from diag.lab.generate import load, raise_fd_limit

            raise_fd_limit()  # one socket per router, NE agent and NMS: thousands at scale
            inv, scenario = load(args.generated)
            scenarios, inv_dir = [scenario], args.generated / "inventory"
        else:
            inv, scenarios, inv_dir = prepare(args.scenario, args.inventory, args.state)
        asyncio.run(_serve(LabNetwork(inv, scenarios), args.state, inv_dir))
    except DiagError as exc:
        (args.state / "error.txt").write_text(str(exc), encoding="utf-8")
        return exc.exit_code
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
