"""The notifications a trap receiver refused, counted per reason: the engine's own counters
(wrong community, unknown v3 user, wrong keys) and the receiver's refusals (not a trap source,
v3 below authPriv).  `Rejections` is mixed into diag.collectors.snmp.traps.TrapReceiver.
"""

from __future__ import annotations

from collections import Counter

from pysnmp.entity.engine import SnmpEngine

# Engine counters that grow when a notification is dropped before our callback sees it.
# (usmStatsUnknownEngineIDs / NotInTimeWindows are left out: every v3 inform sender's engine
# discovery bumps them, so they say nothing about a rejection.)
_REJECT_COUNTERS = (
    ("__SNMPv2-MIB", "snmpInBadCommunityNames"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnknownUserNames"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsWrongDigests"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsDecryptionErrors"),
    ("__SNMP-USER-BASED-SM-MIB", "usmStatsUnsupportedSecLevels"),
)
# Refusals of our own (not pysnmp counters).
NOT_FROM_SOURCE = "notFromTrapSource"
V3_NOT_AUTHPRIV = "v3NotAuthPriv"
REJECT_WORDS = {
    NOT_FROM_SOURCE: "from an address that is not a trap source",
    "snmpInBadCommunityNames": "with a wrong community",
    V3_NOT_AUTHPRIV: "v3 without authPriv",
    "usmStatsUnknownUserNames": "v3 from an unknown user or sender engine ID",
    "usmStatsWrongDigests": "v3 failing authentication (wrong auth key)",
    "usmStatsDecryptionErrors": "v3 failing decryption (wrong priv key)",
    "usmStatsUnsupportedSecLevels": "v3 at a security level the user does not have",
}


class Rejections:
    """What the receiver refused, in numbers and in words."""

    _engine: SnmpEngine | None
    _engine_counts: dict[str, int]
    _refused: Counter[str]
    _refused_from: Counter[str]
    _weak_from: Counter[str]

    def rejected(self) -> dict[str, int]:
        """Notifications refused so far, per reason (non-zero only): the engine's counters
        (snmpInBadCommunityNames, usmStats...) and ours (notFromTrapSource, v3NotAuthPriv).
        The engine's counters are read while running; stop() keeps the last reading."""
        out: dict[str, int] = dict(self._engine_counts)
        if self._engine is not None:
            builder = self._engine.get_mib_builder()
            for module, name in _REJECT_COUNTERS:
                try:
                    (counter,) = builder.import_symbols(module, name)
                    value = int(counter.syntax)
                except Exception:  # a counter this pysnmp does not keep: nothing to report  # noqa: BLE001, S112
                    continue
                if value:
                    out[name] = value
        out.update({k: v for k, v in self._refused.items() if v})
        return out

    def rejected_sources(self) -> dict[str, int]:
        """Addresses whose notifications the source check refused, with how many (the
        engine's own refusals carry no address)."""
        return dict(self._refused_from)

    def refused_from(self) -> dict[str, dict[str, int]]:
        """The addresses our own checks refused, per reason (notFromTrapSource, v3NotAuthPriv)."""
        return {NOT_FROM_SOURCE: dict(self._refused_from), V3_NOT_AUTHPRIV: dict(self._weak_from)}

    @property
    def rejected_count(self) -> int:
        return sum(self.rejected().values())

    def rejections(self) -> str | None:
        """The refusals in words ('2 from an address that is not a trap source (127.0.0.2),
        1 with a wrong community'), or None when nothing was refused."""
        counts = self.rejected()
        if not counts:
            return None
        parts = []
        for reason in REJECT_WORDS:  # noqa: PLC0206
            n = counts.get(reason, 0)
            if not n:
                continue
            words = f"{n} {REJECT_WORDS[reason]}"
            where = {NOT_FROM_SOURCE: self._refused_from, V3_NOT_AUTHPRIV: self._weak_from}
            if where.get(reason):
                words += f" ({', '.join(sorted(where[reason]))})"
            parts.append(words)
        return ", ".join(parts)
