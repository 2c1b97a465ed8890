"""`diag circuit ID --ask` for real: the command in a pseudo-terminal, re-asking a recorded
capture offline (--replay), interrupted with Ctrl-C or Ctrl-D, or fed a closed stdin; and
`diag alarms NMS --circuit ID` refusing an NMS that manages none of the circuit's NEs."""

from __future__ import annotations

import json
import os
import pty
import re
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner

from diag.cli import EXIT_INTERRUPTED, cli

ROOT = Path(__file__).resolve().parent.parent
CAPTURE = ROOT / "fixtures" / "captures" / "LAB-TEST-PING"  # loss on the line, nothing answered
CIRCUIT = "LAB-TEST-PING"
DIAG = str(Path(sys.executable).with_name("diag"))
PROMPT = re.compile(r"(\[\d+\] [^\n]*?|finish now\? \[y/N\]): $")
WAIT_S = 120  # a guard against a hung child, not a timing assertion


def _env() -> dict[str, str]:
    return {**os.environ, "COLUMNS": "250", "TERM": "dumb", "NO_COLOR": "1"}


class Terminal:
    """The command on the slave side of a pty (its controlling terminal), read and typed at
    through the master side, as a person at a terminal would."""

    def __init__(self, args: list[str]) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: exec the command, its stdio on the pty
            os.execve(args[0], args, _env())  # noqa: S606
        self.seen = ""  # everything the terminal showed
        self.pos = 0  # where the text after the last prompt starts

    def _read(self) -> bool:
        ready, _, _ = select.select([self.fd], [], [], WAIT_S)
        if not ready:
            os.kill(self.pid, signal.SIGKILL)
            raise AssertionError(
                f"nothing for {WAIT_S} s; the terminal shows:\n{self.seen[-3000:]}"
            )
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # EIO: the child closed the terminal
            chunk = b""
        self.seen += chunk.decode("utf-8", "replace").replace("\r\n", "\n")
        return bool(chunk)

    def prompt(self) -> str:
        """Wait for the next prompt; its line."""
        while True:
            m = PROMPT.search(self.seen, self.pos)
            if m:
                self.before = self.seen[self.pos : m.start()]
                self.pos = m.end()
                return m.group(1)
            assert self._read(), f"the command ended before a prompt:\n{self.seen[-3000:]}"

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def wait_reading(self) -> None:
        """Until the command sleeps in its read of the terminal.  A person is never faster than
        that; a test is: a SIGINT landing between the prompt's write and the read() is only
        seen by Python once the read returns (its handler runs between bytecodes)."""
        wchan = Path(f"/proc/{self.pid}/wchan")
        end = time.monotonic() + WAIT_S
        while wchan.read_text() not in ("wait_woken", "n_tty_read"):
            assert time.monotonic() < end, f"not reading the terminal: {wchan.read_text()!r}"
            time.sleep(0.01)

    def finish(self) -> int:
        """Read to the end; the exit code."""
        while self._read():
            pass
        _, status = os.waitpid(self.pid, 0)
        os.close(self.fd)
        return os.waitstatus_to_exitcode(status)


def _answer_for(prompt: str) -> str:
    """A valid reply to a question: the first value it offers, else a number."""
    m = re.search(r"\[([^\]\[]*/[^\]\[]*)\]$", prompt)
    return m.group(1).split("/")[0] if m else "0"


# A findings document as JSON gives it: its fields are whatever the JSON holds.
Json = dict[str, Any]


def _schema() -> Json:
    r = CliRunner().invoke(cli, ["schema"])
    assert r.exit_code == 0
    schema: Json = json.loads(r.output)
    return schema


def _document(path: Path) -> Json:
    assert path.is_file(), "the findings document was not written"
    doc: Json = json.loads(path.read_text())
    jsonschema.validate(doc, _schema())
    return doc


def _asked(doc: Json) -> dict[str, str]:
    return {
        o["key"]: o["value"]
        for o in doc["observations"]
        if o["kind"] == "answer" and o["source"] == "ask"
    }


def _question_key(term: Terminal, prompt: str) -> str:
    """The key behind a prompt, read from its `?` explanation (`KEY (who): rules`)."""
    term.type("?\n")
    assert term.prompt() == prompt  # the explanation, then the same question again
    m = re.search(
        r"^([a-z0-9_.]+) \((customer|engineer|instrument|noc)\): ", term.before, re.MULTILINE
    )
    assert m, term.before
    assert "answer " in term.before and "if " in term.before  # its values and what they tell
    return m.group(1)


def _replayed_with(key: str, value: str) -> Json:
    r = CliRunner().invoke(
        cli,
        [
            "circuit",
            CIRCUIT,
            "--replay",
            str(CAPTURE),
            "--observe",
            f"{key}={value}",
            "--json",
            "-",
        ],
    )
    doc: Json = json.loads(r.stdout[r.stdout.index("{") :])
    return doc


