"""IOS `show processes cpu history`: three ASCII graphs (60 s, 60 min, 72 h).

Reading a real graph: each column is one sample, most recent on the left.  The value is written
vertically above the graph (hundreds, tens, units rows; a zero digit in a leading place and a
zero value print as blank).  A row N shows `*` where the maximum rounds to at least N (value
>= N-5) and `#` where the average does.  The 60-second graph has maxima only.
"""

from __future__ import annotations

import random
import zlib

from diag.lab.routers.state import CpuState

_ROWS = range(100, 0, -10)


def _digit_rows(values: list[int], width: int) -> list[str]:
    cols = [*values[:width], *([0] * max(0, width - len(values)))]

    def digit(v: int, place: int) -> str:
        if v == 0 or v < place:
            return " "
        return str(v // place % 10)

    return ["      " + "".join(digit(v, place) for v in cols) for place in (100, 10, 1)]


def _cell(mx: int, avg: int | None, row: int) -> str:
    if avg is not None and avg >= row - 5:
        return "#"
    return "*" if mx >= row - 5 and mx > 0 else " "


def _axis(width: int) -> list[str]:
    top = "".join(str(p)[0] if p % 5 == 0 else "." for p in range(width + 1))
    bottom = "".join(str(p)[1] if p % 5 == 0 and p >= 10 else " " for p in range(width + 1))
    return ["     " + top, "     " + bottom]


def graph(maxima: list[int], averages: list[int] | None, width: int) -> list[str]:
    """The digit rows, ten bar rows and the two axis rows of one graph."""
    mx = [*maxima[:width], *([0] * max(0, width - len(maxima)))]
    av = None if averages is None else [*averages[:width], *([0] * max(0, width - len(averages)))]
    rows = _digit_rows(maxima, width)
    for row in _ROWS:
        cells = "".join(_cell(mx[i], None if av is None else av[i], row) for i in range(width))
        rows.append(f"{row:>5} {cells}")
    return rows + _axis(width)


def _samples(cpu: CpuState, hostname: str) -> tuple[list[int], list[int], list[int]]:
    """Plausible 60 s / 60 min series around the configured load (stable per router)."""
    rng = random.Random(zlib.crc32(hostname.encode()))  # noqa: S311
    per_5s = [cpu.five_sec] + [
        max(0, min(100, cpu.one_min + rng.randint(-3, 3))) for _ in range(11)
    ]
    seconds = [v for v in per_5s for _ in range(5)]
    minute_max = [max(0, min(100, cpu.one_min + rng.randint(0, 6))) for _ in range(60)]
    minute_max[0] = max(minute_max[0], cpu.five_sec)
    minute_avg = [min(m, cpu.five_min) for m in minute_max]
    return seconds, minute_max, minute_avg


def show_processes_cpu_history(cpu: CpuState, hostname: str) -> str:
    seconds, minute_max, minute_avg = _samples(cpu, hostname)
    hours_max = cpu.history_72h_max[:72]
    hours_avg = cpu.history_72h_avg[:72] or [min(m, cpu.five_min) for m in hours_max]
    legend = "* = maximum CPU%   # = average CPU%"
    lines = [
        *graph(seconds, None, 60),
        "               CPU% per second (last 60 seconds)",
        "",
        *graph(minute_max, minute_avg, 60),
        "               CPU% per minute (last 60 minutes)",
        f"              {legend}",
        "",
        *graph(hours_max, hours_avg, 72),
        "                   CPU% per hour (last 72 hours)",
        f"                  {legend}",
        "",
    ]
    return "\n".join(lines) + "\n"
