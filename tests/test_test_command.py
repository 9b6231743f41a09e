"""The README's test command (bin/test, which CI runs) gives each run a temporary folder of its
own, so two runs on one machine do not clear each other's, and passes every argument to pytest."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
# A stand-in for pytest: prints its arguments, one a line, and whether the folder it was given
# exists; exits with STATUS.
PYTEST = """#!/usr/bin/env bash
printf '%s\\n' "$@"
previous=""
for argument in "$@"; do
  if [ "$previous" = --basetemp ]; then
    [ -d "$(dirname "$argument")" ] && echo "folder exists"
  fi
  previous="$argument"
done
exit "${STATUS:-0}"
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of bin/test in a tree whose venv set-up does nothing and whose pytest is the
    stand-in above."""
    tree = tmp_path / "project"
    (tree / "bin").mkdir(parents=True)
    shutil.copy(PROJECT / "bin" / "test", tree / "bin" / "test")
    (tree / "bin" / "setup-venv").write_text("#!/usr/bin/env bash\nexit 0\n")
    (tree / ".venv" / "bin").mkdir(parents=True)
    (tree / ".venv" / "bin" / "pytest").write_text(PYTEST)
    for script in (tree / "bin" / "setup-venv", tree / ".venv" / "bin" / "pytest"):
        script.chmod(0o755)
    (tmp_path / "tmp").mkdir()
    return tree


def run(project: Path, *arguments: str, status: int = 0) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(project.parent / "tmp"), "STATUS": str(status)}
    return subprocess.run(
        [str(project / "bin" / "test"), *arguments],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_each_run_gets_a_fresh_temporary_folder_removed_after_it(project: Path) -> None:
    # when the suite runs twice
    first, second = run(project, "-q"), run(project, "-q")

    # then each run's pytest was given a folder of its own, which existed while it ran and is gone
    first_lines, second_lines = first.stdout.splitlines(), second.stdout.splitlines()
    assert first_lines[0] == second_lines[0] == "--basetemp"
    assert first_lines[1] != second_lines[1]
    for lines in (first_lines, second_lines):
        assert Path(lines[1]).parent.parent == project.parent / "tmp"
        assert lines[2:] == ["-q", "folder exists"]
    assert list((project.parent / "tmp").iterdir()) == []


def test_every_argument_reaches_pytest_in_order(project: Path) -> None:
    # when the suite runs for one module with options
    result = run(project, "tests/x.py", "-k", "a or b", "-x")

    # then pytest has them all, after the temporary folder
    assert result.stdout.splitlines()[2:] == ["tests/x.py", "-k", "a or b", "-x", "folder exists"]


@pytest.mark.parametrize("given", [["--basetemp=var/mine"], ["--basetemp", "var/mine"]])
def test_a_temporary_folder_given_is_the_one_used(project: Path, given: list[str]) -> None:
    # when the run names its own temporary folder
    result = run(project, "-q", *given)

    # then pytest gets exactly the arguments given
    assert result.stdout.splitlines()[:3] == ["-q", *given]
    assert result.stdout.count("--basetemp") == 1


def test_pytests_exit_status_is_the_commands(project: Path) -> None:
    # when some tests fail
    result = run(project, "-q", status=1)

    # then the command fails too, and still removes its folder
    assert result.returncode == 1
    assert list((project.parent / "tmp").iterdir()) == []
