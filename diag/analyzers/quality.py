"""How much a rule may rest on a router reading, given how whole it was read (pure, no I/O).

Router readings carry `quality` (diag.model.observations.Quality): `ok` read whole; `degraded`
read over a console seen losing lines, with nothing in the output able to show whether lines of
it were lost (logs); `partial` the output's own structure shows lost or garbled lines, and the
fields named in `unread` are unknown (None or [] there is not zero or "none").

Rules use this module to lower their confidence on such readings and to ask for a clean read:

    from diag.analyzers import quality

    factor = quality.weakest(evidence_observations)             # 1.0 when all read whole
    factor = quality.confidence_factor(o, "crc", "input_errors")  # 0.0: a field is unknown
    peak = quality.cpu_peak(o)          # (97.0, True) exact, (95.0, False) "at least", None
    steps += quality.reread_steps(evidence_observations)        # one sentence per reading

A factor of 0.0 means the rule must not rest on that reading at all (the value is unknown);
the rule then says what it could not read (next step: the re-read).
"""

from __future__ import annotations

from collections.abc import Iterable

from diag.i18n import tr
from diag.model.observations import CpuObservation, Observation, Quality

# The numbers: no standard gives them.  A degraded reading is right in every value it gives but
# may miss lines (log messages): it can hide evidence, not invent it, so it weighs a little less.
# A partial one lost lines its structure shows; what it still gives passed its checks, but the
# console that lost those lines may have lost more, so it weighs clearly less.  Both stay above
# one half so that a rule whose whole pattern is present still fires and asks for the re-read.
DEGRADED_FACTOR = 0.85
PARTIAL_FACTOR = 0.7


def degraded(obs: Observation) -> bool:
    """Whether `obs` was not read whole (quality `degraded` or `partial`)."""
    return isinstance(obs, Quality) and obs.quality != "ok"


def known(obs: Observation, field: str) -> bool:
    """Whether `field` of `obs` was read (not lost): its value, None included, is a fact."""
    return not (isinstance(obs, Quality) and field in obs.unread)


def confidence_factor(obs: Observation, *fields: str) -> float:
    """What to multiply a rule's confidence by when it rests on `obs` (and on these fields).

    1.0 read whole (or not a router reading); DEGRADED_FACTOR / PARTIAL_FACTOR otherwise; 0.0
    when one of the named fields could not be read (unknown: the rule must not rest on it).
    """
    if not isinstance(obs, Quality):
        return 1.0
    if any(f in obs.unread for f in fields):
        return 0.0
    return {"ok": 1.0, "degraded": DEGRADED_FACTOR, "partial": PARTIAL_FACTOR}[obs.quality]


def weakest(observations: Iterable[Observation], *fields: str) -> float:
    """The lowest confidence_factor over the readings a finding rests on (1.0 for none)."""
    return min((confidence_factor(o, *fields) for o in observations), default=1.0)


def cpu_peak(obs: CpuObservation) -> tuple[float, bool] | None:
    """The 72 h CPU peak: (value, exact).  A graph not read whole gives (lower bound, False):
    the peak was at least that much, which still proves a threshold below it.  None: unknown."""
    if obs.peak_72h is not None:
        return obs.peak_72h, True
    if obs.history_72h and known(obs, "history_72h"):
        return float(max(obs.history_72h)), True
    if obs.peak_72h_min is not None:
        return obs.peak_72h_min, False
    return None


def what_was_read(obs: Observation) -> str:
    """The command (or kind) a reading came from: 'show processes cpu history'."""
    source = getattr(obs, "source", None) or getattr(obs, "engine", None) or ""
    if isinstance(source, str) and source.startswith("cli:"):
        return source.removeprefix("cli:")
    if obs.kind == "ping":
        return tr("the ping")
    return tr("the {kind} reading", kind=obs.kind.replace("_", " "))


def reread_step(obs: Observation) -> str | None:
    """The next step asking for a clean read of `obs` (None when it was read whole)."""
    if not isinstance(obs, Quality) or obs.quality == "ok":
        return None
    device = getattr(obs, "device", None) or getattr(obs, "origin", None) or tr("the router")
    word = tr("partly lost") if obs.quality == "partial" else tr("read over a lossy console")
    why = f" ({obs.quality_note})" if obs.quality_note else ""
    return tr(
        "Read {what} on {device} again over SSH, or over the console once the line is clean "
        "(cable, speed console_baudrate, another console port): the reading was {word}{why}.",
        what=what_was_read(obs),
        device=device,
        word=word,
        why=why,
    )


def reread_steps(observations: Iterable[Observation]) -> list[str]:
    """reread_step for each reading not read whole, one per device and command."""
    steps: dict[tuple[str, str], str] = {}
    for o in observations:
        step = reread_step(o)
        if step is not None:
            key = (str(getattr(o, "device", None) or getattr(o, "origin", "")), what_was_read(o))
            steps.setdefault(key, step)
    return list(steps.values())


def label(obs: Observation) -> str | None:
    """A short tag for a reading not read whole, e.g. for the terminal: 'PARTIAL: <note>'."""
    if not isinstance(obs, Quality) or obs.quality == "ok":
        return None
    note = f": {obs.quality_note}" if obs.quality_note else ""
    return f"{obs.quality.upper()}{note}"
