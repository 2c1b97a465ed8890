"""Thresholds with their defaults and where each number comes from (diag/playbooks/thresholds/).

The article gives no numeric pass/fail values (DOMAIN.md §1.6); each default below names the
standard or the documented case it is taken from, and every one can be overridden.
"""

from __future__ import annotations

from functools import cache, cached_property
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    value: float
    unit: str
    source: str = Field(description="standard or documented case the default comes from")


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    values: dict[str, Threshold]

    def __getitem__(self, name: str) -> float:
        return self._floats[name]

    @cached_property
    def _floats(self) -> dict[str, float]:
        return {k: t.value for k, t in self.values.items()}

    def source(self, name: str) -> str:
        t = self.values[name]
        return f"{t.value:g} {t.unit} ({t.source})"

    def with_overrides(self, overrides: dict[str, Any]) -> Thresholds:
        vals = dict(self.values)
        for k, v in overrides.items():
            if k not in vals:
                raise KeyError(f"unknown threshold {k!r}; known: {', '.join(sorted(vals))}")
            vals[k] = vals[k].model_copy(update={"value": float(v), "source": "overridden"})
        return Thresholds(values=vals)


@cache
def defaults() -> Thresholds:
    values: dict[str, Threshold] = {}
    folder = files("diag.playbooks").joinpath("thresholds")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for k, v in (yaml.safe_load(entry.read_text("utf-8")) or {}).items():
            if k in values:
                raise ValueError(f"thresholds/{entry.name}: {k!r} defined twice")
            values[k] = Threshold.model_validate(v)
    return Thresholds(values=values)
