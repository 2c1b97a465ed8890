"""Headless Chromium (Debian's `chromium`) on a report file: a screenshot and the DOM it built."""

from __future__ import annotations

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

FLAGS = [
    "--headless",
    "--no-sandbox",  # needed as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def chromium() -> str:
    """The browser; its absence fails the test (scripts/test.sh installs it), never skips it."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.fail(
            "chromium not found: the report tests open each report in a real headless browser. "
            "Install Debian's chromium and fonts-noto-cjk (bash scripts/test.sh does, as root): "
            "apt-get install chromium fonts-noto-cjk"
        )
    return exe


def _run(args: list[str], profile: Path) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        [chromium(), *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert r.returncode == 0, f"chromium failed ({r.returncode}): {r.stderr[-2000:]}"
    return r


def screenshot(page: Path, png: Path, profile: Path, size: str = "1200,2000") -> None:
    _run([f"--screenshot={png}", f"--window-size={size}", page.resolve().as_uri()], profile)
    assert png.is_file() and png.stat().st_size > 0, "chromium wrote no screenshot"


def dump_dom(page: Path, profile: Path) -> str:
    return _run(["--dump-dom", page.resolve().as_uri()], profile).stdout


class Dom(HTMLParser):
    """The elements in document order (tag, attributes) and the page's text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.texts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return "".join(self.texts)

    def index(self, tag: str, css_id: str) -> int:
        for i, (t, a) in enumerate(self.elements):
            if t == tag and a.get("id") == css_id:
                return i
        raise AssertionError(f"no <{tag} id={css_id}> in the DOM")

    def tags(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.elements if t == tag]


def parse(dom: str) -> Dom:
    d = Dom()
    d.feed(dom)
    d.close()
    return d
