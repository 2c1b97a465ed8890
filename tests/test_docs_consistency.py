"""The README and docs/ agree with the code on schema versions and never point outside the
repository (issue 12 item 7): a clone, a wheel's README on PyPI, a packager's copy have no
`../shared`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from diag.lab.generate import GroundTruth
from diag.model.findings import SCHEMA_VERSION
from diag.sweep.model import SWEEP_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
GT_VERSION = str(GroundTruth.model_fields["schema_version"].default)
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_UPWARD = re.compile(r"(?<![\w/.])(\.\./[\w./-]+)")


def _text(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def test_the_readme_states_the_findings_schema_version_of_the_code() -> None:
    stated = re.findall(r'`schema_version` "(\d+\.\d+)"', _text(ROOT / "README.md"))
    assert stated == [SCHEMA_VERSION]


def test_the_docs_state_the_sweep_and_ground_truth_versions_of_the_code() -> None:
    sweep = re.findall(r"\(`diag/sweep/model.py`, schema (\d+\.\d+)", _text(ROOT / "docs/sweep.md"))
    assert sweep == [SWEEP_SCHEMA_VERSION]
    gt = _text(ROOT / "docs/lab-generate.md")
    assert re.findall(r"GroundTruth`, schema (\d+\.\d+)", gt) == [GT_VERSION]
    assert re.findall(r'"schema_version": "(\d+\.\d+)"', gt) == [GT_VERSION]


def test_every_schema_version_written_anywhere_is_a_current_one() -> None:
    current = {SCHEMA_VERSION, SWEEP_SCHEMA_VERSION, GT_VERSION}
    for page in PAGES:
        for v in re.findall(r'schema_version`?:? "(\d+\.\d+)"', _text(page)):
            assert v in current, f"{page.name}: schema_version {v}"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_link_or_path_leaves_the_repository(page: Path) -> None:
    text = _text(page)
    for target in _LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # a web address or an anchor on the page
        path = (page.parent / target.split("#", 1)[0]).resolve()
        assert path.is_relative_to(ROOT), f"{page.name}: link {target} leaves the repository"
        assert path.exists(), f"{page.name}: link {target} points at nothing"
    for upward in _UPWARD.findall(text):
        path = (page.parent / upward).resolve()
        assert path.is_relative_to(ROOT), f"{page.name}: {upward} is outside the repository"
