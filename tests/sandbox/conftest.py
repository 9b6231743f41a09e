"""The sandbox enabled and mounted, with its records in the test's own folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

BASE = "https://integrations.harver.test"  # the test settings' PUBLIC_BASE_URL


@pytest.fixture(autouse=True)
def sandbox_on(settings: Any, tmp_path: Path) -> None:
    settings.SANDBOX_ENABLED = True
    settings.SANDBOX_STATE_DIR = tmp_path / "sandbox"
    settings.SANDBOX_BASE_URL = f"{BASE}/sandbox"
    settings.ROOT_URLCONF = "tests.sandbox.urls"
