"""Writing output files: never half a document, never a device node or a link replaced.

- A new or regular file: written to a temporary file in the same folder, fsynced, then renamed
  over the target (a crash or Ctrl-C leaves the old file or the new one, never half of one);
  the target's permission bits are kept.
- A symlink: written *through* (the file it points to is the target, by the same rule); the
  link itself stays.
- A character device, a FIFO or a socket (`/dev/null`, `/dev/stdout`, a named pipe): written
  directly, in place; nothing is renamed over it.
- `-`: standard output (the caller handles it; see `write_output`).
- Anything else (a directory, a block device): refused with an error that says what it is.
"""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from diag.errors import DiagError
from diag.i18n import mark, tr, tr_marked


class OutputError(DiagError):
    exit_code = 2


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, mark("a directory")),
        (stat.S_ISBLK, mark("a block device")),
        (stat.S_ISCHR, mark("a character device")),
        (stat.S_ISFIFO, mark("a FIFO")),
        (stat.S_ISSOCK, mark("a socket")),
    ):
        if test(mode):
            return tr_marked(name)
    return tr("a special file")


def write_atomic(path: Path | str, text: str) -> None:
    """Write `text` to `path` by the rules of this module's docstring."""
    target = Path(path)
    if target.is_symlink():
        target = Path(os.path.realpath(target))  # write through the link, keep it
    try:
        st = target.stat()
    except FileNotFoundError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        if stat.S_ISCHR(st.st_mode) or stat.S_ISFIFO(st.st_mode) or stat.S_ISSOCK(st.st_mode):
            with open(target, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        raise OutputError(
            tr(
                "{path}: is {kind}, not a file; give a file path, or - for stdout",
                path=path,
                kind=_kind(st.st_mode),
            )
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_output(dest: str, text: str) -> None:
    """`-` is standard output; anything else goes through `write_atomic`."""
    if dest == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_atomic(dest, text)
