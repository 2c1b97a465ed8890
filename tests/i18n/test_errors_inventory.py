"""A malformed inventory, its settings and `--set` values: the real `diag` commands report every
problem in Chinese under `--lang zh`, still naming the file, the entry and the field exactly, with
the exit code of the English run; the English run's text is unchanged."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import ValidationError

from diag.cli import cli
from diag.errors import CollectorError
from diag.i18n import using
from diag.model.inventory import Circuit, Device, Nms
from diag.model.pydantic_text import MESSAGES, pydantic_text
from diag.model.syntax import check_command
from diag.settings import CollectorSettings

CJK = re.compile(r"[\u4e00-\u9fff]")
# pydantic's and diag's English wording that must not be left in a Chinese run
ENGLISH = re.compile(r"Input should|Field required|Extra inputs|must be|is not|field '|no such")

GOOD = """
nms:
  - {name: nms1, driver: alarm-mib, address: 127.0.0.1, port: 161,
     snmp: {version: v3, user: u, auth_key: "env:K1", priv_key: "env:K2"}}
devices:
  - {name: r-a, role: router, vendor: cisco, device_type: cisco_ios,
     mgmt: {address: 127.0.0.2}, login: {username: noc, password: "env:RTR_PW"}}
  - {name: pdh-a, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-A}
  - {name: pdh-b, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-B}
circuits:
  - {id: C1, customer: T, service: e1, bandwidth: 2M, transport: [],
     a: {site: A, router: r-a, wan_interface: "Serial0/0/0:0", cpe: pdh-a, interface: e1-120},
     b: {site: B, cpe: pdh-b, interface: e1-75}}
"""
# One entry per kind of problem: pydantic's own (types, bounds, choices, unknown field), diag's
# validators (secret, bandwidth, interface, address), entry rules, references, settings, sweeps.
BAD = """
nms:
  - {name: nms1, driver: huawei-imap, address: 127.0.0.1, port: "161", bogus: 1,
     snmp: {version: v2c, community: plaintext, timeout: 0}}
devices:
  - {name: r-a, role: rooter, vendor: cisco, device_type: ciscoios,
     mgmt: {address: 127.0.0.2, port: 70000}, login: {username: noc, password: "env:RTR_PW"}}
  - {name: pdh-a, role: pdh, vendor: huawei, nms: nms1, ne_name: PDH-A, owner: me}
  - {name: pdh-b, role: pdh, vendor: huawei, nms: nms1}
circuits:
  - id: C1
    customer: T
    service: e1
    bandwidth: 2 furlongs
    a: {site: A, router: r-a, wan_interface: "Se0;reload", wan_ip: 10.0.0.1/33, cpe: pdh-x,
        interface: e1-120}
    b: {site: B, cpe: pdh-b, interface: e1-75, router: pdh-a}
    transport: [{ne: r-a}]
sweeps:
  north: {every: 1x, regions: [nowhere], enabled: maybe}
settings:
  default: {ping_count: abc, ssh_host_keys: nope, bogus_setting: 1, ping_interval_s: 0}
"""


def run(*args: str) -> tuple[int, str]:
    """`diag ARGS` in this process (stdout and stderr together), DIAG_LANG unset: English
    unless `--lang zh` is given."""
    result = CliRunner(env={"DIAG_LANG": "en"}).invoke(cli, list(args))
    return result.exit_code, result.output


def inventory(tmp: Path, **files: str) -> Path:
    for name, text in files.items():
        (tmp / name).write_text(textwrap.dedent(text), encoding="utf-8")
    return tmp


def problems(text: str) -> list[str]:
    return [line.removeprefix("  - ") for line in text.splitlines() if line.startswith("  - ")]


def where(line: str) -> str:
    """A problem's place: file, entry and field, as the line names it in either language."""
    place = re.match(
        r".*?\.yaml: (\w+\[\d+\](?: \(\w+=[^)]*\))?|settings\.[\w.]+|sweeps\.[\w.-]+)", line
    )
    if place is None:
        return ""  # the closing note on names not judged: placed nowhere
    field = re.match(r"[:：] (?:field |字段 )?('[^']*')[:：]", line[place.end() :])
    return place.group(0) + (f" {field.group(1)}" if field else "")


