"""The committed findings schema matches the models; documents validate against it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest

from diag.model.findings import json_schema
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.output.files import write_atomic
from diag.runner import Collected, build_document

COMMITTED = json.loads(files("diag.schema").joinpath("findings.schema.json").read_text())


def validate(doc_json: str) -> None:
    jsonschema.validate(
        json.loads(doc_json),
        COMMITTED,
        format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER,
    )


def test_committed_schema_matches_models() -> None:
    assert json.loads(json.dumps(json_schema())) == COMMITTED, (
        "diag/schema/findings.schema.json is stale: run `python -m diag.schema` and bump "
        "SCHEMA_VERSION if a consumer could trip on the change"
    )


def test_offline_document_validates(lab_inventory: Inventory) -> None:
    c = lab_inventory.circuits["LAB-V35-1"]
    doc = build_document(
        c,
        build_path(c, lab_inventory),
        Collected(),
        started=datetime.now(UTC),
        ticket=None,
        operator="t",
    )
    validate(doc.to_json())
    assert doc.verdict.status == "inconclusive"
    assert json.loads(doc.to_json())["circuit"]["links"][0]["from"] == "LAB-V35-1:lan-a"


def test_invalid_document_is_rejected() -> None:
    with pytest.raises(jsonschema.ValidationError):
        validate(json.dumps({"schema_version": "1.1", "verdict": {"status": "fine"}}))


def test_atomic_write_leaves_no_partial_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out" / "f.json"
    write_atomic(target, '{"a": 1}\n')

    def ctrl_c(fd: int) -> None:  # Ctrl-C arrives after the bytes are written, before the rename
        raise KeyboardInterrupt

    monkeypatch.setattr("diag.output.files.os.fsync", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, '{"b": 2, "partial": true}\n')
    assert target.read_text() == '{"a": 1}\n'
    assert [p.name for p in target.parent.iterdir()] == ["f.json"]


def test_committed_sweep_schema_matches_models() -> None:
    from diag.sweep.model import json_schema as sweep_json_schema

    committed = json.loads(files("diag.schema").joinpath("sweep.schema.json").read_text())
    assert json.loads(json.dumps(sweep_json_schema())) == committed, (
        "diag/schema/sweep.schema.json is stale: run `python -m diag.schema` and bump "
        "SWEEP_SCHEMA_VERSION if a consumer could trip on the change"
    )
