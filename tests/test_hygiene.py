"""The code's hygiene, checked with the suite (issue 12 item 10): ruff at the level of nornir's
rule set (pyproject.toml lists the exceptions and why), the formatter, mypy strict on the
package and the tests, and no source file over about 500 lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 500
CODE = ("diag", "tests", "bench", "scripts")


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_check_is_clean() -> None:
    r = _run("ruff", "check", "--no-cache", *CODE)
    assert r.returncode == 0, r.stdout + r.stderr


def test_ruff_format_is_clean() -> None:
    r = _run("ruff", "format", "--check", "--no-cache", *CODE)
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.timeout(600)
def test_mypy_strict_is_clean_on_the_package_and_the_tests() -> None:
    r = _run("mypy")  # files = [diag, tests], strict: pyproject.toml
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues found" in r.stdout


def test_no_source_file_over_about_500_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for top in CODE
        for p in sorted((ROOT / top).rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"split these (lines): {long}"