def test_validate_names_file_entry_and_field_in_chinese(tmp_path: Path) -> None:
    bad = inventory(tmp_path, **{"a.yaml": BAD})
    en_code, en = run("inventory", "validate", "--inventory", str(bad))
    zh_code, zh = run("--lang", "zh", "inventory", "validate", "--inventory", str(bad))
    assert en_code == zh_code == 3
    en_lines, zh_lines = problems(en), problems(zh)
    assert len(zh_lines) == len(en_lines) >= 20
    # the same problems in the same order, each at the same file, entry and field
    assert [where(z) for z in zh_lines] == [where(e) for e in en_lines]
    assert f"资源清单 {bad}：{len(zh_lines)} 个问题" in zh
    for line in zh_lines:
        assert CJK.search(line), line
        assert not ENGLISH.search(line.split("：", 1)[-1]), line
    file = f"{bad}/a.yaml"
    for expected in (
        f"{file}: nms[0] (name=nms1): 字段 'port'：必须是整数（不加引号，不带小数）",
        f"{file}: nms[0] (name=nms1): 字段 'bogus'：未知字段（请检查拼写；docs/inventory.md 列出了所有字段）",
        f"{file}: nms[0] (name=nms1): 字段 'snmp.timeout'：应大于 0",
        f"{file}: nms[0] (name=nms1): 字段 '(entry)'：驱动 huawei-imap 需要 'trap_listen'（接收网管 trap 的 host:port）",
        f"{file}: devices[0] (name=r-a): 字段 'mgmt.port'：应小于或等于 65535",
        f"{file}: devices[1] (name=pdh-a): 字段 'owner'：应为 'carrier' 或 'customer'",
        f"{file}: circuits[0] (id=C1): 字段 'a.wan_ip'：'10.0.0.1/33' 不是 IP 地址（可带 /前缀长度）",
        f"{file}: circuits[0] (id=C1): 字段 'b.router'：'pdh-a' 的角色是 pdh，但此字段应为路由器（角色：router）",
        f"{file}: circuits[0] (id=C1): 路径不可能成立：设备 'r-a' 在电路路径上出现了两次",
        f"{file}: settings.default: 'ping_count': 应为整数，无法把该字符串解析为整数",
        f"{file}: settings.default: 'bogus_setting': 不允许的多余字段（名称未知，请检查拼写）",
        f"{file}: sweeps.north: 字段 'enabled'：请写 true 或 false",
    ):
        assert expected in zh_lines, expected
    assert "没有 'ciscoios' 的 CLI 解析器（是否想写 cisco_ios" in zh
    # English: the text it always was
    for expected in (
        f"{file}: nms[0] (name=nms1): field 'port': must be a whole number (write it without "
        "quotes or decimals)",
        f"{file}: devices[0] (name=r-a): field 'mgmt.port': Input should be less than or equal "
        "to 65535",
        f"{file}: circuits[0] (id=C1): field 'b.router': 'pdh-a' is a pdh, but a router must be "
        "one of: router",
        f"{file}: settings.default: 'bogus_setting': Extra inputs are not permitted",
    ):
        assert expected in en_lines, expected
    assert f"diag: inventory {bad}: {len(en_lines)} problems" in en
    assert not CJK.search(en)


def test_circuit_with_a_bad_inventory_in_chinese(tmp_path: Path) -> None:
    bad = inventory(tmp_path, **{"a.yaml": BAD})
    en_code, en = run("circuit", "C1", "--inventory", str(bad))
    zh_code, zh = run("--lang", "zh", "circuit", "C1", "--inventory", str(bad))
    assert en_code == zh_code == 3
    assert [where(z) for z in problems(zh)] == [where(e) for e in problems(en)]
    assert "字段 'a.wan_interface'：不是接口名" in zh
    assert "field 'a.wan_interface': is not an interface name" in en


