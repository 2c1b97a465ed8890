"""Shared test helpers: the project's paths and the shipped lab inventory."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def lab_inventory():  # type: ignore[no-untyped-def]
    from diag.inventory import load_inventory

    return load_inventory(ROOT / "inventory")


@pytest.fixture(scope="session")
def findings_schema() -> dict[str, object]:
    """The committed JSON Schema every findings document must validate against."""
    import json
    from importlib.resources import files

    schema: dict[str, object] = json.loads(
        files("diag.schema").joinpath("findings.schema.json").read_text(encoding="utf-8")
    )
    return schema
