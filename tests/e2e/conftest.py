"""Fixtures every end-to-end module may use."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.e2e.process_logs import ProcessLogs


@pytest.fixture
def process_logs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProcessLogs]:
    """Fails the test when a process's log names one of its candidates; a test's `run` asks
    for it after its infrastructure, so the logs are read from where they stood then."""
    logs = ProcessLogs(tmp_path_factory.getbasetemp())
    yield logs
    leaks = logs.leaks()
    assert leaks == [], f"a candidate's personal data is in a process's log: {leaks}"
