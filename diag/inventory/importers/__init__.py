"""Inventories from elsewhere: a spreadsheet (CSV, one row per circuit) or NetBox.

Each importer turns its source into diag's own entries (diag.model.inventory: Device, Circuit)
plus a list of what it could not map, each naming where it was (CSV line and column; NetBox
object type, id, name and field).  `write.write_folder` then writes them as an inventory folder
that `diag inventory validate` accepts, atomically.  The CSV layout lives in `layout`, the NetBox
mapping in `netbox`; docs/import.md describes both.
"""

from __future__ import annotations

from diag.inventory.importers.result import Dropped, Imported

__all__ = ["Dropped", "Imported"]
