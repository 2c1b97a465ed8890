"""What the distributed commands say when they cannot work: each error names what is wrong and
what to do, exits 2, and shows no password."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.distributed.dist_lab import DIAG
from tests.services import free_port, redis_server


def _diag(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [DIAG, *args], env=env or dict(os.environ), capture_output=True, text=True, timeout=60
    )


@pytest.fixture(scope="module")
def broker() -> Iterator[str]:
    with redis_server() as url:
        yield url + "/0"


def test_a_broker_that_does_not_answer_is_named_without_its_password() -> None:
    url = f"redis://:s3cret-pw@127.0.0.1:{free_port()}/0"
    for args in (["worker", "--region", "default"], ["sweep", "--distributed"]):
        r = _diag(*args, "--broker", url)
        assert r.returncode == 2, r.stderr
        assert "does not answer" in r.stderr and "DIAG_BROKER" in r.stderr
        assert "s3cret-pw" not in r.stdout + r.stderr
        assert ":***@127.0.0.1" in r.stderr


def test_an_unknown_region_lists_the_known_ones(broker: str) -> None:
    r = _diag("worker", "--region", "nowhere", "--broker", broker)
    assert r.returncode == 2
    assert "no region 'nowhere'" in r.stderr and "known: default" in r.stderr


def test_a_scheduler_without_sweeps_says_how_to_define_them(broker: str) -> None:
    r = _diag("scheduler", "--broker", broker)  # the shipped lab inventory defines none
    assert r.returncode == 2 and "sweeps:" in r.stderr and "docs/noc.md" in r.stderr


def test_options_that_do_not_go_together_are_refused() -> None:
    r = _diag("sweep", "--detach")
    assert r.returncode == 2 and "--distributed" in r.stderr
    r = _diag("sweep", "--distributed", "--every", "15m")
    assert r.returncode == 2 and "diag scheduler" in r.stderr
    r = _diag("sweep", "status")
    assert r.returncode == 2 and "SWEEP_ID" in r.stderr


def test_status_of_an_unknown_sweep_lists_the_latest(broker: str, tmp_path: Path) -> None:
    env = {**os.environ, "DIAG_HISTORY": f"sqlite:///{tmp_path / 'h.sqlite'}"}
    r = _diag("sweep", "status", "SW-nope", "--broker", broker, env=env)
    assert r.returncode == 2 and "no sweep 'SW-nope'" in r.stderr and "latest: none" in r.stderr
