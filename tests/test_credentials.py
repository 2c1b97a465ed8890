"""Credential references resolve only at use; files must be private; secrets never print."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from diag.credentials import SECRET_MAX_BYTES, redact, resolve
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


def test_file_reference_must_be_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    f = tmp_path / "pw"
    f.write_text("hunter2\n")
    f.chmod(0o600)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(CredentialError, match="the path is relative"):
        resolve("file:pw")
    with pytest.raises(CredentialError, match="the path is relative"):
        resolve("file:../x/pw")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve("file:~/pw").reveal() == "hunter2"  # ~ is anchored: absolute once expanded


def test_file_reference_must_be_a_regular_file_and_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo, 0o600)
    with pytest.raises(CredentialError, match="is not a regular file"):
        resolve(f"file:{fifo}")  # opened non-blocking: a FIFO with no writer does not hang
    with pytest.raises(CredentialError, match="is not a regular file"):
        resolve(f"file:{tmp_path}")
    with pytest.raises(CredentialError, match="is not a regular file"):
        resolve("file:/dev/null")


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_file_reference_must_be_owned_by_the_user(tmp_path: Path) -> None:
    f = tmp_path / "pw"
    f.write_text("hunter2\n")
    f.chmod(0o400)
    os.chown(f, 65534, 65534)
    with pytest.raises(CredentialError, match="belongs to uid 65534, not to the user running"):
        resolve(f"file:{f}")


def test_secret_values_are_one_line_and_not_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PW", "first\nreload")
    with pytest.raises(CredentialError, match=r"holds a line feed \(U\+000A\)") as exc:
        resolve("env:PW")
    assert "reload" not in str(exc.value) and "first" not in str(exc.value)
    monkeypatch.setenv("PW", "")
    with pytest.raises(CredentialError, match="environment variable PW is empty"):
        resolve("env:PW")
    f = tmp_path / "pw"
    f.write_text("line1\r\nline2\n")
    f.chmod(0o600)
    with pytest.raises(CredentialError, match="carriage return"):
        resolve(f"file:{f}")
    f.write_text("\n")
    with pytest.raises(CredentialError, match="is empty"):
        resolve(f"file:{f}")
    f.write_bytes(b"\xff\xfe")
    with pytest.raises(CredentialError, match="not UTF-8 text"):
        resolve(f"file:{f}")


def test_secret_file_size_bounded(tmp_path: Path) -> None:
    f = tmp_path / "dump"
    with f.open("wb") as fh:
        fh.truncate(SECRET_MAX_BYTES + 1)
    f.chmod(0o600)
    with pytest.raises(CredentialError, match="holds the secret alone"):
        resolve(f"file:{f}")