@pytest.mark.parametrize(
    ("text", "zh", "en"),
    [
        (
            "nms: [\n  {a: 1\n",
            "第 3 行第 1 列不是有效的 YAML：",
            "line 3 column 1 is not valid YAML: ",
        ),
        (
            "nms: []\nnms: []\n",
            "第 2 行：键 'nms' 在同一映射中出现两次（首次在第 1 行）",
            "line 2: key",
        ),
        ("nms: *x\n", "第 1 行：别名 *x 未定义", "line 1: alias *x is not defined"),
        (
            "nms: !!python/tuple [1]\n",
            "第 1 行：标签 tag:yaml.org,2002:python/tuple 不是普通数据",
            "is not plain data",
        ),
        (
            "nms: []\n---\nnms: []\n",
            "第 2 行：出现第二个 YAML 文档（---）",
            "a second YAML document",
        ),
        ("- 1\n", "顶层必须是包含 nms/devices/circuits 的映射", "the top level must be a mapping"),
        (
            "circuit: []\n",
            "未知的顶层键 'circuit'（应为 nms、devices",
            "unknown top-level key 'circuit'",
        ),
        ("devices: {a: 1}\n", "'devices' 必须是条目列表", "'devices' must be a list of entries"),
        (
            "include: [nothere*.yaml]\n",
            "include 'nothere*.yaml' 没有匹配到任何文件",
            "matches no file",
        ),
        ("nms: [x]\n", "nms[0]: 每个条目都必须是映射", "nms[0]: each entry must be a mapping"),
    ],
)
def test_file_problems_in_chinese(tmp_path: Path, text: str, zh: str, en: str) -> None:
    bad = inventory(tmp_path, **{"bad.yaml": text})
    en_code, en_out = run("inventory", "validate", "--inventory", str(bad))
    zh_code, zh_out = run("--lang", "zh", "inventory", "validate", "--inventory", str(bad))
    assert en_code == zh_code == 3
    shown = f"{bad}/bad.yaml: "
    assert any(p.startswith(shown) and zh in p for p in problems(zh_out)), zh_out
    assert any(p.startswith(shown) and en in p for p in problems(en_out)), en_out


