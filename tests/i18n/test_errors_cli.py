"""The command line's errors under `--lang zh`: the real `diag` commands, given a bad id, option
value, credential reference, output path, capture or lab, stop in Chinese with the exit code of
the English run, still naming the id, file or option at fault; the English text is unchanged."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from diag.cli import cli
from diag.credentials import resolve
from diag.errors import CredentialError
from diag.i18n import using
from tests.faults.peers import fake_ping_tools
from tests.test_lab_cli import diag, free_port

CJK = re.compile(r"[\u4e00-\u9fff]")
ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, **env: str) -> tuple[int, str]:
    """`diag ARGS` in this process (stdout and stderr together); English unless --lang zh."""
    result = CliRunner(env={"DIAG_LANG": "en", **env}).invoke(cli, list(args))
    return result.exit_code, result.output


def both(*args: str, **env: str) -> tuple[int, str, int, str]:
    """The same command in English and in Chinese: (code, text, code, text)."""
    en_code, en = run(*args, **env)
    zh_code, zh = run("--lang", "zh", *args, **env)
    return en_code, en, zh_code, zh


def test_unknown_circuit_suggests_ids_in_chinese() -> None:
    en_code, en, zh_code, zh = both("circuit", "lab-alm-power", "--no-history")
    assert en_code == zh_code == 2
    assert en == (
        "diag: no circuit 'lab-alm-power' in the inventory; did you mean LAB-ALM-POWER? "
        "(circuit ids are case-sensitive)\n"
    )
    assert zh == (
        "diag: 资源清单中没有电路 'lab-alm-power'；是否要找 LAB-ALM-POWER？（电路 id 区分大小写）\n"
    )
    en_code, en, zh_code, zh = both("circuit", "LAB-ALM-POWR", "--no-history")
    assert en_code == zh_code == 2
    close = en.split("did you mean ")[1].removesuffix("?\n")
    assert "LAB-ALM-POWER" in close
    assert zh == f"diag: 资源清单中没有电路 'LAB-ALM-POWR'；是否要找 {close}？\n"
    en_code, en, zh_code, zh = both("inventory", "show", "NOPE")
    assert en_code == zh_code == 2
    assert en == "diag: no circuit 'NOPE' in the inventory; `diag inventory list` shows them\n"
    assert zh == "diag: 资源清单中没有电路 'NOPE'；`diag inventory list` 可列出全部电路\n"


def test_bad_ticket_observe_threshold_compare(tmp_path: Path) -> None:
    base = ("circuit", "LAB-ALM-POWER", "--no-history")
    en_code, en, zh_code, zh = both(*base, "--ticket", "BAD")
    assert en_code == zh_code == 2
    assert "diag: 工单 'BAD' 不符合投诉编号规则" in zh and "ticket 'BAD' does not follow" in en
    en_code, en, zh_code, zh = both(*base, "--observe", "a.cpe.lamp.power")
    assert en_code == zh_code == 2
    assert en == "diag: --observe 'a.cpe.lamp.power': write KEY=VALUE, e.g. a.cpe.lamp.power=off\n"
    assert zh == "diag: --observe 'a.cpe.lamp.power'：应写作 KEY=VALUE，例如 a.cpe.lamp.power=off\n"
    en_code, en, zh_code, zh = both(*base, "--observe", "a.cpe.lamp.pwr=off")
    assert en_code == zh_code == 2
    assert en.startswith("diag: unknown observation key 'a.cpe.lamp.pwr'")
    assert zh.startswith("diag: 未知的观察项 'a.cpe.lamp.pwr'")
    assert zh.endswith("；`diag questions` 可列出全部观察项\n")
    en_code, en, zh_code, zh = both(*base, "--threshold", "los_pct=1")
    assert en_code == zh_code == 2
    known = en.split("; known: ")[1]
    assert "loss_pct" in known
    assert en == f"diag: --threshold: unknown threshold 'los_pct'; known: {known}"
    assert zh == f"diag: --threshold：未知门限 'los_pct'；已知门限：{known}"
    en_code, en, zh_code, zh = both(*base, "--threshold", "loss_pct=lots")
    assert en_code == zh_code == 2
    assert zh == "diag: --threshold 'loss_pct=lots'：应写作 名称=数值，例如 loss_pct=0.5\n"
    answers = tmp_path / "answers.yaml"
    answers.write_text("- a.cpe.lamp.power\n", encoding="utf-8")
    en_code, en, zh_code, zh = both(*base, "--observations", str(answers))
    assert en_code == zh_code == 2
    assert en == f"diag: {answers}: expected a mapping of key: value\n"
    assert zh == f"diag: {answers}：应为 key: value 形式的映射\n"
    old = tmp_path / "old.json"
    old.write_text('{"schema_version": "1.2"}', encoding="utf-8")
    en_code, en, zh_code, zh = both(*base, "--compare", str(old))
    assert en_code == zh_code == 2
    assert en.startswith(f"diag: --compare {old}: not a findings document of this version (")
    assert zh.startswith(f"diag: --compare {old}：不是本版本的诊断结果文档（")


def test_capture_errors_in_chinese(tmp_path: Path) -> None:
    en_code, en, zh_code, zh = both("circuit", "X-1", "--replay", str(tmp_path))
    assert en_code == zh_code == 3
    assert en == (
        f"diag: {tmp_path}: not a capture folder (no capture.json); record one with "
        "`diag circuit ID --record DIR`\n"
    )
    assert zh == (
        f"diag: {tmp_path}：不是采集记录文件夹（没有 capture.json）；"
        "可用 `diag circuit ID --record DIR` 记录一份\n"
    )
    (tmp_path / "capture.json").write_text('{"capture_version": "0"}', encoding="utf-8")
    en_code, en, zh_code, zh = both("circuit", "X-1", "--replay", str(tmp_path))
    assert en_code == zh_code == 3
    f = tmp_path / "capture.json"
    assert en.startswith(f"diag: {f}: not a valid capture (version 1 expected): field ")
    assert zh.startswith(f"diag: {f}：不是有效的采集记录（应为第 1 版）：字段 ")


def test_output_path_errors_in_chinese(tmp_path: Path) -> None:
    en_code, en, zh_code, zh = both("rules", "--json", str(tmp_path))
    assert en_code == zh_code == 2
    assert en == (
        f"diag: {tmp_path}: is a directory, not a file; give a file path, or - for stdout\n"
    )
    assert zh == f"diag: {tmp_path}：是目录，不是文件；请给出文件路径，或用 - 输出到标准输出\n"
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    dest = tmp_path / "afile" / "rules.json"  # a folder that cannot be made: a file is there
    en_code, en, zh_code, zh = both("rules", "--json", str(dest))
    assert en_code == zh_code == 1
    assert en == f"diag: {dest}: cannot write: Not a directory\n"
    assert zh == f"diag: {dest}：无法写入：Not a directory\n"
    # /dev/null is written in place, in either language, with nothing said
    assert both("rules", "--json", "/dev/null") == (0, "", 0, "")


def test_unknown_nms_router_device_in_chinese() -> None:
    en_code, en, zh_code, zh = both("alarms", "NOPE")
    assert en_code == zh_code == 2
    known = en.split("; known: ")[1]
    assert zh == f"diag: 没有网管 'NOPE'；已知网管：{known}"
    en_code, en, zh_code, zh = both("router", "NOPE")
    assert en_code == zh_code == 2
    assert (en, zh) == (
        "diag: no router 'NOPE' in the inventory\n",
        "diag: 资源清单中没有路由器 'NOPE'\n",
    )
    en_code, en, zh_code, zh = both("known-hosts", "accept", "NOPE")
    assert en_code == zh_code == 2
    assert zh == "diag: 资源清单中没有带 SSH 地址的设备 'NOPE'\n"


INVENTORY = """
nms:
  - {name: nms1, driver: alarm-mib, address: 127.0.0.1, port: 16199,
     snmp: {version: v2c, community: "env:DIAG_ERRORS_CLI_UNSET"}}
