"""`diag circuit ID --observations FILE` with a document of observations (what `diag
lan-capture --json`, `diag ping --json`... write) as well as a mapping of answers."""

from __future__ import annotations

import json
from pathlib import Path

from diag.model.observations import Observation


def read_observations(path: Path) -> tuple[list[Observation], dict[str, str]]:
    """The typed observations of an observations document, or the KEY: VALUE answers of any
    other file (`answers.from_file`, unchanged).  The document's ids need not be unique beside
    what diag collects: the runner numbers every observation of a diagnosis afresh."""
    from pydantic import ValidationError

    from diag.analyzers import answers as ans
    from diag.analyzers.answers import AnswerError
    from diag.model.observations import ObservationsDocument

    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raw = None
    if not (isinstance(raw, dict) and "observations" in raw and "schema_version" in raw):
        return [], ans.from_file(path)
    try:
        doc = ObservationsDocument.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise AnswerError(
            f"{path}: not an observations document: {where}: {first['msg']}"
        ) from None
    return list(doc.observations), {}
