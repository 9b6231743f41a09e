"""Run the Procfile's processes side by side for `bin/run`, and stop them cleanly on Ctrl-C.

Each process runs in its own session, its output prefixed with the time and its name. Ctrl-C (or
SIGTERM) stops them the way systemd's `KillMode=mixed` does: SIGTERM to each main process only,
then, after STOP_GRACE_SECONDS (default 20), SIGKILL to whatever is left of its process group.
When one process exits by itself, the others are stopped the same way.

Why not honcho, which `bin/run` used before: it sends SIGTERM to every process of each group and
SIGKILL five seconds later. A Celery prefork worker must get the signal alone: its pool processes,
killed under it, are logged as errors, and one killed while holding the pool's queue lock leaves
the worker waiting on that lock for ever; and its warm shutdown alone takes a few seconds.

Variables from the environment file (`--env`, KEY=value lines) fill in what the environment does
not set; the processes read the same file for their settings.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO

PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")
POLL_SECONDS = 0.1


def read_procfile(path: Path) -> dict[str, str]:
    commands = {}
    for line in path.read_text().splitlines():
        match = PROCFILE_LINE.match(line)
        if match:
            commands[match.group(1)] = match.group(2)
    if not commands:
        raise SystemExit(f"{path}: no process lines (name: command)")
    return commands


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        words = shlex.split(line, comments=True)
        if not words:
            continue
        name, separator, value = " ".join(words).partition("=")
        if not separator or not name.isidentifier():
            raise SystemExit(f"{path}:{number}: expected NAME=value")
        values[name] = value
    return values


@dataclass
class Process:
    name: str
    popen: subprocess.Popen[bytes]
    reader: threading.Thread
    returncode: int | None = None


class Supervisor:
    def __init__(self, commands: dict[str, str], env: dict[str, str], grace: float) -> None:
        self.commands = commands
        self.env = env
        self.grace = grace
        self.width = max(len(name) for name in [*commands, "system"])
        self.output_lock = threading.Lock()
        # Set by the signal handler: a plain flag, since a handler must not take a lock that the
        # interrupted code may hold.
        self.stop_requested = False
        self.processes: list[Process] = []

    def say(self, name: str, line: str) -> None:
        with self.output_lock:
            sys.stdout.write(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {line}\n")
            sys.stdout.flush()

    def start(self) -> None:
        for name, command in self.commands.items():
            # exec: the shell gives way to the command, so the signal reaches it and only it.
            popen = subprocess.Popen(  # noqa: S603 (the Procfile's own commands)
                ["/bin/sh", "-c", f"exec {command}"],
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            reader = threading.Thread(target=self._relay, args=(name, popen.stdout), daemon=True)
            reader.start()
            self.processes.append(Process(name, popen, reader))
            self.say("system", f"{name} started (pid={popen.pid})")

    def _relay(self, name: str, stream: IO[bytes] | None) -> None:
        if stream is None:
            return
        for raw in iter(stream.readline, b""):
            self.say(name, raw.decode(errors="replace").rstrip("\n"))

    def request_stop(self, signum: int, frame: FrameType | None) -> None:
        self.stop_requested = True

    def _running(self) -> list[Process]:
        return [process for process in self.processes if process.returncode is None]

    def _reap(self) -> list[Process]:
        ended = []
        for process in self._running():
            returncode = process.popen.poll()
            if returncode is not None:
                process.returncode = returncode
                ended.append(process)
                self._kill_group(process)
                process.reader.join(timeout=2)
                self.say("system", f"{process.name} stopped (rc={returncode})")
        return ended

    def _kill_group(self, process: Process) -> None:
        """Whatever a process left behind in its group goes with it."""
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.popen.pid, signal.SIGKILL)

    def run(self) -> int:
        self.start()
        first_exit: Process | None = None
        while not self.stop_requested:
            ended = self._reap()
            if ended:
                first_exit = ended[0]
                break
            time.sleep(POLL_SECONDS)
        if first_exit is None:
            self.say("system", "stopping: SIGTERM to each process")
        else:
            self.say("system", f"{first_exit.name} exited; stopping the others")
        for process in self._running():
            with contextlib.suppress(ProcessLookupError):
                process.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.grace
        while self._running() and time.monotonic() < deadline:
            self._reap()
            time.sleep(POLL_SECONDS)
        forced = self._running()
        for process in forced:
            self.say("system", f"{process.name} still running after {self.grace:g} s: SIGKILL")
            self._kill_group(process)
            process.popen.wait()
        self._reap()
        if first_exit is not None:
            return first_exit.returncode or 1
        return 1 if forced else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("procfile", type=Path)
    parser.add_argument("--env", type=Path, help="a file of NAME=value lines")
    arguments = parser.parse_args()
    env = dict(os.environ)
    if arguments.env is not None:
        for name, value in read_env_file(arguments.env).items():
            env.setdefault(name, value)
    try:
        grace = float(env.get("STOP_GRACE_SECONDS", "20"))
    except ValueError:
        raise SystemExit("STOP_GRACE_SECONDS must be a number of seconds") from None
    supervisor = Supervisor(read_procfile(arguments.procfile), env, grace)
    signal.signal(signal.SIGINT, supervisor.request_stop)
    signal.signal(signal.SIGTERM, supervisor.request_stop)
    return supervisor.run()


if __name__ == "__main__":
    sys.exit(main())
