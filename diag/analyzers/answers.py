"""The questions the procedure asks of people, and the answers they give.

The vocabulary lives in diag/playbooks/questions/*.yaml: each key (``{s}`` stands for the end,
``a`` or ``b``) has the question as asked on the phone or on site, who answers it, and the values
it takes.  `--observe KEY=VALUE`, `--observations FILE` and `--ask` all go through `parse_answer`.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

from diag.errors import DiagError
from diag.model.observations import AnswerObservation
from diag.model.path import CircuitPath


class AnswerError(DiagError):
    exit_code = 2


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    ask: str = Field(description="the question; {site}, {cpe}, {converter}, {router} are filled in")
    who: Literal["customer", "engineer", "instrument", "noc"]
    values: list[str] | None = None
    type: Literal["choice", "number"] = "choice"

    @field_validator("values", mode="before")
    @classmethod
    def _yaml_on_off(cls, v: object) -> object:
        # YAML 1.1 reads unquoted on/off as booleans
        if isinstance(v, list):
            return [("on" if x else "off") if isinstance(x, bool) else x for x in v]
        return v

    unit: str | None = None
    rules: list[str] = Field(default_factory=list, description="DOMAIN.md rules that use it")
    step: str = Field("", description="the procedure step, from the file name (3.2-customer.yaml)")
    interfaces: list[str] | None = Field(None, description="only for ends with these interfaces")
    needs_element: Literal["converter", "router"] | None = None


@cache
def vocabulary() -> dict[str, Question]:
    out: dict[str, Question] = {}
    folder = files("diag.playbooks").joinpath("questions")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        for raw in yaml.safe_load(entry.read_text("utf-8")) or []:
            q = Question.model_validate({**raw, "step": entry.name.split("-", 1)[0]})
            if q.key in out:
                raise ValueError(f"questions/{entry.name}: key {q.key!r} defined twice")
            out[q.key] = q
    return out


def _template(key: str) -> tuple[str, str | None]:
    m = re.match(r"^([ab])\.(.+)$", key)
    return (f"{{s}}.{m.group(2)}", m.group(1)) if m else (key, None)


def lookup(key: str) -> tuple[Question, str | None]:
    tmpl, side = _template(key)
    q = vocabulary().get(tmpl)
    if q is None:
        close = [k for k in vocabulary() if k.split(".")[-1] == key.split(".")[-1]][:3]
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise AnswerError(f"unknown observation key {key!r}{hint}; `diag questions` lists them")
    return q, side


def parse_answer(key: str, value: str) -> str:
    q, _ = lookup(key)
    v = value.strip().lower() if q.type == "choice" else value.strip()
    if q.type == "number":
        try:
            float(v)
        except ValueError:
            raise AnswerError(
                f"{key}: {value!r} is not a number ({q.unit or 'a number'} expected)"
            ) from None
        return v
    if q.values and v not in q.values:
        raise AnswerError(f"{key}: {value!r} is not one of: {', '.join(q.values)}")
    return v


def question_for(need: str) -> str | None:
    """The question text for a rule's need, with generic placeholders (for next steps)."""
    q = vocabulary().get(need)
    if q is None:
        return None
    text = q.ask.format(
        site="each",
        cpe="the transmission equipment",
        converter="the converter",
        router="the router",
    )
    return f"Ask ({q.who}): {text} [{need.replace('{s}', 'a|b')}]"


def questions_for(path: CircuitPath) -> list[tuple[str, str, Question]]:
    """Every question that applies to this circuit, as (key, text, question)."""
    out = []
    for q in vocabulary().values():
        sides = ["a", "b"] if "{s}" in q.key else [None]
        for side in sides:
            if side is None:
                out.append((q.key, q.ask.format(site="", cpe="", converter="", router=""), q))
                continue
            end = path.end(side)
            if q.interfaces and end.interface.value not in q.interfaces:
                continue
            if q.needs_element == "converter" and not end.converter:
                continue
            if q.needs_element == "router" and not end.router:
                continue
            text = q.ask.format(
                site=end.site, cpe=end.cpe, converter=end.converter or "", router=end.router or ""
            )
            out.append((q.key.format(s=side), text, q))
    return out


def observations(
    pairs: dict[str, str], source: Literal["ask", "observe", "file"]
) -> list[AnswerObservation]:
    now = datetime.now(UTC)
    return [
        AnswerObservation(
            id=f"answer-{n}",
            collector=f"answers:{source}",
            at=now,
            key=k,
            value=parse_answer(k, v),
            source=source,
        )
        for n, (k, v) in enumerate(sorted(pairs.items()), 1)
    ]


def from_assignments(items: tuple[str, ...] | list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep:
            raise AnswerError(f"--observe {item!r}: write KEY=VALUE, e.g. a.cpe.lamp.power=off")
        parse_answer(key.strip(), value)
        out[key.strip()] = value.strip()
    return out


def from_file(path: Path) -> dict[str, str]:
    """A YAML or JSON mapping of key -> value (what the person on site reported)."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise AnswerError(f"{path}: cannot read observations: {exc}") from exc
    if not isinstance(raw, dict):
        raise AnswerError(f"{path}: expected a mapping of key: value")
    out = {}
    for k, v in raw.items():
        value = str(v)
        if isinstance(v, bool):  # YAML 1.1 reads on/off and yes/no as booleans
            q, _ = lookup(str(k))
            yes, no = ("yes", "no") if q.values and "yes" in q.values else ("on", "off")
            value = yes if v else no
        try:
            parse_answer(str(k), value)
        except AnswerError as exc:
            raise AnswerError(f"{path}: {exc}") from exc
        out[str(k)] = value
    return out
