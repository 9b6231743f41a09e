"""No token we issue reaches a log, even when it travels in a URL path that Django logs."""

import logging

import pytest
from django.test import Client

from harver_integration.logs import redact_issued_tokens
from harver_integration.tokens import ATS_TOKEN


def test_issued_tokens_are_redacted_and_other_text_kept():
    token = ATS_TOKEN.mint()
    assert redact_issued_tokens(f"Not Found: /api/x/webhooks/{token}") == (
        "Not Found: /api/x/webhooks/hvr_ats_[redacted]"
    )
    assert redact_issued_tokens("hvr_ats_ alone, wk-token-1234") == "hvr_ats_ alone, wk-token-1234"


@pytest.mark.django_db
def test_a_refused_request_with_a_token_in_its_path_is_logged_without_it(caplog):
    token = ATS_TOKEN.mint()
    caplog.set_level(logging.DEBUG)

    response = Client().get(f"/no-such-page/{token}")

    assert response.status_code == 404
    assert "Not Found: /no-such-page/hvr_ats_[redacted]" in caplog.text
    assert token not in caplog.text
