"""Mutations for fuzzing diag's output parsers: what a lossy console or a broken device does to a
real output (lines lost, doubled, swapped or cut, characters dropped or inserted, numbers
garbled, runs repeated), and `mutate()`, a seed with 1 to 6 of them.  Seeds and targets are in
tests/fuzz/fuzz_corpus.py.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

# Longest input a mutation may produce (a console read is bounded too).
MAX_INPUT_CHARS = 200_000

# ----------------------------------------------------------------------------- mutations

# What a garbled number can turn into.
WEIRD_NUMBERS = (
    "", ".", "..", "1.2.3", "1.", ".5", "-1", "-0", "+5", "00", "0", "1,000", "1_000", "0x1f",
    "1e999", "nan", "inf", "9" * 21, "9" * 400, "9" * 5000, "99999999999",
    "18446744073709551616", "4294967296", "2147483648",
    "\u0663", "\u0661\u0662\u0663", "\u00b2", "\uff13\uff12", "\U0001d7d7", "\u0969\u096a",
    "\u0663.\u0665", "1\u00b2",
)  # fmt: skip
INSERTS = (
    "\x00", "\x1b[2J", "\x7f", "\t", "\r", "\r\n", "\n", "\x08", "\u2028", "\u0085", "\ufeff",
    "\u00e9", "\u4e2d", "%", "#", ">", "!", ".", "U", "*", " ", "  ", "--More--", "(", ")", ":",
    ",", "/", "-", "=", "ms", " time=", " percent", "Reply from ", "Sending ", "Success rate is ",
    "icmp_seq=", " packets transmitted", "% packet loss", "[", "]", " : ",
)  # fmt: skip
_DIGITS_RUN = re.compile(r"[0-9]+(?:\.[0-9]+)?")


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True) or [""]


def _pos(rng: random.Random, text: str) -> int:
    return rng.randrange(len(text) + 1)


def m_number(rng: random.Random, text: str, _other: str) -> str:
    spans = [m.span() for m in _DIGITS_RUN.finditer(text)]
    if not spans:
        return text
    a, b = rng.choice(spans)
    roll = rng.random()
    if roll < 0.6:
        new = rng.choice(WEIRD_NUMBERS)
    elif roll < 0.8:
        new = str(rng.choice([rng.randrange(10), rng.randrange(1000), rng.randrange(10**12)]))
    else:
        new = str(10 ** rng.randrange(1, 40) + rng.randrange(-1, 2))
    return text[:a] + new + text[b:]


def m_delete_line(rng: random.Random, text: str, _other: str) -> str:
    lines = _lines(text)
    del lines[rng.randrange(len(lines))]
    return "".join(lines)


def m_duplicate_line(rng: random.Random, text: str, _other: str) -> str:
    lines = _lines(text)
    i = rng.randrange(len(lines))
    k = rng.choice((1, 1, 2, 5, 50, 500, 5000))
    line = lines[i] if lines[i].endswith("\n") else lines[i] + "\n"
    lines[i:i] = [line] * k
    return "".join(lines)


def m_swap_lines(rng: random.Random, text: str, _other: str) -> str:
    lines = _lines(text)
    i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[i], lines[j] = lines[j], lines[i]
    return "".join(lines)


def m_truncate(rng: random.Random, text: str, _other: str) -> str:
    cut = _pos(rng, text)
    return text[:cut] if rng.random() < 0.7 else text[cut:]


def m_delete_span(rng: random.Random, text: str, _other: str) -> str:
    a = _pos(rng, text)
    return text[:a] + text[a + rng.choice((1, 1, 2, 5, 20, 200)) :]


def m_insert(rng: random.Random, text: str, _other: str) -> str:
    a = _pos(rng, text)
    if rng.random() < 0.3:
        new = "".join(chr(rng.randrange(0x20, 0x7F)) for _ in range(rng.randrange(1, 12)))
    elif rng.random() < 0.15:
        new = "".join(chr(rng.randrange(0x80, 0x3000)) for _ in range(rng.randrange(1, 4)))
    else:
        new = rng.choice(INSERTS)
    return text[:a] + new + text[a:]


def m_replace_char(rng: random.Random, text: str, _other: str) -> str:
    if not text:
        return text
    a = rng.randrange(len(text))
    return (
        text[:a]
        + chr(rng.choice((rng.randrange(0x20, 0x7F), rng.randrange(0, 0x2FF))))
        + text[a + 1 :]
    )


def m_repeat(rng: random.Random, text: str, _other: str) -> str:
    """A short run repeated many times in place (what makes a backtracking regex slow)."""
    if not text:
        return text
    a = rng.randrange(len(text))
    unit = text[a : a + rng.choice((1, 1, 2, 3, 8, 20))]
    if "\n" in unit and rng.random() < 0.7:
        unit = unit.replace("\n", " ")
    k = rng.choice((10, 100, 1000, 5000, 20000))
    return text[:a] + unit * k + text[a:]


def m_whitespace(rng: random.Random, text: str, _other: str) -> str:
    spans = [m.span() for m in re.finditer(r"[ \t]+", text)]
    if not spans:
        return text
    a, b = rng.choice(spans)
    new = rng.choice(("", " ", "\t", " " * 40, " " * 5000, "\t \t", "\u00a0", "\u3000"))
    return text[:a] + new + text[b:]


def m_newlines(rng: random.Random, text: str, _other: str) -> str:
    spans = [m.start() for m in re.finditer("\n", text)]
    if not spans:
        return text
    a = rng.choice(spans)
    return text[:a] + rng.choice(("", "\r\n", "\r", "\n\n", " ", "\n\r")) + text[a + 1 :]


def m_case(rng: random.Random, text: str, _other: str) -> str:
    a = _pos(rng, text)
    b = a + rng.choice((1, 5, 30))
    return text[:a] + text[a:b].swapcase() + text[b:]


def m_splice(rng: random.Random, text: str, other: str) -> str:
    """A line of another real output of the same command, put somewhere in this one."""
    donor = rng.choice(_lines(other))
    lines = _lines(text)
    lines.insert(rng.randrange(len(lines) + 1), donor if donor.endswith("\n") else donor + "\n")
    return "".join(lines)


MUTATIONS: tuple[Callable[[random.Random, str, str], str], ...] = (
    m_number, m_number, m_number, m_number,
    m_delete_line, m_duplicate_line, m_swap_lines, m_truncate, m_delete_span,
    m_insert, m_insert, m_replace_char, m_repeat, m_whitespace, m_newlines, m_case,
    m_splice,
)  # fmt: skip


def mutate(
    rng: random.Random, seeds: tuple[tuple[str, int], ...], max_chars: int = MAX_INPUT_CHARS
) -> tuple[str, int]:
    """One mutated input: a seed, then 1 to 6 mutations (output capped at `max_chars`)."""
    text, count = rng.choice(seeds)
    for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6))):
        other = rng.choice(seeds)[0]
        text = rng.choice(MUTATIONS)(rng, text, other)[:max_chars]
    return text, count
