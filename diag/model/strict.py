"""The base of every inventory model (`Strict`: frozen, no unknown field, no yes/no where text or
a number was meant, no control characters) and the field types they share (secret references,
addresses, ports).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictInt, field_validator

from diag.i18n import tr
from diag.model import syntax

SECRET_REF = re.compile(r"(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|lab:[a-z0-9-]+)")
NAME = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"


class _Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Strict(_Frozen):
    """An inventory entry or part of one, as written in YAML."""

    @field_validator("*", mode="before")
    @classmethod
    def _plain(cls, value: Any) -> Any:
        """Every field: no yes/no where YAML was meant to read text or a number (`port: true`
        would otherwise be port 1), and no control characters in any text (diag.model.syntax)."""
        return _plain_value(value)


def _plain_value(value: Any) -> Any:
    """Strict._plain's check of one value (SweepSpec, with a true yes/no field, reuses it)."""
    kind = type(value)
    if kind is str:  # the common case first: every entry has many text fields
        if not value.isprintable() or len(value) > syntax.TEXT_MAX:
            syntax.no_control(value)
        return value
    if kind is bool:
        raise ValueError(
            tr(
                "YAML read this as a yes/no value ({value}); this field takes "
                "no true/false: write a number, or quote text",
                value=str(value).lower(),
            )
        )
    if kind is not list and kind is not tuple:
        return value
    for item in value:
        if isinstance(item, bool):
            raise ValueError(tr("a yes/no value (true/false) in a list of names or numbers"))
        if isinstance(item, str):
            syntax.no_control(item)
    return value


def _secret_ref(value: str | None) -> str | None:
    if value is None:
        return None
    if not SECRET_REF.fullmatch(value):
        raise ValueError(
            tr(
                "holds a literal secret; write a reference instead: env:VARIABLE (read from the "
                "environment), file:/path/to/secret (a file readable only by its owner, mode "
                "0600), or lab:NAME for the built-in lab"
            )
        )
    return value


SecretRef = Annotated[str, Field(description="env:NAME | file:PATH | lab:NAME")]
Address = Annotated[str, Field(min_length=1)]
# StrictInt: YAML `port: true` or `port: "22"` is refused, not read as 1 or 22.
Port = Annotated[StrictInt, Field(ge=1, le=65535)]


Getter = Callable[[str], Any]


def _address(value: str) -> str:
    return syntax.host(value)
