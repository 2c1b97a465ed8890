"""Which circuits a sweep runs: ids or globs, inventory groups, regions, NMSs, customers."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

from diag.errors import UsageError
from diag.i18n import mark, tr, tr_marked
from diag.model.inventory import Inventory
from diag.model.path import build_path
from diag.sweep.model import Selection

#: the error for names the inventory does not have, per criterion (shared with `diag worker`)
UNKNOWN = {
    "group": mark("no group {names} in the inventory (known: {known})"),
    "region": mark("no region {names} in the inventory (known: {known})"),
    "NMS": mark("no NMS {names} in the inventory (known: {known})"),
}


def unknown_names(kind: str, unknown: Sequence[str], known: set[str]) -> str:
    """The error naming `unknown` (quoted) and what the inventory knows (or none)."""
    have = ", ".join(sorted(known)) or tr("none")
    return tr_marked(UNKNOWN[kind], names=", ".join(map(repr, unknown)), known=have)


def _match(value: str | None, patterns: Sequence[str]) -> bool:
    return value is not None and any(fnmatchcase(value, p) for p in patterns)


def _nms_of(inv: Inventory, cid: str) -> set[str]:
    path = build_path(inv.circuits[cid], inv)
    return {d.nms for el in path.elements if (d := inv.devices.get(el.id)) and d.nms}


def select(
    inv: Inventory,
    *,
    ids: Sequence[str] = (),
    groups: Sequence[str] = (),
    regions: Sequence[str] = (),
    nms: Sequence[str] = (),
    customers: Sequence[str] = (),
) -> Selection:
    """Every circuit that matches all the criteria given (none given: every circuit).

    Ids and customers take shell globs (`LAB-E1-*`, `*Bank*`); groups, regions and NMSs are
    exact names, checked against the inventory so that a typo is an error, not an empty sweep.
    """
    known = {
        "group": {c.group for c in inv.circuits.values() if c.group},
        "region": {c.region for c in inv.circuits.values() if c.region},
        "NMS": set(inv.nms),
    }
    for kind, given in (("group", groups), ("region", regions), ("NMS", nms)):
        unknown = sorted(set(given) - known[kind])
        if unknown:
            raise UsageError(unknown_names(kind, unknown, known[kind]))
    chosen = []
    for cid, c in sorted(inv.circuits.items()):
        if ids and not _match(cid, ids):
            continue
        if groups and c.group not in groups:
            continue
        if regions and c.region not in regions:
            continue
        if customers and not _match(c.customer, customers):
            continue
        if nms and not (_nms_of(inv, cid) & set(nms)):
            continue
        chosen.append(cid)
    if not chosen:
        raise UsageError(
            tr(
                "the selection matches no circuit; `diag inventory list` shows the circuits, "
                "their groups and regions"
            )
        )
    return Selection(
        ids=list(ids),
        groups=list(groups),
        regions=list(regions),
        nms=list(nms),
        customers=list(customers),
        circuits=chosen,
    )
