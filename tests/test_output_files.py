"""Output files: atomic onto a new or regular file, through a symlink, in place onto a character
device or FIFO, refused onto a directory; never a device node or a link replaced."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import pytest

from diag.output.files import OutputError, write_atomic


def test_regular_file_replaced_whole_with_its_mode_kept(tmp_path: Path) -> None:
    f = tmp_path / "out.json"
    f.write_text("old")
    f.chmod(0o644)
    write_atomic(f, "new")
    assert f.read_text() == "new" and stat.S_IMODE(f.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["out.json"]  # no temporary left
    g = tmp_path / "sub" / "new.json"
    write_atomic(g, "x")
    assert g.read_text() == "x"


def test_symlink_written_through_and_kept(tmp_path: Path) -> None:
    real = tmp_path / "real.json"
    real.write_text("old")
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "new")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text() == "new"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "missing.json")
    write_atomic(dangling, "made")
    assert dangling.is_symlink() and (tmp_path / "missing.json").read_text() == "made"


def test_character_device_written_in_place_never_replaced() -> None:
    # A pty's slave is a real character device this test owns (never /dev/null itself).
    master, slave = os.openpty()
    name = os.ttyname(slave)
    try:
        before = os.stat(name)
        write_atomic(name, "hello\n")
        after = os.stat(name)
        assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
        assert b"hello" in os.read(master, 100)
    finally:
        os.close(master)
        os.close(slave)


def test_fifo_written_in_place(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[str] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_text()))
    reader.start()
    write_atomic(fifo, "through the pipe")
    reader.join(10)
    assert got == ["through the pipe"] and stat.S_ISFIFO(fifo.stat().st_mode)


def test_directory_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="is a directory"):
        write_atomic(tmp_path, "x")


def test_cli_json_onto_a_directory_is_a_clear_error(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from diag.cli import cli

    capture = Path(__file__).resolve().parent.parent / "fixtures" / "captures" / "LAB-V35-1"
    r = CliRunner().invoke(
        cli, ["circuit", "LAB-V35-1", "--replay", str(capture), "--json", str(tmp_path)]
    )
    assert r.exit_code == 2 and "is a directory" in r.output
