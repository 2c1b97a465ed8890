"""Resolve secret references at connect time.  Values never go into output, logs or findings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from diag.errors import CredentialError
from diag.i18n import lang, tr, using

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


# A secret is a password, a community or a key, never a file dump: bigger files are refused
# before they are read.
SECRET_MAX_BYTES = 64 * 1024


def resolve(ref: str, *, shown: bool = False) -> Secret:
    """Turn `env:NAME`, `file:PATH` or `lab:NAME` into its secret value.

    `file:` takes an absolute path (`~` allowed) to a regular file owned by the user running diag
    and not open to group or others (mode 0600 or 0400): anyone else who can write it can
    change what diag logs in with, anyone who can read it knows the secret.  A secret holding a
    line break or another control character is refused: typed at a login prompt it would be
    two lines.  Errors name the reference, never the value.  They are in English (a
    collector's error is data in the findings document) unless `shown`: a command stops on
    them, in the reader's language.
    """
    with using(lang() if shown else "en"):
        return _resolve(ref)


def _resolve(ref: str) -> Secret:
    scheme, _, rest = ref.partition(":")
    if scheme == "env":
        value = os.environ.get(rest)
        if value is None:
            raise CredentialError(
                tr(
                    "credential {ref}: environment variable {name} is not set; set it in the "
                    "shell that runs diag (export {name}=...) or use file:PATH in the inventory",
                    ref=ref,
                    name=rest,
                )
            )
        return Secret(_checked(value, ref, tr("environment variable {name}", name=rest)), ref)
    if scheme == "file":
        path = Path(rest).expanduser()
        if not path.is_absolute():
            raise CredentialError(
                tr(
                    "credential {ref}: the path is relative; write the absolute path "
                    "(file:/etc/diag/secret): a relative one would depend on where diag is "
                    "started",
                    ref=ref,
                )
            )
        text = _read_private(path, ref)
        return Secret(_checked(text.rstrip("\r\n"), ref, str(path)), ref)
    if scheme == "lab":
        if rest not in LAB_SECRETS:
            raise CredentialError(
                tr(
                    "credential {ref}: the lab has no secret {name} (known: {known})",
                    ref=ref,
                    name=repr(rest),
                    known=", ".join(sorted(LAB_SECRETS)),
                )
            )
        return Secret(LAB_SECRETS[rest], ref)
    raise CredentialError(
        tr("credential reference {ref}: use env:NAME, file:PATH or lab:NAME", ref=repr(ref))
    )


def check(ref: str) -> None:
    """Raise CredentialError when `ref` would not resolve now (`diag inventory validate`), in
    the reader's language."""
    resolve(ref, shown=True)


def _read_private(path: Path, ref: str) -> str:
    # Opened first, then checked on the open file: what is checked is what is read.  O_NONBLOCK
    # keeps a FIFO from blocking the open; it is refused below as not a regular file.
    flags = os.O_RDONLY | os.O_NOCTTY | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as exc:
        raise CredentialError(
            tr(
                "credential {ref}: cannot read {path}: {error}; check that the file exists and "
                "that the user running diag can read it",
                ref=ref,
                path=path,
                error=exc.strerror,
            )
        ) from exc
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):
        os.close(fd)
        raise CredentialError(
            tr(
                "credential {ref}: {path} is not a regular file; point the reference at a "
                "regular file that holds the secret alone",
                ref=ref,
                path=path,
            )
        )
    with os.fdopen(fd, "rb") as fh:
        mode = stat.S_IMODE(st.st_mode)
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialError(
                tr(
                    "credential {ref}: {path} is readable by group or others "
                    "(mode {mode}); run: chmod 600 {path}",
                    ref=ref,
                    path=path,
                    mode=f"{mode:04o}",
                )
            )
        uid = os.geteuid()
        if st.st_uid != uid:
            raise CredentialError(
                tr(
                    "credential {ref}: {path} belongs to uid {owner}, not to the user running "
                    "diag (uid {uid}); whoever owns it can change the secret: chown it or copy it",
                    ref=ref,
                    path=path,
                    owner=st.st_uid,
                    uid=uid,
                )
            )
        if st.st_size > SECRET_MAX_BYTES:
            raise CredentialError(
                tr(
                    "credential {ref}: {path} is {size} bytes; a secret file holds the "
                    "secret alone (at most {most} bytes)",
                    ref=ref,
                    path=path,
                    size=st.st_size,
                    most=SECRET_MAX_BYTES,
                )
            )
        data = fh.read(SECRET_MAX_BYTES + 1)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CredentialError(
            tr(
                "credential {ref}: {path} is not UTF-8 text (byte offset {offset}); save it "
                "as UTF-8",
                ref=ref,
                path=path,
                offset=exc.start,
            )
        ) from exc


def _checked(value: str, ref: str, where: str) -> str:
    if not value:
        raise CredentialError(
            tr("credential {ref}: {where} is empty; put the secret in it", ref=ref, where=where)
        )
    from diag.model.syntax import control_char

    bad = control_char(value)
    if bad:
        raise CredentialError(
            tr(
                "credential {ref}: the secret in {where} holds {bad}; typed at a login prompt it "
                "would be more than one line (only a trailing newline of a file is removed)",
                ref=ref,
                where=where,
                bad=bad,
            )
        )
    return value


def redact(text: str, secrets: list[Secret]) -> str:
    """Replace every resolved secret value in text (for transcripts and error messages)."""
    for s in secrets:
        value = s.reveal()
        if value:
            text = text.replace(value, f"<{s.ref}>")
    return text
