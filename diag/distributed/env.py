"""What a process of a distributed sweep holds (`Env`: settings, inventory, history store,
Redis) and the inventory's fingerprint that workers must share.
"""

from __future__ import annotations

import logging
import socket
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from diag.distributed.config import DistributedSettings
from diag.model.inventory import Inventory

if TYPE_CHECKING:
    import redis

    from diag.history import HistoryStore

log = logging.getLogger("diag.distributed")


@dataclass
class Env:
    """What a process of a distributed sweep holds: settings, inventory, store, Redis."""

    settings: DistributedSettings
    inventory: Inventory
    store: HistoryStore
    redis: redis.Redis
    host: str = field(default_factory=socket.gethostname)
    #: sweep id -> its selected circuits (read once per process)
    _circuits: dict[str, list[str]] = field(default_factory=dict)
    _fingerprint: str | None = None

    @property
    def fingerprint(self) -> str:
        """A digest of the inventory's files (as loaded): a worker with another inventory would
        diagnose other paths, so its parts are refused."""
        if self._fingerprint is None:
            self._fingerprint = inventory_fingerprint(self.inventory)
        return self._fingerprint

    @classmethod
    def open(cls, settings: DistributedSettings, inventory: Inventory | None = None) -> Env:
        import redis

        from diag.history import open_store
        from diag.inventory import default_inventory_dir, load_inventory
        from diag.settings import with_inventory_folder

        inv = inventory
        if inv is None:  # known_hosts beside the inventory, as the CLI loads it
            where = settings.inventory or default_inventory_dir()
            inv = with_inventory_folder(load_inventory(where), where)
        return cls(
            settings,
            inv,
            open_store(settings.history),
            redis.Redis.from_url(settings.broker, decode_responses=True),
        )

    def close(self) -> None:
        self.store.close()
        self.redis.close()

    def sweep_circuits(self, sweep_id: str) -> list[str]:
        got = self._circuits.get(sweep_id)
        if got is None:
            doc = self.store.sweep(sweep_id)
            got = self._circuits[sweep_id] = list(doc.selection.circuits) if doc else []
        return got

    def keep(self, name: str) -> None:
        self.redis.expire(name, max(1, int(self.settings.keep_s)))


def inventory_fingerprint(inv: Inventory) -> str:
    import hashlib

    h = hashlib.sha256()
    for src in sorted(inv.sources):
        h.update(src.rsplit("/", 1)[-1].encode())
        try:
            with open(src, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
        except OSError:
            h.update(b"?")
    return h.hexdigest()[:16]
