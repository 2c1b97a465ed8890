"""Credential references resolve only at use; files must be private; secrets never print."""

from __future__ import annotations

from pathlib import Path

import pytest

from diag.credentials import redact, resolve
from diag.errors import CredentialError


def test_env_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NMS_RO", "c0mmunity")
    s = resolve("env:NMS_RO")
    assert s.reveal() == "c0mmunity"
    assert "c0mmunity" not in repr(s) and "c0mmunity" not in f"{s}"
    monkeypatch.delenv("NMS_RO")
    with pytest.raises(CredentialError, match="NMS_RO is not set"):
        resolve("env:NMS_RO")


def test_file_reference_must_be_private(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("hunter2\n")
    f.chmod(0o644)
    with pytest.raises(
        CredentialError, match=r"readable by group or others \(mode 0644\); run: chmod 600"
    ):
        resolve(f"file:{f}")
    f.chmod(0o600)
    assert resolve(f"file:{f}").reveal() == "hunter2"
    with pytest.raises(CredentialError, match="cannot read"):
        resolve(f"file:{tmp_path}/missing")


def test_lab_reference_and_redaction() -> None:
    s = resolve("lab:router-password")
    assert redact(f"login failed for {s.reveal()}", [s]) == "login failed for <lab:router-password>"
    with pytest.raises(CredentialError, match="the lab has no secret"):
        resolve("lab:nope")
