"""The engine refuses, with a JSON 400, event bodies it could not store as sent.

Found by fuzzing (tests/fuzz): the engine keeps each event's body as sent, and PostgreSQL's jsonb
refuses NUL characters, so an unknown field holding one was a 500. The JSON parser of every API
now refuses NUL characters and unpaired surrogates anywhere in a body.
"""

import pytest

from engine.models import EngineEvent
from tests.engine.conftest import events_url

MESSAGE = "The request body contains a NUL character or an unpaired surrogate."


@pytest.mark.parametrize(
    "extra",
    [
        '"note": "before\\u0000after"',
        '"before\\u0000after": 1',
        '"note": ["\\udc00"]',
        '"note": {"nested": "\\ud800 alone"}',
    ],
    ids=["nul-value", "nul-key", "lone-low-surrogate", "lone-high-surrogate"],
)
def test_it_refuses_text_it_could_not_store_with_400(engine, extra):
    text = '{"event_id": "evt-1", "type": "started", ' + extra + "}"

    response = engine["client"].post(
        events_url(engine["candidate_assessment"]), data=text, content_type="application/json"
    )

    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": MESSAGE}
    assert EngineEvent.objects.count() == 0


def test_it_keeps_ordinary_unicode_and_escaped_text(engine):
    body = {"event_id": "evt-1", "type": "started", "note": "Zoë 😀 \\u0000 written out"}

    response = engine["client"].post(
        events_url(engine["candidate_assessment"]), body, format="json"
    )

    assert response.status_code == 200
    assert EngineEvent.objects.get().payload["note"] == "Zoë 😀 \\u0000 written out"
