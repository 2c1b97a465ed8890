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
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from diag import i18n
from diag.errors import DiagError
from diag.i18n import mark, tr, tr_marked
from diag.model.inventory import LinkKind
from diag.model.observations import AnswerObservation
from diag.model.path import CircuitPath


class AnswerError(DiagError):
    exit_code = 2


# What a question's `applies_to` can name about an end (see `end_traits`).
TRAITS = frozenset(
    {
        "e1",
        "v35",
        "ethernet",
        "e1-75",
        "e1-120",
        "v35-dte",
        "v35-dce",
        "converter",
        "router",
        "fibre",
        "e1-cable",
        "customer-cpe",
        "carrier-cpe",
    }
)


def _on_off(v: object) -> object:
    # YAML 1.1 reads unquoted on/off (and yes/no) as booleans, and numbers as numbers
    if isinstance(v, list):
        return [("on" if x else "off") if isinstance(x, bool) else str(x) for x in v]
    return v


WHO_COST = {"noc": 0, "customer": 1, "engineer": 2, "instrument": 3}  # phone before site visits


class Question(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str
    ask: str = Field(description="the question; {site}, {cpe}, {converter}, {router} are filled in")
    zh: str | None = Field(None, description="the question in Chinese, the same placeholders")
    who: Literal["customer", "engineer", "instrument", "noc"]
    values: list[str] | None = None
    type: Literal["choice", "number"] = "choice"

    @field_validator("values", "probe", "no_signal", "degraded", mode="before")
    @classmethod
    def _yaml_values(cls, v: object) -> object:
        return _on_off(v)

    @field_validator("only_if", "unless", mode="before")
    @classmethod
    def _yaml_premises(cls, v: object) -> object:
        return {k: _on_off(vals) for k, vals in v.items()} if isinstance(v, dict) else v

    unit: str | None = None
    rules: list[str] = Field(default_factory=list, description="DOMAIN.md rules that use it")
    step: str = Field("", description="the procedure step, from the file name (3.2-customer.yaml)")
    applies_to: list[str] | None = Field(
        None,
        description="only where the end (for a circuit-wide key: either end) has one of these "
        "traits; `a+b` needs both traits (TRAITS lists them)",
    )
    only_if: dict[str, list[str]] = Field(
        default_factory=dict,
        description="a follow-up: asked only once one of these keys ({s} = the same end) was "
        "answered with one of its values",
    )
    unless: dict[str, list[str]] = Field(
        default_factory=dict,
        description="pointless once one of these keys was answered with one of its values "
        "(e.g. the other lamps of a box whose power lamp is off)",
    )
    probe: list[str] | None = Field(
        None,
        description="number questions: one value per outcome the rules tell apart, tried "
        "hypothetically when choosing what to ask next",
    )
    no_signal: list[str] = Field(
        default_factory=list,
        description="answers that mean no signal crosses that point (a dark box, LOS, AIS)",
    )
    degraded: list[str] = Field(
        default_factory=list,
        description="answers that mean the signal crosses, damaged (bit errors, some loss)",
    )
    group: str | None = Field(
        None,
        description="questions answered by one test or look: skipping one (not done, not known) "
        "drops the others",
    )
    names_element: bool = Field(
        False, description="the answer names a transmission element of the path (device or NE)"
    )

    @field_validator("applies_to")
    @classmethod
    def _known_traits(cls, v: list[str] | None) -> list[str] | None:
        for alt in v or []:
            unknown = [t for t in alt.split("+") if t not in TRAITS]
            if unknown:
                raise ValueError(f"unknown trait(s) {unknown}; known: {sorted(TRAITS)}")
        return v

    @field_validator("zh")
    @classmethod
    def _same_placeholders(cls, v: str | None, info: ValidationInfo) -> str | None:
        ask = info.data.get("ask")
        if (
            v is not None
            and isinstance(ask, str)
            and i18n.placeholders(v) != i18n.placeholders(ask)
        ):
            raise ValueError(f"zh: placeholders differ from the English question's: {ask!r}")
        return v

    @property
    def cost(self) -> int:
        return WHO_COST[self.who]

    def text(self, site: str = "", cpe: str = "", converter: str = "", router: str = "") -> str:
        """The question in the reader's language, its placeholders filled in."""
        template = i18n.localized(self.ask, {"zh": self.zh})
        return template.format(site=site, cpe=cpe, converter=converter, router=router)

    def choices(self, path: CircuitPath | None = None) -> list[str]:
        """The values a hypothetical answer can take: the allowed values, else the probes, else
        (for a question naming an element) the path's transmission elements."""
        if self.values or self.probe:
            return list(self.values or self.probe or [])
        if self.names_element and path is not None:
            return [e.id for e in path.elements if e.kind in ("sdh", "pdh", "msap")]
        return []


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
    _check_premises(out)
    return out


ANY = "*"  # a premise value: answered with any value


def _check_premises(vocab: dict[str, Question]) -> None:
    """`only_if` / `unless` name keys of the vocabulary and values those keys take."""
    for q in vocab.values():
        for premise, vals in (q.only_if | q.unless).items():
            p = vocab.get(premise)
            if p is None:
                raise ValueError(f"questions: {q.key}: premise {premise!r} is not a key")
            if "{s}" in premise and "{s}" not in q.key:
                raise ValueError(f"questions: {q.key}: premise {premise!r} needs an end")
            bad = [v for v in vals if p.values and v not in (*p.values, ANY)]
            if bad:
                raise ValueError(f"questions: {q.key}: {premise} never takes {bad}")
        if q.type == "number" and not q.probe:
            raise ValueError(f"questions: {q.key}: a number question needs `probe` values")
        for name, listed in (("no_signal", q.no_signal), ("degraded", q.degraded)):
            if set(listed) - set(q.choices()):
                raise ValueError(f"questions: {q.key}: {name} {listed} not among its values")
        if not (q.values or q.probe or q.names_element):
            raise ValueError(f"questions: {q.key}: give `values`, `probe` or `names_element`")


def _template(key: str) -> tuple[str, str | None]:
    m = re.match(r"^([ab])\.(.+)$", key)
    return (f"{{s}}.{m.group(2)}", m.group(1)) if m else (key, None)


def lookup(key: str) -> tuple[Question, str | None]:
    tmpl, side = _template(key)
    q = vocabulary().get(tmpl)
    if q is None:
        close = [k for k in vocabulary() if k.split(".")[-1] == key.rsplit(".", maxsplit=1)[-1]][:3]
        hint = tr(" (did you mean {keys}?)", keys=", ".join(close)) if close else ""
        raise AnswerError(
            tr(
                "unknown observation key {key}{hint}; `diag questions` lists them",
                key=repr(key),
                hint=hint,
            )
        )
    return q, side


def parse_answer(key: str, value: str) -> str:
    q, _ = lookup(key)
    v = value.strip().lower() if q.type == "choice" else value.strip()
    if q.type == "number":
        try:
            float(v)
        except ValueError:
            raise AnswerError(
                tr(
                    "{key}: {value} is not a number ({unit} expected)",
                    key=key,
                    value=repr(value),
                    unit=q.unit or tr("a number"),
                )
            ) from None
        return v
    if q.values and v not in q.values:
        raise AnswerError(
            tr(
                "{key}: {value} is not one of: {values}",
                key=key,
                value=repr(value),
                values=", ".join(q.values),
            )
        )
    return v


def question_for(need: str) -> str | None:
    """The question text for a rule's need, with generic placeholders (for next steps)."""
    q = vocabulary().get(need)
    if q is None:
        return None
    text = q.text(
        site=tr("each"),
        cpe=tr("the transmission equipment"),
        converter=tr("the converter"),
        router=tr("the router"),
    )
    return ask_line(q, text, need.replace("{s}", "a|b"))


WHO = {
    "customer": mark("customer"),
    "engineer": mark("engineer"),
    "instrument": mark("instrument"),
    "noc": mark("noc"),
}


def ask_line(q: Question, text: str, key: str) -> str:
    """A question as a next step: `Ask (who): text [key]`."""
    return tr("Ask ({who}): {text} [{key}]", who=tr_marked(WHO[q.who]), text=text, key=key)


def end_traits(path: CircuitPath, side: str) -> set[str]:
    """What an end has, in the terms a question's `applies_to` uses: its interface and the
    interface's family (e1, v35, ethernet), `converter` and `router` when it has them, `fibre`
    when its CPE reaches the CO over fibre, `e1-cable` when an E1 cable joins the customer's
    equipment (or the converter) to the CPE, and who owns the CPE."""
    end = path.end(side)
    iface = end.interface.value
    family = iface.split("-", 1)[0]
    traits = {iface, family, f"{end.cpe_owner}-cpe"}
    if end.converter:
        traits.add("converter")
    if end.router:
        traits.add("router")
    if family == "e1" or end.converter:
        traits.add("e1-cable")
    i = path.index(end.cpe)
    uplink = path.links[i if side == "a" else i - 1] if path.links else None
    if uplink is not None and uplink.kind == LinkKind.fiber:
        traits.add("fibre")
    return traits


def applies(q: Question, traits: set[str]) -> bool:
    if q.applies_to is None:
        return True
    return any(set(alt.split("+")) <= traits for alt in q.applies_to)


def questions_for(path: CircuitPath) -> list[tuple[str, str, Question]]:
    """Every question that applies to this circuit, as (key, text, question)."""
    out = []
    both = end_traits(path, "a") | end_traits(path, "b")
    for q in vocabulary().values():
        sides = ["a", "b"] if "{s}" in q.key else [None]
        for side in sides:
            if side is None:
                if applies(q, both):
                    out.append((q.key, q.text(), q))
                continue
            end = path.end(side)
            if not applies(q, end_traits(path, side)):
                continue
            text = q.text(
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
            raise AnswerError(
                tr("--observe {item}: write KEY=VALUE, e.g. a.cpe.lamp.power=off", item=repr(item))
            )
        parse_answer(key.strip(), value)
        out[key.strip()] = value.strip()
    return out


def from_file(path: Path) -> dict[str, str]:
    """A YAML or JSON mapping of key -> value (what the person on site reported)."""
    try:
        text = path.read_text(encoding="utf-8")
        raw = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise AnswerError(
            tr("{path}: cannot read observations: {error}", path=path, error=exc)
        ) from exc
    if not isinstance(raw, dict):
        raise AnswerError(tr("{path}: expected a mapping of key: value", path=path))
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
