"""The reports' plots, drawn with matplotlib and returned as `data:image/svg+xml` URIs.

matplotlib is imported inside each function (diag --help must not load it). Figures are built
with `matplotlib.figure.Figure`, never pyplot: no GUI backend, no global figure state. The SVGs
are deterministic (fixed hash salt, no date) so a report rendered twice is byte-identical.
"""

from __future__ import annotations

import base64
import io
import itertools
import math
import statistics
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from diag.report.html import STATUS_COLOUR, STATUS_LABEL, STATUS_RANK
from diag.report.points import Point

if TYPE_CHECKING:
    from matplotlib.figure import Figure

# Loss colours after SmokePing's default scale (green when nothing is lost, through blue and
# purple, to red when everything is): the band a point falls in, upper bound inclusive.
LOSS_SCALE: tuple[tuple[float, str, str], ...] = (
    (0.0, "#2e7d32", "0 %"),
    (5.0, "#00acc1", "≤ 5 %"),
    (10.0, "#1565c0", "≤ 10 %"),
    (20.0, "#6a1b9a", "≤ 20 %"),
    (50.0, "#d81b60", "≤ 50 %"),
    (99.999, "#ef6c00", "< 100 %"),
    (100.0, "#b71c1c", "100 %"),
)
UNKNOWN_LOSS = "#9e9e9e"


def loss_colour(loss: float | None) -> str:
    if loss is None:
        return UNKNOWN_LOSS
    for bound, colour, _ in LOSS_SCALE:
        if loss <= bound:
            return colour
    return LOSS_SCALE[-1][1]


def _svg_uri(fig: Figure) -> str:
    import matplotlib  # noqa: ICN001

    buf = io.BytesIO()
    with matplotlib.rc_context({"svg.hashsalt": "diag-report"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _nan(v: float | None) -> float:
    return math.nan if v is None else v


def _width_days(points: Sequence[Point]) -> float:
    """A bar's width: 80 % of the median spacing between diagnoses (15 min when only one)."""
    gaps = [(b.started - a.started).total_seconds() for a, b in itertools.pairwise(points)]
    gaps = [g for g in gaps if g > 0]
    spacing = statistics.median(gaps) if gaps else 900.0
    return 0.8 * spacing / 86400


def _days(points: Sequence[Point]) -> list[float]:
    """The diagnoses' start times as matplotlib date numbers (days), the x of every plot."""
    import matplotlib.dates

    mdates: Any = matplotlib.dates  # untyped functions
    return [float(mdates.date2num(p.started)) for p in points]


def _layout(fig: Figure, ax: Any, points: Sequence[Point]) -> None:
    """The same axes box and time range on every time plot, so they line up on the page."""
    t = _days(points)
    w = _width_days(points)
    fig.subplots_adjust(left=0.07, right=0.82, bottom=0.18, top=0.95)
    ax.set_xlim(t[0] - w, t[-1] + w / 0.8)


def _time_axis(ax: Any) -> None:
    import matplotlib.dates

    mdates: Any = matplotlib.dates
    loc = mdates.AutoDateLocator(tz="UTC")
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, tz="UTC"))
    ax.grid(True, color="#e0e0e0", linewidth=0.6)


