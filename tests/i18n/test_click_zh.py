"""click's own words in Chinese (diag/i18n/click_text.py, click.zh.yaml).

Every catalog key must be a message click's installed source passes to gettext, with the same
placeholders (a click upgrade that rewords one fails here); real `diag` command lines with bad
input print click's frame and click's sentence in Chinese with click's exit code, under
`--lang zh` and under DIAG_LANG=zh; in English they print exactly what click prints when
install() was never applied (a separate process that runs click's own Group.main).
"""

from __future__ import annotations

import ast
import gettext
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import click
import click.types
import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.i18n import click_text

CLICK = Path(click.__file__).parent
ROOT = Path(__file__).resolve().parents[2]
WINDOWS_ONLY = {"_winconsole"}


def click_msgids() -> set[str]:
    """Every literal message id of a `_()` / `ngettext()` call in the installed click."""
    found: set[str] = set()
    for path in sorted(CLICK.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            if node.func.id not in ("_", "ngettext"):
                continue
            ids = node.args[:1] if node.func.id == "_" else node.args[:2]
            for arg in ids:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
    return found


def test_every_key_is_a_message_of_the_installed_click() -> None:
    msgids = click_msgids()
    messages = click_text.catalog().messages
    unknown = sorted(set(messages) - msgids)
    assert not unknown, f"not (or no longer) click messages: {unknown}"
    for msgid, text in messages.items():
        assert click_text.fields(text) == click_text.fields(msgid), msgid
    assert len(messages) >= 50


def test_type_names_are_the_names_of_clicks_number_types() -> None:
    kinds: list[type[object]] = [click.types._NumberParamTypeBase]
    names: set[str] = set()
    while kinds:
        kind = kinds.pop()
        kinds.extend(kind.__subclasses__())
        name = vars(kind).get("name")  # the classes that name a type
        if kind.__module__ == "click.types" and isinstance(name, str):
            names.add(name)
    assert set(click_text.catalog().type_names) == names


def test_install_patches_every_click_module_that_uses_gettext() -> None:
    users = {
        f"click.{p.stem}"
        for p in CLICK.glob("*.py")
        if "from gettext import" in p.read_text(encoding="utf-8") and p.stem not in WINDOWS_ONLY
    }
    assert users == set(click_text.MODULES)
    click_text.install()
    first = importlib.import_module("click.core")._
    click_text.install()  # idempotent: the same functions, not wrapped twice
    assert importlib.import_module("click.core")._ is first
    for name in users:
        module = importlib.import_module(name)
        assert click_text.patched(module), name
        assert module._ is not gettext.gettext, name


# (arguments, Chinese expected, English expected); click's exit code is 2 for each
CASES: list[tuple[list[str], list[str], list[str]]] = [
    (
        ["circuit", "--jsn", "X"],
        [
            "用法: diag circuit [OPTIONS] CIRCUIT_ID",
            "运行 'diag circuit --help' 查看帮助。",
            "错误：没有选项 '--jsn'。",
            "（是否要找其中之一：",
            "'--json'",
        ],
        [
            "Usage: diag circuit [OPTIONS] CIRCUIT_ID",
            "Try 'diag circuit --help' for help.",
            "Error: No such option '--jsn'. (Did you mean one of: ",
            "'--json'",
        ],
    ),
    (
        ["circut", "LAB-E1-OK1"],
        [
            "用法: diag [OPTIONS] COMMAND [ARGS]...",
            "错误：没有命令 'circut'。",
            "是否要找 'circuit'？",
        ],
        ["Error: No such command 'circut'. Did you mean 'circuit'?"],
    ),
    (["circuit"], ["错误：缺少参数 'CIRCUIT_ID'."], ["Error: Missing argument 'CIRCUIT_ID'."]),
    (
        ["lan-capture", "--end", "c"],
        ["错误：'--end' 的值无效：'c' 不是 'a', 'b' 之一。"],
        ["Error: Invalid value for '--end': 'c' is not one of 'a', 'b'."],
    ),
    (
        ["lab", "up", "--seed", "abc"],
        ["错误：'--seed' 的值无效：'abc' 不是有效的整数。"],
        ["Error: Invalid value for '--seed': 'abc' is not a valid integer."],
    ),
    (
        ["lab", "up", "--generate", "0"],
        ["错误：'--generate' 的值无效：0 不在范围 1<=x<=20000 内。"],
        ["Error: Invalid value for '--generate': 0 is not in the range 1<=x<=20000."],
    ),
    (
        ["circuit", "X", "--compare", "/nonexistent/earlier.json"],
        ["错误：'--compare' 的值无效：文件 '/nonexistent/earlier.json' 不存在。"],
        ["Error: Invalid value for '--compare': File '/nonexistent/earlier.json' does not exist."],
    ),
    (
        ["circuit", "X", "--replay", "/etc/hostname"],
        ["错误：'--replay' 的值无效：目录 '/etc/hostname' 是一个文件。"],
        ["Error: Invalid value for '--replay': Directory '/etc/hostname' is a file."],
    ),
    (
        ["schema", "extra"],
        ["错误：多余的参数（extra）"],
        ["Error: Got unexpected extra argument (extra)"],
    ),
    (
        ["schema", "a", "b"],
        ["错误：多余的参数（a b）"],
        ["Error: Got unexpected extra arguments (a b)"],
    ),
    (
        ["circuit", "X", "--ticket"],
        ["错误：选项 '--ticket' 需要一个参数。"],
        ["Error: Option '--ticket' requires an argument."],
    ),
]
IDS = [" ".join(args) for args, _, _ in CASES]
ENGLISH_FRAME = ("Usage:", "Error:", "Try '", "Invalid value", "No such", "Missing", "Got ")


def invoke(args: list[str], **env: str) -> tuple[int, str]:
    """`diag ARGS` in this process (stdout and stderr together), COLUMNS fixed."""
    result = CliRunner(env={"COLUMNS": "80", "LANG": "C.UTF-8", **env}).invoke(
        cli, args, prog_name="diag"
    )
    return result.exit_code, result.output


@pytest.mark.parametrize(("args", "zh", "en"), CASES, ids=IDS)
def test_lang_zh_option(args: list[str], zh: list[str], en: list[str]) -> None:
    code, text = invoke(["--lang", "zh", *args], DIAG_LANG="en")
    assert code == 2, text
    for part in zh:
        assert part in text, text
    assert not any(word in text for word in ENGLISH_FRAME), text


@pytest.mark.parametrize(("args", "zh", "en"), CASES, ids=IDS)
def test_diag_lang_environment(args: list[str], zh: list[str], en: list[str]) -> None:
    code, text = invoke(args, DIAG_LANG="zh")
    assert code == 2, text
    for part in zh:
        assert part in text, text
    assert not any(word in text for word in ENGLISH_FRAME), text
    code, english = invoke(["--lang", "en", *args], DIAG_LANG="zh")  # --lang wins
    assert code == 2 and all(part in english for part in en), english


def test_bad_lang_value_in_the_environments_language() -> None:
    code, text = invoke(["--lang", "fr", "schema"], DIAG_LANG="zh")
    assert code == 2 and "错误：'--lang' 的值无效：'fr' 不是 'en', 'zh' 之一。" in text
    code, text = invoke(["--lang", "fr", "schema"], DIAG_LANG="en")
    assert code == 2 and "Error: Invalid value for '--lang': 'fr' is not one of 'en', 'zh'." in text


def test_help_page_frame_in_chinese() -> None:
    code, text = invoke(["--lang", "zh", "lab", "up", "--help"], DIAG_LANG="en")
    assert code == 0
    assert text.startswith("用法: diag lab up [OPTIONS]\n")
    assert "\n选项:\n" in text and "[默认：0]" in text
    code, text = invoke(["lab", "up", "--help"], DIAG_LANG="en")
    assert code == 0 and "\nOptions:\n" in text and "[default: 0]" in text


# run in a fresh process: diag's group through click's own Group.main, install() never applied
PLAIN_CLICK = """
import functools, gettext, json, sys
import click, click.core
from click.testing import CliRunner
from diag.cli import cli
cli.main = functools.partial(click.Group.main, cli)
out = []
for args in json.loads(sys.argv[1]):
    r = CliRunner(env={"COLUMNS": "80", "LANG": "C.UTF-8", "DIAG_LANG": "en"}).invoke(
        cli, args, prog_name="diag")
    out.append([r.exit_code, r.output])
assert click.core._ is gettext.gettext, "install() ran"
print(json.dumps(out))
"""


def test_english_is_clicks_own_text() -> None:
    runs = [args for args, _, _ in CASES] + [["lab", "up", "--help"], ["--lang", "fr", "x"]]
    env = {k: v for k, v in os.environ.items() if k not in ("DIAG_LANG", "LANG", "LC_ALL")}
    proc = subprocess.run(
        [sys.executable, "-c", PLAIN_CLICK, json.dumps(runs)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
        check=True,
    )
    plain = [(code, text) for code, text in json.loads(proc.stdout)]
    ours = [invoke(args, DIAG_LANG="en") for args in runs]
    for args, mine, theirs in zip(runs, ours, plain, strict=True):
        assert mine == theirs, args
    for (args, _, en), (code, text) in zip(CASES, ours, strict=False):
        assert code == 2 and all(part in text for part in en), (args, text)


# ------------------------------------------------------- a prompt refused: click's "Aborted!"


@pytest.mark.lab
def test_prompt_answers_and_abort_in_chinese(tmp_path: Path) -> None:
    """`diag known-hosts accept` asks before pinning a key (click.confirm): click's refusal of
    an answer and its `Aborted!` on end of input, from a real lab router's SSH server."""
    from diag.lab.routers.clock import ManualClock
    from diag.lab.routers.harness import LabThread
    from diag.lab.routers.server import RouterServer
    from diag.lab.scenario import load_scenario, shipped_scenarios_dir

    scenario = load_scenario(shipped_scenarios_dir() / "healthy-e1")
    state = scenario.state.routers["ok1-rtr-a"].model_copy(deep=True)
    thread = LabThread()
    srv = RouterServer("ab-rtr", state, "127.0.0.1", 0, "noc", "x", "y", ManualClock())
    try:
        thread.run(srv.start())
        inv = tmp_path / "inv"
        inv.mkdir()
        (inv / "routers.yaml").write_text(
            "devices:\n"
            "  - {name: ab-rtr, role: router, vendor: cisco, device_type: cisco_ios,\n"
            f"     mgmt: {{address: 127.0.0.1, port: {srv.port}}},\n"
            "     login: {username: noc, password: 'lab:router-password'}}\n",
            encoding="utf-8",
        )
        (inv / "known_hosts").write_text("# nothing pinned yet\n", encoding="utf-8")
        accept = ["known-hosts", "accept", "ab-rtr", "--inventory", str(inv)]
        runs = {
            lang: [
                CliRunner(env={"DIAG_LANG": lang}).invoke(cli, accept, input=answers)
                for answers in ("", "maybe\n")
            ]
            for lang in ("zh", "en")
        }
    finally:
        thread.run(srv.stop())
        thread.close()
    (zh_eof, zh_bad), (en_eof, en_bad) = runs["zh"], runs["en"]
    assert zh_eof.exit_code == en_eof.exit_code == 1, zh_eof.output + en_eof.output
    assert zh_eof.output.endswith("已中止！\n") and en_eof.output.endswith("Aborted!\n")
    assert "错误：输入无效\n" in zh_bad.output and "Error: invalid input\n" in en_bad.output
    assert zh_bad.exit_code == en_bad.exit_code == 1
    assert (inv / "known_hosts").read_text(encoding="utf-8") == "# nothing pinned yet\n"