devices:
  - {name: r-a, role: router, vendor: cisco, device_type: cisco_ios,
     mgmt: {address: 127.0.0.2}, login: {username: noc, password: "file:SECRET"}}
  - {name: pdh-a, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-A}
  - {name: pdh-b, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-B}
circuits:
  - {id: C1, customer: T, service: e1, bandwidth: 2M, transport: [],
     a: {site: A, router: r-a, wan_interface: "Serial0/0/0:0", cpe: pdh-a, interface: e1-120},
     b: {site: B, cpe: pdh-b, interface: e1-75}}
"""


def test_credential_errors_say_what_to_do_in_chinese(tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("pw\n", encoding="utf-8")
    secret.chmod(0o644)
    inv = tmp_path / "inv"
    inv.mkdir()
    text = textwrap.dedent(INVENTORY).replace("file:SECRET", f"file:{secret}")
    (inv / "a.yaml").write_text(text, encoding="utf-8")
    os.environ.pop("DIAG_ERRORS_CLI_UNSET", None)
    en_code, en, zh_code, zh = both("inventory", "validate", "--inventory", str(inv))
    assert en_code == zh_code == 3
    assert (
        "credential env:DIAG_ERRORS_CLI_UNSET: environment variable DIAG_ERRORS_CLI_UNSET is "
        "not set" in en
    )
    assert (
        "凭据 env:DIAG_ERRORS_CLI_UNSET：环境变量 DIAG_ERRORS_CLI_UNSET 未设置；请在运行 diag 的 "
        "shell 中先设置它（export DIAG_ERRORS_CLI_UNSET=...），或在资源清单中改用 file:PATH" in zh
    )
    assert (
        f"credential file:{secret}: {secret} is readable by group or others (mode 0644); "
        f"run: chmod 600 {secret}" in en
    )
    assert (
        f"凭据 file:{secret}：{secret} 对同组或其他用户可读（权限 0644）；请运行：chmod 600 {secret}"
        in zh
    )
    assert not CJK.search(en)


def test_a_collectors_credential_error_stays_english() -> None:
    """What a collector records (its error, in the findings document) is data: English."""
    os.environ.pop("DIAG_ERRORS_CLI_UNSET", None)
    with using("zh"):
        with pytest.raises(CredentialError) as data:
            resolve("env:DIAG_ERRORS_CLI_UNSET")
        with pytest.raises(CredentialError) as shown:
            resolve("env:DIAG_ERRORS_CLI_UNSET", shown=True)
    assert str(data.value) == (
        "credential env:DIAG_ERRORS_CLI_UNSET: environment variable DIAG_ERRORS_CLI_UNSET is "
        "not set; set it in the shell that runs diag (export DIAG_ERRORS_CLI_UNSET=...) or use "
        "file:PATH in the inventory"
    )
    assert str(shown.value).startswith("凭据 env:DIAG_ERRORS_CLI_UNSET：环境变量")


def test_lab_generate_with_scenario_is_refused_in_chinese(tmp_path: Path) -> None:
    args = ("lab", "up", "--generate", "5", "--scenario", str(tmp_path))
    en_code, en, zh_code, zh = both(*args, DIAG_LAB_DIR=str(tmp_path / "state"))
    assert en_code == zh_code == 2
    assert "Error: --generate serves its own network: no --scenario / --inventory" in en
    # click's own "Error:" is Chinese too (diag/i18n/click_text.py)
    assert "错误：--generate 提供自己生成的网络：不能同时用 --scenario / --inventory" in zh


# ------------------------------------------------------------------ the lab daemon's errors


SCENARIO_INVENTORY = """
nms:
  - {{name: nms-x, driver: alarm-mib, address: {address}, port: {port},
     snmp: {{version: v2c, community: "lab:nms-community", timeout: 1, retries: 0}}}}
