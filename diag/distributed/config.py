"""Where a distributed sweep's parts meet: the broker (Redis), the history store, the inventory,
and the limits that make redelivery safe.  Read from the environment (what systemd units set)
and overridden by command-line options."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

from diag.errors import UsageError
from diag.i18n import tr

#: the queue of control tasks (a scheduled sweep's start): every worker consumes it
CONTROL_QUEUE = "diag.control"
#: a job whose device, NMS and circuit name no region runs in this one
DEFAULT_REGION = "default"


def region_queue(region: str) -> str:
    return f"diag.region.{region}"


@dataclass(frozen=True)
class DistributedSettings:
    broker: str = "redis://127.0.0.1:6379/0"
    #: seconds a task may stay unacknowledged before Redis hands it to another worker: longer
    #: than the longest task (the task's hard time limit is derived from it, below)
    visibility_timeout: float = 3600.0
    #: how often a worker looks for messages a dead worker left unacknowledged
    restore_interval: float = 10.0
    #: circuits per task: what one task's reads share (one NE read, one CRC window)
    batch: int = 50
    #: seconds a worker waits for another region's NMS snapshot or a sweep's final write
    snapshot_wait: float = 300.0
    #: how long a sweep's keys in Redis live (parts, snapshots, failures)
    keep_s: float = 2 * 86400.0
    inventory: Path | None = None
    history: str | None = None

    @property
    def time_limit(self) -> float:
        """A task is killed before Redis would deliver it again (no two runs at once)."""
        return max(1.0, self.visibility_timeout - max(5.0, 0.05 * self.visibility_timeout))

    @property
    def soft_time_limit(self) -> float:
        """Before that, the task is told to stop: its circuits not stored are failed in words."""
        hard = self.time_limit
        return max(0.5, hard - max(2.0, min(30.0, 0.1 * hard)))

    @classmethod
    def from_env(cls) -> DistributedSettings:
        env = os.environ
        out = cls()
        changes: dict[str, object] = {}
        if env.get("DIAG_BROKER"):
            changes["broker"] = env["DIAG_BROKER"]
        for name, key in (
            ("visibility_timeout", "DIAG_VISIBILITY_TIMEOUT"),
            ("restore_interval", "DIAG_RESTORE_INTERVAL"),
            ("snapshot_wait", "DIAG_SNAPSHOT_WAIT"),
        ):
            if env.get(key):
                changes[name] = _number(key, env[key])
        if env.get("DIAG_BATCH"):
            changes["batch"] = int(_number("DIAG_BATCH", env["DIAG_BATCH"]))
        if env.get("DIAG_INVENTORY"):
            changes["inventory"] = Path(env["DIAG_INVENTORY"])
        if env.get("DIAG_HISTORY"):
            changes["history"] = env["DIAG_HISTORY"]
        return replace(out, **changes)  # type: ignore[arg-type]

    def with_(self, **changes: object) -> DistributedSettings:
        return replace(self, **{k: v for k, v in changes.items() if v is not None})  # type: ignore[arg-type]

    def export(self) -> None:
        """Into the environment, for the worker's child processes and the scheduler."""
        os.environ["DIAG_BROKER"] = self.broker
        os.environ["DIAG_VISIBILITY_TIMEOUT"] = repr(self.visibility_timeout)
        os.environ["DIAG_RESTORE_INTERVAL"] = repr(self.restore_interval)
        os.environ["DIAG_SNAPSHOT_WAIT"] = repr(self.snapshot_wait)
        os.environ["DIAG_BATCH"] = str(self.batch)
        if self.inventory is not None:
            os.environ["DIAG_INVENTORY"] = str(self.inventory)
        if self.history is not None:
            os.environ["DIAG_HISTORY"] = self.history


def _number(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise UsageError(tr("{key}={text!r}: not a number", key=key, text=text)) from None
    if value <= 0:
        raise UsageError(tr("{key}={text!r}: must be more than 0", key=key, text=text))
    return value