@pytest.mark.parametrize("key", ["\x03", "\x04"], ids=["ctrl-c", "ctrl-d"])
def test_interrupting_keeps_the_answers_given(tmp_path: Path, key: str) -> None:
    out = tmp_path / "doc.json"
    term = Terminal(
        [DIAG, "circuit", CIRCUIT, "--ask", "--replay", str(CAPTURE), "--json", str(out)]
    )
    first = term.prompt()
    assert first.startswith("[1] ")
    asked = _question_key(term, first)
    value = _answer_for(first)
    term.type(f"{value}\n")
    term.prompt()  # the next question (or the offer to finish)
    term.wait_reading()
    term.type(key)
    code = term.finish()
    assert code == EXIT_INTERRUPTED, term.seen[-2000:]
    assert "Aborted!" not in term.seen
    doc = _document(out)
    assert doc["run"]["interrupted"] is True
    assert _asked(doc) == {asked: value}
    # everything the capture held is still there, and the analysis used the answer
    recorded = json.loads((CAPTURE / "capture.json").read_text())["observations"]
    assert len(doc["observations"]) == len(recorded) + 1
    assert doc["verdict"] == _replayed_with(asked, value)["verdict"]


def test_end_of_input_keeps_the_answers_given(tmp_path: Path) -> None:
    """stdin a file that ends: the answers in it are kept, the rest is not asked (exit 130)."""
    out = tmp_path / "doc.json"
    r = subprocess.run(
        [DIAG, "circuit", CIRCUIT, "--ask", "--replay", str(CAPTURE), "--json", str(out)],
        input="s\n0\n",
        capture_output=True,
        text=True,
        env=_env(),
        timeout=WAIT_S,
        check=False,
    )
    assert r.returncode == EXIT_INTERRUPTED, r.stderr[-2000:]
    doc = _document(out)
    assert doc["run"]["interrupted"] is True
    assert list(_asked(doc).values()) == ["0"]  # the first skipped, the second answered 0
    assert "2 question(s) asked, 1 answered (interrupted" in r.stderr.replace("\n", " ")


def test_q_finishes_with_the_verdict_exit_code(tmp_path: Path) -> None:
    out = tmp_path / "doc.json"
    term = Terminal(
        [DIAG, "circuit", CIRCUIT, "--ask", "--replay", str(CAPTURE), "--json", str(out)]
    )
    term.prompt()
    term.type("s\n")
    term.prompt()
    term.type("q\n")
    code = term.finish()
    doc = _document(out)
    assert doc["run"]["interrupted"] is False
    assert doc["run"]["mode"] == "replay"
    status = doc["verdict"]["status"]
    assert code == {"fault_suspected": 11, "fault_localized": 10, "inconclusive": 12}[status]
    assert _asked(doc) == {}


def test_replay_takes_observe_answers_and_asks_the_rest(tmp_path: Path) -> None:
    """A capture re-analysed with an answer given on the command line: the answer is used, and
    --ask does not ask it again."""
    out = tmp_path / "doc.json"
    r = subprocess.run(
        [
            DIAG,
            "circuit",
            CIRCUIT,
            "--replay",
            str(CAPTURE),
            "--observe",
            "test.e1.ber=3e-5",
            "--ask",
            "--json",
            str(out),
        ],
        input="y\n",
        capture_output=True,
        text=True,
        env=_env(),
        timeout=WAIT_S,
        check=False,
    )
    doc = _document(out)
    answers = [o for o in doc["observations"] if o["kind"] == "answer"]
    assert [(a["key"], a["source"]) for a in answers] == [("test.e1.ber", "observe")]
    assert doc["verdict"]["status"] == "fault_localized"
    assert "test.e1.ber" not in r.stderr.split("Questions", 1)[-1].split("finish now")[0]
    assert r.returncode == 10, r.stderr[-2000:]  # yes to the offer: finished, localized


# --------------------------------------------------------------------------- alarms --circuit


def test_alarms_refuses_an_nms_that_manages_none_of_the_circuit() -> None:
    r = CliRunner().invoke(cli, ["alarms", "nms-u2000", "--circuit", "LAB-E1-AIS2"])
    assert r.exit_code == 2, r.output
    assert "nms-u2000 manages none of LAB-E1-AIS2's network elements" in r.output
    assert "nms-lab manages ais2-pdh-1" in r.output
    assert "diag alarms nms-lab --circuit LAB-E1-AIS2" in r.output
    r = CliRunner().invoke(cli, ["alarms", "nms-lab", "--circuit", "LAB-V35-1"])
    assert r.exit_code == 2 and "diag alarms nms-u2000 --circuit LAB-V35-1" in r.output


def test_alarms_says_when_no_nms_manages_the_circuit(tmp_path: Path) -> None:
    inv = tmp_path / "inventory"
    inv.mkdir()
    shutil.copy(ROOT / "inventory" / "nms.yaml", inv / "nms.yaml")
    circuit = (ROOT / "fixtures" / "scenarios" / "led-cpe-power-off" / "inventory.yaml").read_text()
    unmanaged = re.sub(r", nms: [\w-]+, ne_name: [\w-]+", "", circuit)
    assert "nms:" not in unmanaged
    (inv / "circuit.yaml").write_text(unmanaged)
    r = CliRunner().invoke(
        cli, ["alarms", "nms-lab", "--circuit", "LAB-LED-PWR", "--inventory", str(inv)]
    )
    assert r.exit_code == 2, r.output
    assert "no NMS in the inventory manages any of them" in r.output
