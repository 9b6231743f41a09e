"""The engine API's per-key limit: ENGINE_RATE_LIMIT per window, a 429 with Retry-After past it."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from engine import keys
from engine.models import EngineEvent
from tests.engine.conftest import events_url, post_event


def started(engine: dict[str, Any], n: int, client: APIClient | None = None) -> Any:
    return (client or engine["client"]).post(
        events_url(engine["candidate_assessment"]),
        {"event_id": f"evt-{n}", "type": "started"},
        format="json",
    )


def test_past_the_limit_it_answers_429_with_retry_after_and_records_nothing(
    engine, settings
) -> None:
    settings.ENGINE_RATE_LIMIT = "3/60"

    responses = [started(engine, n) for n in range(4)]

    assert [response.status_code for response in responses] == [200, 200, 200, 429]
    refused = responses[-1]
    assert 1 <= int(refused["Retry-After"]) <= 60
    body = refused.json()
    assert set(body) == {"status", "message"}
    assert body["status"] == 429
    assert body["message"].startswith("Request was throttled.")
    assert sorted(EngineEvent.objects.values_list("event_id", flat=True)) == [
        "evt-0",
        "evt-1",
        "evt-2",
    ]


def test_each_key_has_its_own_count(engine, settings) -> None:
    settings.ENGINE_RATE_LIMIT = "1/60"
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Bearer {keys.issue_key(engine['account']).key}")

    assert started(engine, 1).status_code == 200
    assert started(engine, 2, client=other).status_code == 200
    assert started(engine, 3).status_code == 429


def test_it_is_apart_from_the_workable_apis_limit(engine, settings) -> None:
    settings.INBOUND_RATE_LIMIT = "1/60"
    settings.ENGINE_RATE_LIMIT = "600/60"

    assert [started(engine, n).status_code for n in range(3)] == [200, 200, 200]


def test_a_refused_key_is_not_counted(engine, settings) -> None:
    settings.ENGINE_RATE_LIMIT = "1/60"
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Bearer hvr_eng_unknown")

    assert started(engine, 1, client=stranger).status_code == 401
    assert started(engine, 2, client=stranger).status_code == 401
    assert post_event(engine, {"event_id": "evt-3", "type": "started"}).status_code == 200


def test_it_allows_requests_while_the_cache_is_down(
    engine, settings, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings.ENGINE_RATE_LIMIT = "1/60"

    def down(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", down)
    monkeypatch.setattr(cache, "add", down)

    assert [started(engine, n).status_code for n in range(3)] == [200, 200, 200]
    assert "Throttle unavailable (ConnectionError); request allowed." in caplog.text
