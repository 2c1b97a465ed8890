"""The NOC commands' errors in Chinese (zh.errors_noc.yaml): `diag sweep`, `diag history`,
`diag report`, `diag render`, `diag worker` / `diag scheduler` and the history store, run for
real (click's runner on diag.cli, or a `diag` process) on bad input: a selection of nothing, a
bad period, a sweep lock another process holds, history stores that cannot be opened (SQLite
files and folders, a real PostgreSQL server), a broker that does not answer.  Each Chinese
message still names the thing at fault, exits as the English one does, and shows no password;
the English run of the same input is unchanged."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from diag.cli import cli
from diag.history import open_store
from tests.history.history_helpers import NOW, doc_at
from tests.services import free_port, postgres_cluster, redis_server

ROOT = Path(__file__).resolve().parents[2]
INV = str(ROOT / "inventory")
DIAG = str(Path(sys.executable).with_name("diag"))
CJK = re.compile(r"[\u4e00-\u9fff]")
PASSWORD = "s3cret-pw"


def _run(lang: str, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(cli, ["--lang", lang, *args], env=env)


def _both(
    args: list[str],
    zh: list[str],
    en: list[str],
    code: int,
    env: dict[str, str] | None = None,
) -> tuple[str, str]:
    """Run `args` in Chinese and in English: same exit code, each text in its language."""
    z, e = _run("zh", *args, env=env), _run("en", *args, env=env)
    assert z.exit_code == code, z.output
    assert e.exit_code == code, e.output
    for part in zh:
        assert part in z.stderr, z.stderr
    for part in en:
        assert part in e.stderr, e.stderr
    assert CJK.search(z.stderr), z.stderr
    assert not CJK.search(e.stderr), e.stderr
    assert PASSWORD not in z.output + e.output
    return z.stderr, e.stderr


CASES = [
    pytest.param(
        ["sweep", "--inventory", INV, "NOPE-*"],
        ["所选条件没有匹配到任何电路", "`diag inventory list`"],
        ["the selection matches no circuit; `diag inventory list` shows the circuits"],
        2,
        id="sweep-selects-nothing",
    ),
    pytest.param(
        ["sweep", "--inventory", INV, "--group", "nogroup"],
        ["资源清单中没有分组 'nogroup'（已有："],
        ["no group 'nogroup' in the inventory (known: "],
        2,
        id="sweep-unknown-group",
    ),
    pytest.param(
        ["sweep", "--inventory", INV, "--every", "5x"],
        ["--every '5x'：周期应写作 15m、30s、1h 或 1h30m"],
        ["--every '5x': write a period like 15m, 30s, 1h or 1h30m"],
        2,
        id="sweep-bad-period",
    ),
    pytest.param(
        ["sweep", "--inventory", INV, "--every", "0.5s"],
        ["--every '0.5s'：周期至少为 1 秒"],
        ["--every '0.5s': the period must be at least 1 s"],
        2,
        id="sweep-period-too-short",
    ),
    pytest.param(
        ["sweep", "--detach"],
        ["--detach 用于把分布式巡检放入队列：请同时给出 --distributed"],
        ["--detach queues a distributed sweep: give --distributed too"],
        2,
        id="sweep-detach-alone",
    ),
    pytest.param(
        ["sweep", "--runs", "2"],
        ["--runs 计的是 --every 的巡检次数"],
        ["--runs counts the sweeps of --every: give --every too"],
        2,
        id="sweep-runs-alone",
    ),
    pytest.param(
        ["sweep", "--resume", "SW-1", "LAB-E1-OK1"],
        ["--resume 沿用该次巡检自己的电路选择"],
        ["--resume takes the sweep's own selection"],
        2,
        id="sweep-resume-with-selection",
    ),
    pytest.param(
        ["sweep", "status"],
        ["用法：diag sweep status SWEEP_ID [--wait]"],
        ["usage: diag sweep status SWEEP_ID [--wait]"],
        2,
        id="sweep-status-without-id",
    ),
    pytest.param(
        ["history"],
        ["请指定一条电路（diag history CIRCUIT_ID）"],
        ["name a circuit (diag history CIRCUIT_ID)"],
        2,
        id="history-nothing-asked",
    ),
    pytest.param(
        ["history", "--chronic", "--ticket", "TS05123"],
        ["--chronic 与 --ticket：一次只能查询其中一项"],
        ["--chronic and --ticket: ask for one at a time"],
        2,
        id="history-chronic-and-ticket",
    ),
    pytest.param(
        ["history", "LAB-E1-OK1", "--since", "yesterday"],
        ["--since 'yesterday'：应写作时长（30m、12h、7d、2w）"],
        ["--since 'yesterday': write an age (30m, 12h, 7d, 2w)"],
        2,
        id="history-bad-since",
    ),
    pytest.param(
        ["history", "LAB-E1-OK1", "--history", "history.sqlite"],
        ["--history （不显示）：不是数据库 URL"],
        ["--history (not shown): not a database URL"],
        2,
        id="history-url-not-a-url",
    ),
    pytest.param(
        ["history", "LAB-E1-OK1", "--history", f"nosuch://u:{PASSWORD}@127.0.0.1/db"],
        ["--history nosuch://u:***@127.0.0.1/db：未知的数据库类型 'nosuch'"],
        ["--history nosuch://u:***@127.0.0.1/db: unknown database kind 'nosuch'"],
        2,
        id="history-url-unknown-kind",
    ),
    pytest.param(
        ["report", "--sweep", "SW-1", "--circuit", "LAB-E1-OK1", "-o", "-"],
        ["请给出 --sweep 或 --circuit，不能同时给出"],
        ["give --sweep or --circuit, not both"],
        2,
        id="report-sweep-and-circuit",
    ),
    pytest.param(
        ["worker", "--region", "nowhere", "--inventory", INV],
        ["资源清单中没有区域 'nowhere'（已有：default）"],
        ["no region 'nowhere' in the inventory (known: default)"],
        2,
        id="worker-unknown-region",
    ),
    pytest.param(
        ["scheduler", "--inventory", INV],  # the shipped lab inventory defines no sweep
        ["资源清单中没有启用的巡检：请添加 `sweeps:` 一节"],
        ["the inventory defines no enabled sweep: add a `sweeps:` section"],
        2,
        id="scheduler-without-sweeps",
    ),
]


@pytest.mark.parametrize(("args", "zh", "en", "code"), CASES)
def test_a_refused_command_says_why_in_chinese(
    args: list[str], zh: list[str], en: list[str], code: int
) -> None:
    _both(args, zh, en, code)


def test_a_malformed_worker_setting_in_the_environment_is_named() -> None:
    env = {"DIAG_RESTORE_INTERVAL": "abc"}
    _both(
        ["worker", "--region", "default", "--inventory", INV],
        ["DIAG_RESTORE_INTERVAL='abc'：不是数字"],
        ["DIAG_RESTORE_INTERVAL='abc': not a number"],
        2,
        env=env,
    )


def test_a_broker_that_does_not_answer_is_named_without_its_password() -> None:
    url = f"redis://:{PASSWORD}@127.0.0.1:{free_port()}/0"
    _both(
        ["sweep", "--distributed", "--inventory", INV, "--broker", url],
        [f"消息代理 redis://:***@127.0.0.1:{url.rsplit(':', 1)[1]} 无应答：", "redis-server"],
        ["does not answer", "start redis-server or set --broker / DIAG_BROKER"],
        2,
    )


def test_status_of_an_unknown_sweep_through_a_real_broker(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    with redis_server() as broker:
        _both(
            ["sweep", "status", "SW-nope", "--inventory", INV, "--broker", broker + "/0"],
            [f"历史库 {url} 中没有巡检 'SW-nope'；最近的巡检：无"],
            [f"no sweep 'SW-nope' in the history store {url}; its latest: none"],
            2,
            env={"DIAG_HISTORY": url},
        )


# -- history stores that cannot be opened ---------------------------------------------------


def test_a_store_whose_folder_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("a file, not a folder\n")
    url = f"sqlite:///{tmp_path / 'f' / 'h.sqlite'}"
    _both(
        ["history", "LAB-E1-OK1", "--history", url],
        [f"历史库 {url}：无法创建文件夹 {tmp_path / 'f'}：", "--history 或 DIAG_HISTORY"],
        [f"history store {url}: cannot create the folder {tmp_path / 'f'}: "],
        3,
    )


def test_a_store_url_naming_a_folder(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}"
    _both(
        ["history", "LAB-E1-OK1", "--history", url],
        [f"{tmp_path} 是文件夹；请指定其中的一个文件，例如 sqlite:///{tmp_path}/history.sqlite"],
        [f"{tmp_path} is a folder; name a file in it, e.g. sqlite:///{tmp_path}/history.sqlite"],
        3,
    )


def test_a_file_that_is_not_a_store(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    path.write_bytes(b"not sqlite at all\n" * 200)
    zh, _ = _both(
        ["history", "LAB-E1-OK1", "--history", f"sqlite:///{path}"],
        [f"历史库 sqlite:///{path}：", "该文件或数据库不是 diag 的历史库"],
        ["this file or database is not diag's history; name another with --history"],
        3,
    )
    assert "file is not a database" in zh  # the driver's own text is data: kept as it came


def test_a_store_written_by_a_newer_diag_says_upgrade(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite"
    open_store(f"sqlite:///{path}").close()
    with sqlite3.connect(path) as db:  # a revision this diag's migrations do not know
        db.execute("UPDATE alembic_version SET version_num = '9999_future'")
    _both(
        ["history", "LAB-E1-OK1", "--history", f"sqlite:///{path}"],
        ["它由更新版本的 diag 写入：请升级 diag", "9999_future"],
        ["it was written by a newer diag: upgrade diag"],
        3,
    )


@pytest.fixture(scope="module")
def pg() -> Iterator[str]:
    # scripts/test.sh installs PostgreSQL and the test extra psycopg: no skip, a missing one fails
    with postgres_cluster() as url:
        yield url


def test_a_postgres_store_that_cannot_be_opened_hides_the_password(pg: str) -> None:
    # a real server: the database named does not exist; the URL carries a password
    url = re.sub(r"//diag(:[^@]*)?@", f"//diag:{PASSWORD}@", pg).rsplit("/", 1)[0] + "/nope"
    shown = url.replace(PASSWORD, "***")
    zh, _ = _both(
        ["history", "LAB-E1-OK1", "--history", url],
        [
            f"历史库 {shown}：",
            "（请检查数据库服务器是否在运行，以及 URL（主机、端口、用户）是否正确）",
        ],
        [f"history store {shown}: ", "(check that the database server is running"],
        3,
    )
    assert '"nope" does not exist' in zh


def test_a_postgres_server_that_does_not_answer() -> None:
    url = f"postgresql+psycopg://diag:{PASSWORD}@127.0.0.1:{free_port()}/diag"
    _both(
        ["history", "LAB-E1-OK1", "--history", url],
        [f"历史库 {url.replace(PASSWORD, '***')}：", "请检查数据库服务器是否在运行"],
        ["check that the database server is running and the URL (host, port, user) is right"],
        3,
    )


# -- what the store holds ---------------------------------------------------------------------


def test_report_of_what_the_store_does_not_hold(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    base = ["report", "--history", url, "-o", str(tmp_path / "r.html")]
    _both(
        [*base, "--sweep", "SW-x"],
        [f"历史库 {url}：没有巡检 SW-x；库中还没有任何巡检"],
        [f"history {url}: no sweep SW-x; it holds no sweep yet"],
        2,
    )
    with open_store(url) as s:
        s.record(doc_at("LAB-E1-AIS1", NOW))
    _both(
        [*base, "--circuit", "LAB-E1-AIS"],
        [f"历史库 {url}：没有电路 LAB-E1-AIS 的诊断记录；您是不是要找 LAB-E1-AIS1？"],
        [f"history {url}: no diagnosis of circuit LAB-E1-AIS; did you mean LAB-E1-AIS1?"],
        2,
    )
    assert not (tmp_path / "r.html").exists()


def test_resume_of_a_sweep_the_store_does_not_hold(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    _both(
        ["sweep", "--inventory", INV, "--history", url, "--resume", "SW-nope"],
        [f"历史库 {url} 中没有巡检 'SW-nope'；最近的巡检：无"],
        [f"no sweep 'SW-nope' in the history store {url}; its latest: none"],
        2,
    )


def test_render_of_a_findings_file_that_cannot_be_read(tmp_path: Path) -> None:
    missing = tmp_path / "none.json"
    _both(
        ["render", str(missing), "--html", str(tmp_path / "p.html")],
        [f"{missing}：无法读取："],
        [f"{missing}: cannot read: "],
        2,
    )


# -- the sweep lock, held by another process --------------------------------------------------

HOLD = """
import sys, time
from diag.sweep.schedule import sweep_lock
with sweep_lock(sys.argv[1]):
    print("held", flush=True)
    sys.stdin.read()
"""


def test_a_sweep_lock_held_by_another_process(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ),  # the same XDG_DATA_HOME: the same lock folder
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        args = [DIAG, "--lang", "zh", "sweep", "--inventory", INV, "--history", url, "LAB-E1-OK1"]
        zh = subprocess.run(args, capture_output=True, text=True, timeout=120)
        args[2] = "en"
        en = subprocess.run(args, capture_output=True, text=True, timeout=120)
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    assert zh.returncode == en.returncode == 7, zh.stderr + en.stderr
    assert f"同一历史库上另一次巡检正在运行（pid {holder.pid}，锁文件 " in zh.stderr
    assert "可用 --resume 续跑" in zh.stderr
    assert f"another sweep on this history store is running (pid {holder.pid}, lock " in en.stderr
    assert not CJK.search(en.stderr)
