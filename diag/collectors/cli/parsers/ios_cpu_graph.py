"""The 72-hour graph of IOS `show processes cpu history`, read so that a lost line never becomes
a wrong value.

The graph is written twice: as numbers (hundreds, tens and units rows, one column per hour, most
recent on the left) and as bars (rows 100 down to 10; a row N shows `*` or `#` in a column whose
maximum is at least N-5, so the highest marked row is the value rounded to tens).  Over a console
that drops lines, losing the tens row turns 94 % into "4 %", losing the units row turns it into
"9 %" (the field report: a 9 % peak on a router at 94-97 %).  Nothing in the digit rows
themselves says which row is which, so the digits are taken as read only when every column
agrees with the bars exactly; a lost or garbled row makes them disagree (any value of 5 % or more
moves to another bar row when one of its digit rows is lost or shifted).

Several reads of the same output (`read_graph([text1, text2, ...])`) are merged: bar rows by
their label, the digit rows from whichever read gives three rows that agree with the bars.  When
the graph cannot be read whole, the values are not given; the bar rows that were read still give
a lower bound of the peak ("at least 95 %").
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

WIDTH = 72
LABELS = tuple(range(100, 0, -10))
# A bar row: the label right-aligned in five columns, a space, then one cell per column.
_BAR = re.compile(r"^ *(100|[1-9]0)(?= )")
_CELLS = re.compile(r"^[ *#]*$")
_DIGITS = re.compile(r"^[ 0-9]*$")
_TITLE_72H = re.compile(r"CPU%\s+per\s+hour\s+\(last\s+72\s+hours\)")
_SEPARATOR = re.compile(r"CPU%|maximum|average|\.\.\.\.")  # titles, legends, axis lines
_CELL0 = 6  # cells start after the five-column label and a space
_DIGIT_CELLS = frozenset(" 0123456789")


@dataclass
class _Graph:
    """One graph's rows as found in one read."""

    bars: dict[int, str] = field(default_factory=dict)  # label -> cells (72 wide)
    block: list[str] = field(default_factory=list)  # digit/blank lines directly above the bars
    skipped: bool = False  # garbled lines sat between the block and the first bar row
    garbled: list[int] = field(default_factory=list)  # bar labels seen with foreign characters
    title: bool = False  # the "CPU% per hour (last 72 hours)" title follows
    wide: bool = False  # an axis line reaching 70 follows (only the 72 h graph has one)


@dataclass(frozen=True)
class Graph72h:
    """What could be read of the 72 h graph from one or more reads."""

    values: list[int] | None  # hourly maxima, most recent first, when read whole
    at_least: int | None  # lower bound of the peak from the bar rows (when values is None)
    reads: int
    found: bool  # a 72 h graph was there at all
    problems: tuple[str, ...] = ()

    @property
    def whole(self) -> bool:
        return self.values is not None

    def note(self) -> str | None:
        """A sentence for quality_note: what was lost and how it was seen (None when whole)."""
        reads = f"{self.reads} reads" if self.reads > 1 else "one read"
        if self.whole:
            if self.reads > 1:
                return f"72 h graph read whole by merging {reads} (the digits agree with the bars)"
            return None
        bound = (
            f"peak unknown, at least {self.at_least} % (from the bar rows read)"
            if self.at_least
            else "peak unknown"
        )
        return f"72 h graph not read whole in {reads}: {'; '.join(self.problems)}: {bound}"


