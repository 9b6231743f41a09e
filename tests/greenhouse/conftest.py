"""Every Greenhouse test gets its own token store and rate-limit log (files in its tmp_path),
so access tokens and learnt limits never leak from one test into the next."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_django.fixtures import Settings


@pytest.fixture(autouse=True)
def _own_token_store_and_rate_log(settings: Settings, tmp_path: Path) -> None:
    settings.REDIS_URL = ""
    settings.VAR_DIR = tmp_path / "var"
    settings.GREENHOUSE_VERIFY_ON_ENABLE = False
