"""Interface names as operators type them: `Serial0/0/0:0`, `se 0/0/0:0`, `gi0/0`, `GE0/0/1`.

Both CLIs accept any unambiguous prefix of the interface type, with or without a space before
the number, in any case.  VRP also has fixed short forms (GE, XGE, Eth).
"""

from __future__ import annotations

import re

_SPLIT = re.compile(r"^([A-Za-z][A-Za-z-]*)\s*([0-9].*)$")
# VRP short forms that are not prefixes of the long name.
_ALIASES = {"ge": "gigabitethernet", "xge": "xgigabitethernet", "eth": "ethernet"}


def split_name(name: str) -> tuple[str, str] | None:
    """('Serial', '0/0/0:0') for 'Serial0/0/0:0'; None when there is no number part."""
    m = _SPLIT.match(name.strip())
    return (m.group(1), m.group(2).replace(" ", "")) if m else None


def resolve(candidates: list[str], typed: str) -> str | None:
    """The one candidate `typed` names, or None (unknown or ambiguous)."""
    parts = split_name(typed)
    if parts is None:
        return None
    kind = parts[0].lower()
    kind = _ALIASES.get(kind, kind)
    hits = []
    for name in candidates:
        cand = split_name(name)
        if cand and cand[1] == parts[1] and cand[0].lower().startswith(kind):
            hits.append(name)
    return hits[0] if len(hits) == 1 else None
