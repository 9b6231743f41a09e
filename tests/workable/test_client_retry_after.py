"""Retry-After and X-Rate-Limit-Reset are honoured, within a day."""

import pytest
from requests.structures import CaseInsensitiveDict

from integrations.http import MAX_RETRY_AFTER_SECONDS, retry_after_seconds


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        pytest.param({"Retry-After": "7"}, 7.0, id="seconds"),
        pytest.param({"Retry-After": "999999999999"}, MAX_RETRY_AFTER_SECONDS, id="absurd-seconds"),
        pytest.param(
            {"X-Rate-Limit-Reset": "99999999999999"}, MAX_RETRY_AFTER_SECONDS, id="far-reset"
        ),
        pytest.param({}, None, id="none"),
    ],
)
def test_it_reads_the_wait_and_caps_it_at_a_day(headers, expected):
    assert retry_after_seconds(CaseInsensitiveDict(headers), "X-Rate-Limit-Reset") == expected
