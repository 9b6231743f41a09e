"""bin/supervise.py, which bin/run starts the Procfile with: SIGTERM to each main process only."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SUPERVISE = PROJECT / "bin" / "supervise.py"


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text))
    return path


def start(tmp_path: Path, procfile: str, **env: str) -> subprocess.Popen[str]:
    write(tmp_path / "Procfile", procfile)
    return subprocess.Popen(
        [
            sys.executable,
            str(SUPERVISE),
            str(tmp_path / "Procfile"),
            "--env",
            str(tmp_path / "env"),
        ],
        cwd=tmp_path,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def wait_for(path: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path.name} never appeared"
        time.sleep(0.05)


MAIN_WITH_CHILD = """\
import os, signal, subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", '''
import signal, time
signal.signal(signal.SIGTERM, lambda *a: open("child-got-term", "w").close())
open("child-ready", "w").close()
time.sleep(60)
'''])
def stop(*args):
    open("main-got-term", "w").close()
    child.kill()
    sys.exit(0)
signal.signal(signal.SIGTERM, stop)
time.sleep(60)
"""


def test_ctrl_c_sends_sigterm_to_the_main_process_only(tmp_path):
    write(tmp_path / "main.py", MAIN_WITH_CHILD)
    write(tmp_path / "env", "# nothing\n")
    process = start(tmp_path, f"main: {sys.executable} main.py\nidle: sleep 60\n")
    wait_for(tmp_path / "child-ready")

    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=20)

    assert process.returncode == 0, output
    assert (tmp_path / "main-got-term").exists()
    assert not (tmp_path / "child-got-term").exists()
    assert "| main stopped (rc=0)" in output
    assert "| idle stopped (rc=-15)" in output


def test_a_process_that_ignores_sigterm_is_killed_after_the_grace(tmp_path):
    write(tmp_path / "env", "STOP_GRACE_SECONDS=1\n")
    write(
        tmp_path / "stubborn.py",
        "import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
        "open('ready', 'w').close()\ntime.sleep(60)\n",
    )
    process = start(tmp_path, f"stubborn: {sys.executable} stubborn.py\n")
    wait_for(tmp_path / "ready")

    started = time.monotonic()
    os.killpg(process.pid, signal.SIGINT)
    output, _ = process.communicate(timeout=20)

    assert time.monotonic() - started < 10
    assert process.returncode == 1
    assert "stubborn still running after 1 s: SIGKILL" in output


def test_one_process_exiting_stops_the_others(tmp_path):
    write(tmp_path / "env", "")
    process = start(tmp_path, "short: sh -c 'echo hello; exit 3'\nlong: sleep 60\n")

    output, _ = process.communicate(timeout=20)

    assert process.returncode == 3
    assert "| hello" in output
    assert "short exited; stopping the others" in output


def test_the_environment_wins_over_the_env_file(tmp_path):
    write(tmp_path / "env", "GREETING=from-file\nOTHER='quoted value'\n")
    process = start(tmp_path, "say: sh -c 'echo $GREETING $OTHER'\n", GREETING="from-env")

    output, _ = process.communicate(timeout=20)

    assert "| from-env quoted value" in output


@pytest.mark.parametrize(
    ("env_file", "problem"),
    [("not an assignment\n", "env:1: expected NAME=value"), ("A=1\n9X=2\n", "env:2:")],
)
def test_a_bad_env_file_is_refused_naming_the_line(tmp_path, env_file, problem):
    write(tmp_path / "env", env_file)
    process = start(tmp_path, "say: echo hi\n")

    output, _ = process.communicate(timeout=20)

    assert process.returncode != 0
    assert problem in output
