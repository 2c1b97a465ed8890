"""Record a capture of every shipped scenario (the lab in-process, the real collectors) into
fixtures/captures/<circuit>/, so tests/test_captures.py can replay each one offline, fast.

    .venv/bin/python scripts/record_captures.py [--crc-interval S]
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

from diag.capture import write_capture
from diag.lab.manager import prepare
from diag.lab.network import LabNetwork, LabThread
from diag.lab.scenario import given_observations
from diag.runner import diagnose_many

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--crc-interval", type=float, default=6.0)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        inv, scns, _ = prepare(None, None, Path(tmp))
        ids = [cid for s in scns for cid in s.expect]
        given = {cid: obs for s in scns for cid, obs in given_observations(s).items()}
        with LabThread(LabNetwork(inv, scns)):
            results = diagnose_many(
                inv,
                ids,
                operator="scripts/record_captures.py",
                given=given,
                overrides={"crc_sample_interval_s": args.crc_interval},
            )
    out = ROOT / "fixtures" / "captures"
    for cid, dx in zip(ids, results, strict=True):
        folder = out / cid
        shutil.rmtree(folder, ignore_errors=True)
        write_capture(folder, inv, dx.document, dx.settings, dx.collected.raw)
        print(f"{cid}: {dx.document.verdict.status} {dx.document.verdict.segment}")


if __name__ == "__main__":
    main()