def bucket(value: int) -> int:
    """The highest bar row a column of this maximum marks (0: none)."""
    return 0 if value < 5 else min(100, (value + 5) // 10 * 10)


def _classify(line: str) -> str:
    if not line.strip():
        return "blank"
    m = _BAR.match(line)
    if m is not None and m.end() == _CELL0 - 1:
        return "bar"
    if _DIGITS.match(line):
        return "digits"
    if _SEPARATOR.search(line):
        return "separator"
    return "other"  # a garbled line, a header, anything else


def _graphs(text: str) -> list[_Graph]:
    """The graphs of one read, in order, each with the bar rows found and what follows it.

    A bar row starts a new graph when its label is not below the previous row's, or when a
    blank, value or separator line came between (graphs are separated by their axis, title and
    the next graph's value rows; only garbled lines can sit between two rows of one graph).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kinds = [_classify(ln) for ln in lines]
    graphs: list[_Graph] = []
    current: _Graph | None = None
    last_label = 0
    broken = True
    for i, (line, kind) in enumerate(zip(lines, kinds, strict=True)):
        if kind == "bar":
            m = _BAR.match(line)
            assert m is not None
            label = int(m.group(1))
            if current is None or broken or label >= last_label:
                current = _Graph()
                graphs.append(current)
                current.block, current.skipped = _block_above(lines, kinds, i)
            last_label, broken = label, False
            cells = line[_CELL0:].rstrip()
            if len(cells) <= WIDTH and _CELLS.match(cells) and label not in current.bars:
                current.bars[label] = cells.ljust(WIDTH)
            else:
                current.garbled.append(label)
        elif kind != "other":
            broken = True
            if current is not None and kind == "separator":
                current.title = current.title or bool(_TITLE_72H.search(line))
                current.wide = current.wide or "....7" in line
    return graphs


def _block_above(lines: list[str], kinds: list[str], i: int) -> tuple[list[str], bool]:
    """The digit/blank lines directly above bar row `i` (garbled lines just above are skipped)."""
    j = i - 1
    skipped = False
    while j >= 0 and kinds[j] == "other":
        j -= 1
        skipped = True
    block: list[str] = []
    while j >= 0 and kinds[j] in ("digits", "blank"):
        block.insert(0, lines[j])
        j -= 1
    return block, skipped


def _pick_72h(graphs: list[_Graph]) -> _Graph | None:
    for g in graphs:
        if g.title or g.wide:
            return g
    return graphs[-1] if len(graphs) == 3 else None


def _column_values(rows: list[str]) -> list[int] | None:
    """Hundreds, tens, units rows -> 72 values; None when a cell is not an ASCII digit or blank,
    or a value is not a percentage (0..100)."""
    padded = [r[_CELL0:].ljust(WIDTH) if len(r) > _CELL0 else " " * WIDTH for r in rows]
    if any(r[:_CELL0].strip() for r in rows):
        return None  # digits where the label column is: not a value row
    values = []
    for col in range(WIDTH):
        chars = [r[col] for r in padded]
        if any(c not in _DIGIT_CELLS for c in chars):
            return None
        value = int("".join("0" if c == " " else c for c in chars))
        if value > 100:
            return None  # three rows that read e.g. 400: not one CPU% (a row lost or misread)
        values.append(value)
    return values


def _top_marks(bars: dict[int, str]) -> list[int] | None:
    """Per column, the highest marked row (all ten rows known); None if a column has a gap."""
    tops = []
    for col in range(WIDTH):
        marked = [label for label in LABELS if bars[label][col] in "*#"]
        top = max(marked, default=0)
        if sorted(marked) != list(range(10, top + 1, 10)):
            return None  # a mark above a blank cell: a garbled row
        tops.append(top)
    return tops


def _merge_bars(graphs: list[_Graph]) -> tuple[dict[int, str], list[str]]:
    """One version of each bar row: the one the reads agree on (a majority), else none."""
    bars: dict[int, str] = {}
    problems: list[str] = []
    for label in LABELS:
        seen = Counter(g.bars[label] for g in graphs if label in g.bars)
        ranked = seen.most_common(2)
        if ranked and (len(ranked) == 1 or ranked[0][1] > ranked[1][1]):
            bars[label] = ranked[0][0]
        elif ranked:
            problems.append(f"bar row {label} differs between reads")
    return bars, problems


def read_graph(texts: list[str]) -> Graph72h:
    """Read the 72 h graph from one or more reads of `show processes cpu history`."""
    found = [g for g in (_pick_72h(_graphs(t)) for t in texts) if g is not None]
    if not found:
        return Graph72h(None, None, len(texts), False, ("no 72 h graph found",))
    bars, problems = _merge_bars(found)
    missing = [label for label in LABELS if label not in bars]
    if missing:
        rows = ", ".join(str(label) for label in missing)
        problems.append(f"bar row{'s' if len(missing) > 1 else ''} {rows} lost or garbled")
    tops = _top_marks(bars) if not missing else None
    values: list[int] | None = None
    if tops is not None:
        agreeing: set[tuple[int, ...]] = set()
        for g in found:
            if len(g.block) < 3:
                continue
            got = _column_values(g.block[-3:])
            if got is None or [bucket(v) for v in got] != tops:
                continue
            # With no bar marked at all the bars cannot tell a lost units row from a blank one:
            # only a read with every line of the block (blank line, three value rows) counts.
            if not any(tops) and (g.skipped or len(g.block) != 4 or g.block[0].strip()):
                continue
            agreeing.add(tuple(got))
        if len(agreeing) == 1:
            values = list(agreeing.pop())
        elif agreeing:
            problems.append("the reads give different values")
        else:
            problems.append("the value rows (hundreds/tens/units) were lost or garbled")
    elif not missing:
        problems.append("the bar rows contradict each other (garbled)")
    at_least = None if values is not None else _lower_bound(bars)
    return Graph72h(values, at_least, len(texts), True, tuple(problems))


def _lower_bound(bars: dict[int, str]) -> int | None:
    """The peak is at least N-5 where row N is marked, counting only marks with every known
    row below them marked too (a lone mark may be line noise)."""
    best: int | None = None
    for col in range(WIDTH):
        for label in sorted(bars):
            if bars[label][col] not in "*#":
                break
            best = max(best or 0, label - 5)
    return best