devices:
  - {{name: x-pdh-a, role: pdh, vendor: huawei, nms: nms-x, ne_name: X-PDH-A}}
  - {{name: x-sdh, role: sdh, vendor: zte, nms: nms-x, ne_name: X-SDH}}
  - {{name: x-pdh-b, role: pdh, vendor: huawei, nms: nms-x, ne_name: X-PDH-B}}
circuits:
  - id: X-1
    customer: Somebody
    service: e1
    bandwidth: 2M
    a: {{site: here, cpe: x-pdh-a, cpe_port: "1", interface: e1-120}}
    b: {{site: there, cpe: x-pdh-b, cpe_port: "1", interface: e1-120}}
    transport:
      - {{ne: x-sdh, a_port: "3-1", b_port: "4-1"}}
"""
SCENARIO = """
name: outside
description: written outside the project
state:
  nes:
    x-sdh:
      alarms: [{name: UP_E1_AIS, port: "3-1", raised: "2026-11-22T01:00:00Z"}]
expect:
  X-1: {status: fault_localized, segment: {from: x-pdh-a, to: x-sdh}, owner: carrier,
        rules: [R-AIS-1]}
"""


def scenario(tmp: Path, address: str, port: int) -> tuple[Path, dict[str, str]]:
    """A scenario folder with its own inventory (an NMS at address:port), and a lab state
    folder of this test's own."""
    scn = tmp / "scn"
    scn.mkdir()
    text = textwrap.dedent(SCENARIO_INVENTORY).format(address=address, port=port)
    (scn / "inventory.yaml").write_text(text, encoding="utf-8")
    (scn / "scenario.yaml").write_text(textwrap.dedent(SCENARIO), encoding="utf-8")
    env = {**os.environ, "DIAG_LAB_DIR": str(tmp / "state")}
    env.pop("DIAG_LANG", None)
    return scn, env


