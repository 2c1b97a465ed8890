"""Load the procedure (diag/playbooks/procedure.yaml and its step files) and check it."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

import yaml

from diag import i18n
from diag.analyzers import rules as _rules  # noqa: F401  (registers every rule)
from diag.analyzers.registry import RULES, Rule


@dataclass(frozen=True)
class Step:
    id: str
    title: str
    rules: tuple[Rule, ...]
    zh: str | None = None  # the title in Chinese (procedure.yaml's `zh`)

    @property
    def shown_title(self) -> str:
        """The title in the reader's language."""
        return i18n.localized(self.title, {"zh": self.zh})


class PlaybookError(Exception):
    pass


@cache
def load() -> tuple[Step, ...]:
    root = files("diag.playbooks")
    proc = yaml.safe_load(root.joinpath("procedure.yaml").read_text("utf-8"))
    steps = []
    seen: set[str] = set()
    for entry in proc["steps"]:
        body = yaml.safe_load(root.joinpath(entry["file"]).read_text("utf-8"))
        if str(body["step"]) != str(entry["id"]):
            raise PlaybookError(f"{entry['file']}: step {body['step']!r} != {entry['id']!r}")
        found = []
        for rid in body.get("rules") or []:
            if rid not in RULES:
                raise PlaybookError(f"{entry['file']}: no rule {rid!r} is registered")
            if rid in seen:
                raise PlaybookError(f"{entry['file']}: rule {rid!r} is listed twice")
            seen.add(rid)
            found.append(RULES[rid])
        steps.append(Step(str(entry["id"]), entry["title"], tuple(found), entry.get("zh")))
    missing = sorted(set(RULES) - seen)
    if missing:
        raise PlaybookError(f"registered rules not in the playbook: {', '.join(missing)}")
    return tuple(steps)
