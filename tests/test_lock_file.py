"""The lock files match pyproject.toml (bin/check-lock, run by CI), and fail when they do not."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent


def check_lock(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(PROJECT / "bin" / "check-lock"), str(root)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(PROJECT / "requirements", tmp_path / "requirements")
    return tmp_path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_the_committed_lock_matches_pyproject():
    result = check_lock(PROJECT)

    assert result.returncode == 0, result.stderr


def test_a_dependency_added_to_pyproject_but_not_locked_fails(copy):
    added = '    "segno>=1.6",\n    "left-pad>=1.0",\n'
    edit(copy / "pyproject.toml", '    "segno>=1.6",\n', added)

    result = check_lock(copy)

    assert result.returncode == 1
    assert "runtime.txt: left-pad (from 'left-pad>=1.0') is not locked" in result.stderr
    assert "run `make lock`" in result.stderr


def test_a_test_dependency_not_locked_fails(copy):
    edit(copy / "pyproject.toml", '    "uv>=0.8",\n', '    "uv>=0.8",\n    "nose2>=0.15",\n')

    result = check_lock(copy)

    assert result.returncode == 1
    assert "test.txt: nose2 (from 'nose2>=0.15') is not locked" in result.stderr


def test_a_raised_lower_bound_the_lock_does_not_meet_fails(copy):
    edit(copy / "pyproject.toml", '"requests>=2.32.4"', '"requests>=99"')

    result = check_lock(copy)

    assert result.returncode == 1
    assert "does not satisfy 'requests>=99'" in result.stderr


def test_a_pin_below_a_security_floor_fails(copy):
    (copy / "requirements" / "floors.txt").write_text("urllib3>=99\n")

    result = check_lock(copy)

    assert result.returncode == 1
    assert "is below the floor 'urllib3>=99'" in result.stderr


def test_a_pin_without_hashes_fails(copy):
    lock = copy / "requirements" / "runtime.txt"
    text = lock.read_text()
    lock.write_text(text + "left-pad==1.0.0\n")

    result = check_lock(copy)

    assert result.returncode == 1
    assert "left-pad has no hash" in result.stderr


def test_a_pin_pyproject_no_longer_asks_for_fails(copy):
    lock = copy / "requirements" / "runtime.txt"
    lock.write_text(
        lock.read_text()
        + "left-pad==1.0.0 \\\n    --hash=sha256:"
        + "0" * 64
        + "\n    # via harver-integration (pyproject.toml)\n"
    )

    result = check_lock(copy)

    assert result.returncode == 1
    assert "left-pad is locked for pyproject.toml, which no longer needs it" in result.stderr
