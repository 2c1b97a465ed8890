"""What the list commands print, as typed documents for their `--json` (docs/cli.md).

Each listing is a pydantic model: the keys are stable (new keys may be added, none renamed or
removed without a new `listing_version`), every id and sentence whole.  The tables on the
terminal are drawn from the same data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

LISTING_VERSION = "1.0"


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2) + "\n"


class RuleEntry(_Doc):
    id: str
    refs: list[str] = Field(description="the DOMAIN.md rules it encodes")
    title: str
    needs: list[str] = Field(description="observation kinds or answer keys it reads")
    needs_any: bool = Field(description="true: one of `needs` suffices; false: all are needed")


class StepEntry(_Doc):
    id: str
    title: str
    rules: list[RuleEntry]


class ThresholdEntry(_Doc):
    name: str
    value: float
    unit: str
    source: str


class RulesListing(_Doc):
    """`diag rules --json`."""

    listing: Literal["rules"] = "rules"
    listing_version: str = LISTING_VERSION
    steps: list[StepEntry]
    thresholds: list[ThresholdEntry]


class QuestionEntry(_Doc):
    key: str
    values: list[str] | None = Field(description="the accepted answers (null: a number)")
    unit: str | None
    who: str = Field(description="who answers: customer, engineer, instrument, noc")
    question: str | None = Field(description="the question filled in for the circuit (with one)")
    rules: list[str]
    step: str


class QuestionsListing(_Doc):
    """`diag questions [CIRCUIT_ID] --json`."""

    listing: Literal["questions"] = "questions"
    listing_version: str = LISTING_VERSION
    circuit: str | None
    questions: list[QuestionEntry]


class SettingEntry(_Doc):
    name: str
    default: Any = Field(description="the default value (JSON)")
    description: str


class SettingsListing(_Doc):
    """`diag settings --json`."""

    listing: Literal["settings"] = "settings"
    listing_version: str = LISTING_VERSION
    settings: list[SettingEntry]


class ServedEntry(_Doc):
    kind: str
    name: str
    where: str


class LabStatusListing(_Doc):
    """`diag lab status --json` (also when the lab is not running: running false)."""

    listing: Literal["lab-status"] = "lab-status"
    listing_version: str = LISTING_VERSION
    running: bool
    pid: int | None = None
    started: str | None = None
    scenarios: list[str] = Field(default_factory=list)
    served: list[ServedEntry] = Field(default_factory=list)
    inventory: str | None = None
    circuits: list[str] = Field(default_factory=list)


def rules_listing() -> RulesListing:
    from diag.analyzers import playbook
    from diag.analyzers.thresholds import defaults
    from diag.i18n import tr_marked

    t = defaults()
    return RulesListing(
        steps=[
            StepEntry(
                id=step.id,
                title=step.shown_title,
                rules=[
                    RuleEntry(
                        id=r.id,
                        refs=list(r.refs),
                        title=tr_marked(r.title),
                        needs=list(r.needs),
                        needs_any=r.needs_any,
                    )
                    for r in step.rules
                ],
            )
            for step in playbook.load()
        ],
        thresholds=[
            ThresholdEntry(name=n, value=v.value, unit=v.unit, source=v.source)
            for n, v in sorted(t.values.items())
        ],
    )


def questions_listing(
    items: Sequence[tuple[str, str | None, Any]], circuit: str | None
) -> QuestionsListing:
    """From (key, question text or None, answers.Question) triples."""
    return QuestionsListing(
        circuit=circuit,
        questions=[
            QuestionEntry(
                key=key,
                values=list(q.values) if q.values else None,
                unit=q.unit,
                who=q.who,
                question=text,
                rules=list(q.rules),
                step=q.step,
            )
            for key, text, q in items
        ],
    )


def settings_listing() -> SettingsListing:
    from diag.settings import CollectorSettings

    return SettingsListing(
        settings=[
            SettingEntry(name=name, default=f.default, description=f.description or "")
            for name, f in CollectorSettings.model_fields.items()
        ]
    )


def lab_status_listing(info: dict[str, Any] | None) -> LabStatusListing:
    """From diag.lab.manager.status()'s record (None: no lab state at all)."""
    if info is None or not info.get("running"):
        return LabStatusListing(running=False)
    return LabStatusListing(
        running=True,
        pid=int(info["pid"]),
        started=str(info["started"]),
        scenarios=[str(s) for s in info["scenarios"]],
        served=[
            ServedEntry(kind=str(s["kind"]), name=str(s["name"]), where=str(s["where"]))
            for s in info["served"]
        ],
        inventory=str(info["inventory"]),
        circuits=[str(c) for c in info["circuits"]],
    )


class InventoryCircuit(_Doc):
    id: str
    customer: str
    service: str
    bandwidth: str
    group: str | None
    region: str | None
    regions: list[str] = Field(description="every region whose workers read part of it")
    a_site: str
    b_site: str
    transport_nes: list[str]


class InventoryDevice(_Doc):
    name: str
    role: str
    vendor: str | None
    region: str | None


class InventoryNms(_Doc):
    name: str
    driver: str
    region: str | None


class InventorySweep(_Doc):
    name: str
    every: str
    every_s: float
    selection: str = Field(description="the selection as `diag sweep` flags")
    enabled: bool


class InventoryListing(_Doc):
    """`diag inventory list --json` (diag.inventory.listing.listing, checked against this)."""

    listing: Literal["inventory"] = "inventory"
    listing_version: str = LISTING_VERSION
    circuits: list[InventoryCircuit]
    devices: list[InventoryDevice]
    nms: list[InventoryNms]
    sweeps: list[InventorySweep]