def status_counts(counts: dict[str, int]) -> str:
    """A horizontal bar per status of the sweep, worst on top."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    items = sorted(counts.items(), key=lambda kv: -STATUS_RANK.get(kv[0], 9))
    fig = Figure(figsize=(4.5, 0.28 * len(items) + 0.7))
    ax = fig.add_subplot()
    labels = [STATUS_LABEL.get(k, k) for k, _ in items]
    values = [v for _, v in items]
    bars = ax.barh(labels, values, color=[STATUS_COLOUR.get(k, "#424242") for k, _ in items])
    ax.bar_label(bars, padding=3)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlim(0, max([*values, 1]) * 1.15)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    return _svg_uri(fig)


def smokeping(points: Sequence[Point]) -> str:
    """RTT over time, SmokePing-style: the min–max spread of each test as grey smoke (darker
    where the middle half of the probes fell), the median as a line, each point coloured by its
    loss; a strip below gives the loss itself. Total loss has no RTT: a red mark on top."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(11, 4.2))
    ax, lax = fig.subplots(2, 1, sharex=True, gridspec_kw={"height_ratios": [4, 1.2]})
    t = _days(points)
    w = _width_days(points)
    for x, p in zip(t, points, strict=True):
        if p.rtt_min_ms is not None and p.rtt_max_ms is not None:
            ax.bar(x, p.rtt_max_ms - p.rtt_min_ms, w, p.rtt_min_ms, color="#bdbdbd")
        if len(p.probes_ms) >= 4:
            q1, _, q3 = statistics.quantiles(p.probes_ms, n=4)
            ax.bar(x, max(q3 - q1, 0.02), w, q1, color="#757575")
    ax.plot(t, [_nan(p.rtt_ms) for p in points], color="#212121", linewidth=1, zorder=3)
    ax.scatter(
        t,
        [_nan(p.rtt_ms) for p in points],
        c=[loss_colour(p.loss_pct) for p in points],
        s=28,
        zorder=4,
        edgecolors="#212121",
        linewidths=0.4,
    )
    lost = [
        x for x, p in zip(t, points, strict=True) if p.rtt_ms is None and (p.loss_pct or 0) >= 100
    ]
    if lost:
        ax.scatter(
            lost,
            [1.0] * len(lost),
            transform=ax.get_xaxis_transform(),
            marker="v",
            color=LOSS_SCALE[-1][1],
            s=40,
            zorder=4,
            clip_on=False,
        )
    top = max([p.rtt_max_ms or p.rtt_ms or 0.0 for p in points] + [1.0])
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("RTT (ms)")
    lax.bar(
        t, [_nan(p.loss_pct) for p in points], w, color=[loss_colour(p.loss_pct) for p in points]
    )
    lax.set_ylim(0, 100)
    lax.set_yticks([0, 50, 100])
    lax.set_ylabel("loss %")
    _time_axis(ax)
    _time_axis(lax)
    handles = [Patch(color=c, label=f"loss {label}") for _, c, label in LOSS_SCALE]
    handles += [
        Patch(color="#bdbdbd", label="RTT min–max"),
        Patch(color="#757575", label="middle half of probes"),
    ]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=8)
    fig.align_ylabels([ax, lax])
    _layout(fig, ax, points)
    fig.subplots_adjust(bottom=0.1, hspace=0.12)
    return _svg_uri(fig)


def crc_growth(points: Sequence[Point]) -> str:
    """CRC errors per minute on the WAN interface (the worse end) at each diagnosis."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 2.6))
    ax = fig.add_subplot()
    t = _days(points)
    y = [_nan(p.crc_per_min) for p in points]
    ax.bar(t, y, _width_days(points), color="#c62828", alpha=0.35)
    ax.plot(t, y, color="#c62828", marker="o", markersize=4, linewidth=1)
    ax.set_ylim(0, max([v for v in y if not math.isnan(v)] + [1.0]) * 1.15)
    ax.set_ylabel("CRC errors / min")
    _time_axis(ax)
    _layout(fig, ax, points)
    return _svg_uri(fig)


def verdicts(points: Sequence[Point]) -> str:
    """Each diagnosis's status as a band from its start to the next diagnosis's start."""
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    fig = Figure(figsize=(11, 1.5))
    ax = fig.add_subplot()
    t = _days(points)
    ends = [*t[1:], t[-1] + _width_days(points) / 0.8]
    for x0, x1, p in zip(t, ends, points, strict=True):
        ax.broken_barh([(x0, x1 - x0)], (0, 1), color=STATUS_COLOUR.get(p.status, "#424242"))
    ax.set_yticks([])
    ax.set_ylim(0, 1)
    _time_axis(ax)
    ax.grid(False)
    seen = sorted({p.status for p in points}, key=lambda s: STATUS_RANK.get(s, 9))
    ax.legend(
        handles=[Patch(color=STATUS_COLOUR[s], label=STATUS_LABEL[s]) for s in seen],
        loc="upper left",
        bbox_to_anchor=(1.01, 1),
        fontsize=8,
    )
    _layout(fig, ax, points)
    fig.subplots_adjust(bottom=0.3)
    return _svg_uri(fig)
