"""The note with its marker (§3.4) and the `Link` next-page rule (§3.7)."""

import pytest

from greenhouse.notes import marker, note_text, note_with_marker
from greenhouse.pagination import OffHostLink, next_page_url
from greenhouse.unconfirmed import note_body

BASE = "https://harvest.greenhouse.io/v3"


def test_the_note_ends_with_the_marker_of_its_result():
    text = note_text(
        assessment_name="Store Associate",
        recommendation="Great fit",
        score=82,
        summary="Strongest: Conscientiousness (91).",
        links=[("Signed report", "https://h.example/r/1"), ("PDF Report", "https://h.example/p/1")],
        result_id="5f0c1b9e",
    )
    assert text.splitlines() == [
        'Harver assessment "Store Associate" completed: Great fit, matching score 82/100.',
        "Strongest: Conscientiousness (91).",
        "Signed report: https://h.example/r/1",
        "PDF Report: https://h.example/p/1",
        "[harver:5f0c1b9e]",
    ]


def test_a_note_is_found_by_its_marker_only():
    notes: list[dict[str, object]] = [
        {"id": 1, "body": "Phone screen went well"},
        {"id": 2, "body": f"Harver …\n{marker('other')}"},
        {"id": 3, "body": f"Harver …\n{marker('5f0c1b9e')}"},
        {"id": 4, "body": None},
    ]
    assert note_with_marker(notes, "5f0c1b9e") == "3"
    assert note_with_marker(notes[:2], "5f0c1b9e") is None


def test_the_note_body_names_both_records_and_the_author():
    assert note_body(
        candidate_id=1, application_id=2, user_id=3, text="t", visibility="public"
    ) == {
        "candidate_id": 1,
        "application_id": 2,
        "user_id": 3,
        "body": "t",
        "visibility": "public",
        "note_type": "NOTE",
    }


@pytest.mark.parametrize(
    "header", [None, "", "  ", '<https://harvest.greenhouse.io/v3/users?cursor=a>; rel="prev"']
)
def test_no_next_link_is_the_last_page(header):
    assert next_page_url(header, BASE) is None


def test_the_next_link_is_followed_as_given():
    header = (
        '<https://harvest.greenhouse.io/v3/users?cursor=abc%3D>; rel="prev", '
        '<https://harvest.greenhouse.io/v3/users?cursor=xyz%3D>; rel="next"'
    )
    assert next_page_url(header, BASE) == "https://harvest.greenhouse.io/v3/users?cursor=xyz%3D"


@pytest.mark.parametrize(
    "url",
    [
        "http://harvest.greenhouse.io/v3/users?cursor=a",
        "https://harvest.greenhouse.io.evil.example/v3/users?cursor=a",
        "https://evil.example/v3/users?cursor=a#harvest.greenhouse.io",
        "https://user@harvest.greenhouse.io/v3/users?cursor=a",
        "https://harvest.greenhouse.io:8443/v3/users?cursor=a",
        "https://harvest.greenhouse.io/v1/users?cursor=a",
        "https://harvest.greenhouse.io/v3x/users?cursor=a",
        "https://127.0.0.1/v3/users?cursor=a",
    ],
)
def test_a_next_link_off_the_api_is_refused(url):
    with pytest.raises(OffHostLink, match=r"leaves https://harvest\.greenhouse\.io/v3"):
        next_page_url(f'<{url}>; rel="next"', BASE)


def test_a_loopback_sandbox_keeps_its_port():
    base = "http://127.0.0.1:5001/v3"
    assert next_page_url('<http://127.0.0.1:5001/v3/jobs?cursor=q>; rel="next"', base)
    with pytest.raises(OffHostLink):
        next_page_url('<http://127.0.0.1:5002/v3/jobs?cursor=q>; rel="next"', base)
