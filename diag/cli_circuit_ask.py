"""`diag circuit`'s answers: --ask's questions, --replay with answers, --threshold, --compare."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import click

if TYPE_CHECKING:
    from collections.abc import Sequence

    from diag.model.findings import FindingsDocument
    from diag.model.observations import Observation


def _ask(
    c: Any,
    path: Any,
    collected: Any,
    *,
    started: Any,
    ticket: Any,
    operator: str,
    thresholds: Any,
    err: Any,
    mode: Literal["live", "replay"] = "live",
    interrupted: bool = False,
) -> tuple[FindingsDocument, bool]:
    """--ask: the conversation (diag.analyzers.ask), then the document with every answer given.
    Ctrl-C / Ctrl-D / EOF end it with what is known: run.interrupted is set (exit 130)."""
    from diag.analyzers import answers as ans
    from diag.analyzers.ask import Ask, Session, run
    from diag.i18n import tr
    from diag.runner import build_document

    session = Session(path, list(collected.observations), thresholds)
    err.print(
        "[bold]"
        + tr("Questions, the one that best narrows the fault first")
        + "[/bold] "
        + tr("(? explains, s or Enter skips, q finishes; Ctrl-C / Ctrl-D keep the answers given):")
    )

    def prompt(a: Ask) -> str | None:
        head = "" if a.key is None else f"[{len(session.asked) + 1}] "
        choices = f" [{'/'.join(a.values)}]" if a.values and a.key is not None else ""
        try:
            reply: str = click.prompt(
                f"{head}{a.text}{choices}", default="", show_default=False, err=True
            )
        except click.exceptions.Abort:  # click turns Ctrl-C and Ctrl-D / EOF into Abort
            raise KeyboardInterrupt from None
        return reply or None

    run(session, prompt, lambda text: err.print(text, markup=False, highlight=False))
    answered = session.given()
    err.print(
        tr(
            "{asked} question(s) asked, {answered} answered",
            asked=len(session.asked),
            answered=len(answered),
        )
        + (tr(" (interrupted: the document keeps them)") if session.interrupted else "")
    )
    collected.observations.extend(ans.observations(answered, "ask"))
    doc = build_document(
        c,
        path,
        collected,
        started=started,
        ticket=ticket,
        operator=operator,
        mode=mode,
        interrupted=interrupted,
        thresholds=thresholds,
    )
    if session.interrupted:
        doc = doc.model_copy(update={"run": doc.run.model_copy(update={"interrupted": True})})
    return doc, session.interrupted


def _replay_with_answers(
    folder: Path, given: Sequence[Observation], ask: bool, thresholds: Any, err: Any
) -> tuple[FindingsDocument, bool]:
    """A capture re-analysed with answers given now (--observe / --observations / --ask)."""
    from diag.capture import load_capture
    from diag.model.inventory import Inventory
    from diag.model.observations import AnswerObservation
    from diag.model.path import build_path
    from diag.runner import Collected, build_document

    cap = load_capture(folder)
    inv = Inventory(nms=cap.nms, devices=cap.devices, circuits={cap.circuit.id: cap.circuit})
    path = build_path(cap.circuit, inv)
    now = {o.key for o in given if isinstance(o, AnswerObservation)}  # given now wins
    kept = [o for o in cap.observations if not (isinstance(o, AnswerObservation) and o.key in now)]
    collected = Collected(observations=[*kept, *given], collectors=list(cap.collectors))
    common: dict[str, Any] = {
        "started": cap.started,
        "ticket": cap.ticket,
        "operator": cap.operator,
        "thresholds": thresholds,
    }
    if ask:
        return _ask(
            cap.circuit,
            path,
            collected,
            err=err,
            mode="replay",
            interrupted=cap.interrupted,
            **common,
        )
    doc = build_document(
        cap.circuit, path, collected, mode="replay", interrupted=cap.interrupted, **common
    )
    return doc, False


def _thresholds(items: tuple[str, ...]) -> Any:
    from diag.analyzers.answers import AnswerError
    from diag.analyzers.thresholds import defaults
    from diag.i18n import tr

    if not items:
        return None
    values = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            values[name.strip()] = float(value)
        except ValueError:
            raise AnswerError(
                tr("--threshold {item}: write NAME=NUMBER, e.g. loss_pct=0.5", item=repr(item))
            ) from None
        if not sep:
            raise AnswerError(tr("--threshold {item}: write NAME=NUMBER", item=repr(item)))
    base = defaults()
    for name in values:  # checked here, as with_overrides would, to say it in the reader's words
        if name not in base.values:
            raise AnswerError(
                tr(
                    "--threshold: unknown threshold {name}; known: {known}",
                    name=repr(name),
                    known=", ".join(sorted(base.values)),
                )
            )
    return base.with_overrides(values)


def _previous(path: Path, circuit_id: str) -> FindingsDocument:
    import json

    from pydantic import ValidationError

    from diag.analyzers.answers import AnswerError
    from diag.i18n import tr
    from diag.model.findings import FindingsDocument

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(raw, dict) and raw.get("schema_version") == "1.1":
            raw["schema_version"] = "1.2"  # 1.2 only added fields, each with a default
        doc = FindingsDocument.model_validate(raw)
    except (OSError, ValueError, ValidationError) as exc:
        raise AnswerError(
            tr(
                "--compare {path}: not a findings document of this version ({error})",
                path=path,
                error=str(exc).splitlines()[0],
            )
        ) from None
    if doc.circuit.id != circuit_id:
        raise AnswerError(
            tr(
                "--compare {path}: that document is for {other}, not {id}",
                path=path,
                other=doc.circuit.id,
                id=circuit_id,
            )
        )
    return doc
