"""The known-hosts file is parsed once per version of the file, not at every session: a sweep
opens thousands of sessions against one file of thousands of lines."""

from __future__ import annotations

import os
from pathlib import Path

import paramiko
import pytest

from diag.collectors.cli import hostkeys
from diag.collectors.cli.hostkeys import KeyPolicy, keys_for


def _line(name: str, key: paramiko.PKey) -> str:
    return f"{name} {key.get_name()} {key.get_base64()}\n"


def test_parsed_once_per_version_and_again_when_the_file_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = paramiko.RSAKey.generate(1024), paramiko.RSAKey.generate(1024)
    path = tmp_path / "known_hosts"
    path.write_text("".join(_line(f"[127.0.0.{i}]:2022", a) for i in range(1, 200)))
    calls: list[Path] = []
    real = hostkeys._parse

    def counted(p: Path, text: str) -> tuple[hostkeys._Line, ...]:
        calls.append(p)
        return real(p, text)

    monkeypatch.setattr(hostkeys, "_parse", counted)
    for i in range(1, 200):
        assert [k.asbytes() for k in keys_for(path, f"[127.0.0.{i}]:2022")] == [a.asbytes()]
    hostkeys.check_file(path)
    assert len(calls) == 1
    # a new version of the file (another size and time) is read again
    path.write_text(path.read_text() + _line("[127.0.0.250]:2022", b))
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000))
    assert [k.asbytes() for k in keys_for(path, "[127.0.0.250]:2022")] == [b.asbytes()]
    assert len(calls) == 2


def test_the_policy_refuses_a_changed_key_and_accepts_the_pinned_one(tmp_path: Path) -> None:
    pinned, other = paramiko.RSAKey.generate(1024), paramiko.RSAKey.generate(1024)
    path = tmp_path / "known_hosts"
    path.write_text(_line("[127.0.0.9]:2022", pinned))
    policy = KeyPolicy(path, "strict", lambda _: None)
    policy.missing_host_key(paramiko.SSHClient(), "[127.0.0.9]:2022", pinned)  # accepted
    with pytest.raises(paramiko.BadHostKeyException):
        policy.missing_host_key(paramiko.SSHClient(), "[127.0.0.9]:2022", other)
    with pytest.raises(hostkeys.HostKeyUnknown):
        policy.missing_host_key(paramiko.SSHClient(), "[127.0.0.10]:2022", pinned)
