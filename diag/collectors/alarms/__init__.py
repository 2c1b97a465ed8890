"""Alarm normalisation: vendor alarm names to canonical types, as data (names.yaml)."""

from diag.collectors.alarms.normalize import (
    NormalizedAlarm,
    name_key,
    normalize,
    probable_cause_code,
    probable_cause_name,
    table,
)

__all__ = [
    "NormalizedAlarm",
    "name_key",
    "normalize",
    "probable_cause_code",
    "probable_cause_name",
    "table",
]