def test_unreadable_bytes_and_missing_folder_in_chinese(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_bytes(b"nms: []\n# caf\xe9\n")
    code, out = run("--lang", "zh", "inventory", "validate", "--inventory", str(tmp_path))
    assert code == 3
    assert f"{tmp_path}/bad.yaml: 字节偏移 13 处不是有效的 UTF-8（第 2 行，字节 0xe9）" in out
    missing = tmp_path / "nowhere"
    en_code, en = run("inventory", "validate", "--inventory", str(missing))
    zh_code, zh = run("--lang", "zh", "inventory", "validate", "--inventory", str(missing))
    assert en_code == zh_code == 3
    assert f"{missing}: 没有这个文件或文件夹（请用 --inventory 或 DIAG_INVENTORY 指定）" in zh
    assert f"{missing}: no such file or folder (set --inventory or DIAG_INVENTORY)" in en


def test_references_and_sweeps_in_chinese(tmp_path: Path) -> None:
    text = GOOD.replace("cpe: pdh-b,", "cpe: pdh-bb,") + (
        "sweeps:\n  north: {every: 15m, regions: [nowhere]}\n"
    )
    inv = inventory(tmp_path, **{"a.yaml": text})
    en_code, en = run("inventory", "validate", "--inventory", str(inv))
    zh_code, zh = run("--lang", "zh", "inventory", "validate", "--inventory", str(inv))
    assert en_code == zh_code == 3
    file = f"{inv}/a.yaml"
    assert (
        f"{file}: circuits[0] (id=C1): 字段 'b.cpe'：没有名为 'pdh-bb' 的设备（是否想写 pdh-b" in zh
    )
    assert (
        f"{file}: sweeps.north: 字段 'regions'：资源清单中没有电路区域 'nowhere'（已有：无）" in zh
    )
    assert (
        f"{file}: circuits[0] (id=C1): field 'b.cpe': no device named 'pdh-bb' (did you mean" in en
    )


def test_console_and_control_characters_in_chinese(tmp_path: Path) -> None:
    folder = tmp_path / "inv"
    folder.mkdir()
    text = GOOD.replace(
        "mgmt: {address: 127.0.0.2}", f"mgmt: {{address: 127.0.0.2}}, console: {tmp_path}"
    ).replace("customer: T,", 'customer: "T\\tX",')
    inventory(folder, **{"a.yaml": text})
    en_code, en = run("inventory", "validate", "--inventory", str(folder))
    zh_code, zh = run("--lang", "zh", "inventory", "validate", "--inventory", str(folder))
    assert en_code == zh_code == 3
    assert f"字段 'console'：{tmp_path} 是一个目录；串口控制台应为字符设备" in zh
    assert (
        "字段 'customer'：含有第 2 个字符处的制表符（U+0009）；换行、制表符等控制字符一律拒绝" in zh
    )
    assert "field 'customer': contains a tab (U+0009) at character 2; line breaks" in en


def test_set_values_in_chinese(tmp_path: Path) -> None:
    inv = inventory(tmp_path, **{"a.yaml": GOOD})
    bad = ("--set", "ping_count=abc", "--set", "cli_threads=0", "--set", "ssh_host_keys=x")
    en_code, en = run("circuit", "C1", "--inventory", str(inv), *bad)
    zh_code, zh = run("--lang", "zh", "circuit", "C1", "--inventory", str(inv), *bad)
    assert en_code == zh_code == 3
    assert "diag: --set：3 个问题" in zh
    assert "--set: 'ping_count': 应为整数，无法把该字符串解析为整数" in zh
    assert "--set: 'cli_threads': 应大于或等于 1" in zh
    assert "--set: 'ssh_host_keys': 应为 'strict', 'accept-new' 或 'off'" in zh
    assert "--set: 'cli_threads': Input should be greater than or equal to 1" in en
    code, zh = run("--lang", "zh", "circuit", "C1", "--inventory", str(inv), "--set", "ping_count")
    assert code == 3
    assert "--set 'ping_count'：请写成 key=value，例如 --set ping_count=100" in zh


def test_every_table_message_matches_pydantics_own_text() -> None:
    """Each pydantic error the models and settings really raise, of a type the table lists, is
    rendered in Chinese: a pydantic release that rewords one fails here, not silently."""
    cases: list[tuple[type[object], dict[str, object]]] = [
        (CollectorSettings, {"ping_count": "x", "ssh_timeout_s": "x", "clear_counters": "m"}),
        (CollectorSettings, {"ping_count": 1.5, "ping_size": -1, "snmp_max_in_flight": 500}),
        (CollectorSettings, {"known_hosts": 5, "console": "x", "bogus": 1, "ping_interval_s": 0}),
        (Nms, {"name": "-x", "trap_sources": ["127.0.0.1"] * 40, "snmp": []}),
        (Device, {"name": "r", "role": "x", "vendor": "", "mgmt": {"address": "h", "port": 0}}),
        (Circuit, {"id": "c", "customer": 1, "a": {"cpe_boards": "x"}, "links": [{"between": 1}]}),
    ]
    seen: set[str] = set()
    for model, data in cases:
        with pytest.raises(ValidationError) as exc:
            model.model_validate(data)  # type: ignore[attr-defined]
        for err in exc.value.errors():
            if err["type"] not in MESSAGES:
                continue
            seen.add(err["type"])
            with using("zh"):
                text = pydantic_text(err)
            assert text != err["msg"] and CJK.search(text), err
            assert pydantic_text(err) == err["msg"]  # English: pydantic's own words
    common = {"missing", "extra_forbidden", "int_parsing", "float_parsing", "bool_parsing"}
    common |= {"greater_than", "greater_than_equal", "less_than_equal", "literal_error", "enum"}
    common |= {"string_type", "too_long", "string_pattern_mismatch", "model_type", "list_type"}
    assert common <= seen, common - seen


def test_refused_command_line_stays_english() -> None:
    """check_command's refusal is data (a reading's error in the findings): never translated."""
    with using("zh"), pytest.raises(CollectorError) as exc:
        check_command("show interfaces Se0\treload")
    assert "it holds a tab (U+0009) at character 20, which would type a second command" in str(
        exc.value
    )
