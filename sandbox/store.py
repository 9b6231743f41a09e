"""Where a sandbox ATS keeps its records: one JSON document, changed under a lock.

Framework-free, so a stand-in can keep its state in memory in a test (`MemoryStore`) or in a
file that every web process of the platform shares (`JsonFileStore`: an exclusive `flock` for
each change, written to a temporary file and renamed, so a reader never sees half a document).
"""

from __future__ import annotations

import contextlib
import copy
import fcntl
import json
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Protocol

State = dict[str, Any]


class Store(Protocol):
    def change(self) -> contextlib.AbstractContextManager[State]:
        """The state, to read and change; kept when the block ends without an error."""

    def read(self) -> State:
        """A copy of the state, for reading only."""


class MemoryStore:
    """The state in this process's memory (tests, a single-process stand-in)."""

    def __init__(self) -> None:
        self._state: State = {}
        self._lock = threading.RLock()

    @contextlib.contextmanager
    def change(self) -> Iterator[State]:
        with self._lock:
            working = copy.deepcopy(self._state)
            yield working
            self._state = working

    def read(self) -> State:
        with self._lock:
            return copy.deepcopy(self._state)


class JsonFileStore:
    """The state in a JSON file, shared by every process on the machine."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock_path = path.with_name(f"{path.name}.lock")
        self._thread_lock = threading.RLock()

    @contextlib.contextmanager
    def _locked(self, kind: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._thread_lock, self._lock_path.open("a") as lock_file:
            fcntl.flock(lock_file, kind)
            try:
                yield
            finally:
                fcntl.flock(lock_file, fcntl.LOCK_UN)

    def _load(self) -> State:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        loaded = json.loads(text) if text.strip() else {}
        return loaded if isinstance(loaded, dict) else {}

    @contextlib.contextmanager
    def change(self) -> Iterator[State]:
        with self._locked(fcntl.LOCK_EX):
            state = self._load()
            yield state
            handle, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=".state-")
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                json.dump(state, out, indent=1, sort_keys=True)
            os.replace(temporary, self.path)

    def read(self) -> State:
        with self._locked(fcntl.LOCK_SH):
            return self._load()