@pytest.mark.lab
def test_lab_up_port_in_use_in_chinese(tmp_path: Path) -> None:
    port = free_port(socket.SOCK_DGRAM)
    scn, env = scenario(tmp_path, "127.0.0.1", port)
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", port))
            zh = diag("--lang", "zh", "lab", "up", "--scenario", str(scn), env=env)
            en = diag("lab", "up", "--scenario", str(scn), env=env)
    finally:
        diag("lab", "down", env=env)
    assert zh.returncode == en.returncode == 4, (zh.stderr, en.stderr)
    assert f"UDP port 127.0.0.1:{port} needed by NMS nms-x (SNMP) is already in use" in en.stderr
    assert f"需要的 UDP 端口 127.0.0.1:{port} 已被占用" in zh.stderr, zh.stderr
    assert "`diag lab down` 可停止" in zh.stderr
    assert not CJK.search(en.stderr)


@pytest.mark.lab
def test_lab_up_refuses_an_address_off_loopback_in_chinese(tmp_path: Path) -> None:
    """Refused by the lab daemon, before it binds anything: its error file is in the language
    `diag lab up` was asked for."""
    scn, env = scenario(tmp_path, "192.0.2.7", 16161)
    try:
        zh = diag("--lang", "zh", "lab", "up", "--scenario", str(scn), env=env)
        en = diag("lab", "up", "--scenario", str(scn), env=env)
    finally:
        diag("lab", "down", env=env)
    assert zh.returncode == en.returncode == 4, (zh.stderr, en.stderr)
    assert en.stderr == (
        "diag: lab: NMS nms-x is at 192.0.2.7; the lab serves only loopback addresses (127.0.0.1)\n"
    )
    assert zh.stderr == (
        "diag: 实验室：网管 nms-x 的地址是 192.0.2.7；实验室只在环回地址（127.0.0.1）上提供服务\n"
    )


