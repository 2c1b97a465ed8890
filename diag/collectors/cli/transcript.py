"""The transcript of one CLI session: every byte sent and received, secrets redacted on the way out."""

from __future__ import annotations

import io
from typing import Any

from netmiko import BaseConnection

from diag.credentials import Secret, redact


class Transcript:
    """Everything sent and received on one session, with every secret redacted on the way out."""

    def __init__(self, secrets: list[Secret] | None = None) -> None:
        self.sink = io.BytesIO()  # netmiko's session_log writes here
        self.secrets: list[Secret] = list(secrets or [])
        self._log: Any = None  # netmiko's SessionLog once a connection exists

    def attach(self, conn: BaseConnection) -> None:
        self._log = conn.session_log

    def note(self, text: str) -> None:
        """A line of diag's own (what it is doing, what failed), kept in order with the I/O."""
        line = f"\n[diag] {text}\n"
        if self._log is not None:
            self._log.write(line)
        else:
            self.sink.write(line.encode())

    def mark(self) -> int:
        if self._log is not None:
            self._log.flush()
        return len(self.sink.getvalue())

    def since(self, mark: int) -> str:
        if self._log is not None:
            self._log.flush()
        return self.sink.getvalue()[mark:].decode("utf-8", "replace")

    def text(self) -> str:
        if self._log is not None:
            self._log.flush()
        return redact(self.sink.getvalue().decode("utf-8", "replace"), self.secrets)
