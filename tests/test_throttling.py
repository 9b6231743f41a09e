"""The per-integration throttle: one count per window, shared through the cache by every process."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from integrations.throttling import IntegrationRateThrottle
from tests.factories import ready_integration


@pytest.fixture
def request_of(integration):
    request = APIRequestFactory().get("/api/workable/tests")
    request.auth = integration
    return request


def test_it_allows_the_limit_then_refuses_with_the_time_left(settings, request_of):
    settings.INBOUND_RATE_LIMIT = "3/60"
    throttle = IntegrationRateThrottle()

    allowed = [throttle.allow_request(request_of, None) for _ in range(4)]

    assert allowed == [True, True, True, False]
    assert 1 <= throttle.wait() <= 60


def test_it_counts_from_a_window_another_process_started(settings, request_of, monkeypatch):
    # given another process creating the window's key between our increment and our add
    settings.INBOUND_RATE_LIMIT = "2/60"
    throttle = IntegrationRateThrottle()
    real_add = cache.add

    def add_after_the_other_process(key, value, timeout):
        real_add(key, 1, timeout)
        return real_add(key, value, timeout)

    monkeypatch.setattr(cache, "add", add_after_the_other_process)

    # then our request is the second of the window, not a fresh first
    assert throttle.allow_request(request_of, None) is True
    monkeypatch.undo()
    assert throttle.allow_request(request_of, None) is False


def test_it_keeps_integrations_apart(settings, request_of, account):
    settings.INBOUND_RATE_LIMIT = "1/60"
    throttle = IntegrationRateThrottle()
    other = APIRequestFactory().get("/api/workable/tests")
    other.auth = ready_integration(account)

    assert throttle.allow_request(request_of, None) is True
    assert throttle.allow_request(other, None) is True
    assert throttle.allow_request(request_of, None) is False


def test_it_allows_requests_while_the_cache_is_down(settings, request_of, monkeypatch, caplog):
    settings.INBOUND_RATE_LIMIT = "1/60"

    def down(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(cache, "incr", down)

    assert IntegrationRateThrottle().allow_request(request_of, None) is True
    assert "Throttle unavailable (ConnectionError)" in caplog.text