def test_an_interrupted_ping_says_so_in_chinese_and_records_english(tmp_path: Path) -> None:
    """Ctrl-C during `diag ping`: the terminal's line in Chinese, the document's error (data)
    in English, exit 130 as in English."""
    tools = fake_ping_tools(tmp_path / "bin", "truncated")
    started = tmp_path / "started"
    (tools / "ping").write_text(
        "#!/bin/sh\n"
        'case "$1" in -V) echo "ping from iputils 20221126"; exit 0;; esac\n'
        f"touch {started}\n"
        'echo "PING 10.250.0.1 (10.250.0.1) 100(128) bytes of data."\n'
        "exec sleep 60\n"
    )
    out = tmp_path / "ping.json"
    env = {**os.environ, "PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    env.pop("DIAG_LANG", None)
    args = ["ping", "10.250.0.1", "--json", str(out), "--set", "ping_engine=iputils"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "diag.cli", "--lang", "zh", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(1200):  # the fake ping tool has started: diag is waiting on it
            if started.exists() or proc.poll() is not None:
                break
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, stderr
    assert re.search(r"diag: 已中断（Ctrl-C），用时 [\d.]+ 秒，ping 尚未结束", stderr), stderr
    doc = out.read_text(encoding="utf-8")
    assert '"error": "interrupted (Ctrl-C) after ' in doc and "before the pings ended" in doc


@pytest.mark.lab
def test_lab_already_running_and_not_running_in_chinese(tmp_path: Path) -> None:
    scn, env = scenario(tmp_path, "127.0.0.1", free_port(socket.SOCK_DGRAM))
    try:
        up = diag("lab", "up", "--scenario", str(scn), env=env)
        assert up.returncode == 0, up.stderr
        pid = up.stdout.split("pid ")[1].split(",")[0]
        zh = diag("--lang", "zh", "lab", "up", "--scenario", str(scn), env=env)
        en = diag("lab", "up", "--scenario", str(scn), env=env)
    finally:
        diag("lab", "down", env=env)
    assert zh.returncode == en.returncode == 4
    assert en.stderr == f"diag: lab: already running (pid {pid}); `diag lab down` stops it\n"
    assert zh.stderr == f"diag: 实验室：已在运行（pid {pid}）；`diag lab down` 可停止\n"
    zh = diag("--lang", "zh", "lab", "status", env=env)
    en = diag("lab", "status", env=env)
    assert zh.returncode == en.returncode == 1
    assert en.stdout == "lab: not running (`diag lab up` starts it)\n"
    assert zh.stdout == "实验室：未运行（`diag lab up` 可启动）\n"
    assert diag("--lang", "zh", "lab", "down", env=env).stdout == "实验室本来就未运行\n"
    assert diag("lab", "down", env=env).stdout == "lab was not running\n"


@pytest.mark.lab
def test_a_diagnosis_without_the_lab_says_so_in_chinese(tmp_path: Path) -> None:
    """The shipped inventory with no lab up (nothing listens: run in a network namespace of its
    own): the hint to start the lab, and --debug's closing line, in Chinese; same exit code."""
    args = ("circuit", "LAB-ALM-POWER", "--quick", "--no-history", "--debug", str(tmp_path))
    en_code, en, zh_code, zh = both(*args)
    assert en_code == zh_code == 12  # inconclusive: nothing could be read
    assert "is the lab up? `diag lab status` tells; `diag lab up` starts it." in en
    assert "实验室是否已启动？`diag lab status` 可查看，`diag lab up` 可启动。" in zh
    assert f"--debug: no device session ran, nothing kept in {tmp_path}/" in en
    assert f"--debug：没有运行任何设备会话，{tmp_path}/ 中未保存内容" in zh
