"""Several processes opening one new store at once (a sweep starting while `diag circuit` or
`diag history` runs): each gets the tables, none fails on "table already exists"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

OPEN = (
    "import sys\n"
    "from diag.history import open_store\n"
    "with open_store(sys.argv[1]) as store:\n"
    "    print(len(store.circuits()))\n"
)


def test_processes_opening_a_new_store_at_once_take_turns_to_create_it(tmp_path: Path) -> None:
    for round_ in range(3):  # a race: several fresh stores, eight processes on each
        url = f"sqlite:///{tmp_path / f'h{round_}.sqlite'}"
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", OPEN, url],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(8)
        ]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        assert [(code, out.strip()) for code, out, _ in results] == [(0, "0")] * 8, [
            err for _, _, err in results if err
        ]
