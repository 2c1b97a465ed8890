"""Resolve secret references at connect time.  Values never go into output, logs or findings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from diag.errors import CredentialError

# The built-in lab's demo credentials.  They are published (README, docs/lab.md) and only ever
# accepted by the lab's own simulated devices, so a `lab:` reference is not a secret leak.
LAB_SECRETS: dict[str, str] = {
    "nms-community": "diag-lab-ro",
    "nms-auth-key": "diag-lab-auth",
    "nms-priv-key": "diag-lab-priv",
    "router-password": "diag-lab-pw",
    "router-secret": "diag-lab-enable",
}


class Secret:
    """A resolved secret that refuses to print itself."""

    __slots__ = ("_value", "ref")

    def __init__(self, value: str, ref: str) -> None:
        self._value = value
        self.ref = ref

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self.ref})"

    __str__ = __repr__


def resolve(ref: str) -> Secret:
    """Turn `env:NAME`, `file:PATH` or `lab:NAME` into its secret value."""
    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(rest)
        if value is None:
            raise CredentialError(f"credential {ref}: environment variable {rest} is not set")
        return Secret(value, ref)
    if scheme == "file":
        path = Path(rest).expanduser()
        try:
            st = path.stat()
        except OSError as exc:
            raise CredentialError(f"credential {ref}: cannot read {path}: {exc.strerror}") from exc
        if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialError(
                f"credential {ref}: {path} is readable by group or others "
                f"(mode {stat.S_IMODE(st.st_mode):04o}); run: chmod 600 {path}"
            )
        return Secret(path.read_text(encoding="utf-8").rstrip("\r\n"), ref)
    if scheme == "lab":
        if rest not in LAB_SECRETS:
            known = ", ".join(sorted(LAB_SECRETS))
            raise CredentialError(
                f"credential {ref}: the lab has no secret {rest!r} (known: {known})"
            )
        return Secret(LAB_SECRETS[rest], ref)
    raise CredentialError(f"credential reference {ref!r}: use env:NAME, file:PATH or lab:NAME")


def redact(text: str, secrets: list[Secret]) -> str:
    """Replace every resolved secret value in text (for transcripts and error messages)."""
    for s in secrets:
        value = s.reveal()
        if value:
            text = text.replace(value, f"<{s.ref}>")
    return text
