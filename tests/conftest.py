"""Shared test helpers: the project's paths and the shipped lab inventory."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from diag.model.inventory import Inventory

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"


@pytest.fixture(scope="session")
def lab_inventory() -> Inventory:
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


@pytest.fixture(autouse=True)
def _own_history_store(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every test keeps its diagnoses (and its sweep locks) in a store of its own, never in the
    user's data folder: `diag circuit` records and shows past findings by default."""
    home = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("DIAG_HISTORY", f"sqlite:///{home / 'history.sqlite'}")
    monkeypatch.setenv("XDG_DATA_HOME", str(home))


@pytest.fixture(autouse=True)
def _every_document_validates(
    findings_schema: dict[str, object], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every findings document the suite serialises in-process must validate against the
    committed schema (documents written by subprocesses are validated by their tests)."""
    import json

    import jsonschema

    from diag.model.findings import FindingsDocument

    original = FindingsDocument.to_json

    def checked(self: FindingsDocument) -> str:
        text = original(self)
        jsonschema.validate(json.loads(text), findings_schema)
        return text

    monkeypatch.setattr(FindingsDocument, "to_json", checked)
