"""The candidate experience on an assessment's admin page: window, reminders, language."""

from __future__ import annotations

from django.test import Client

from tests.test_questionnaire_admin import (  # noqa: F401 (fixture)
    change_form,
    harver_admin_client,
    url,
)


def test_it_saves_the_window_reminders_and_language(harver_admin_client) -> None:  # noqa: F811
    client, assessment = harver_admin_client

    response = client.post(
        url(assessment),
        change_form(
            assessment,
            [],
            completion_days=5,
            reminder_hours_before="48, 24",
            reminder_days_after=2,
            language="nl",
        ),
    )

    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.completion_days == 5
    assert assessment.reminder_hours_before == [48, 24]
    assert (assessment.reminder_days_after, assessment.language) == (2, "nl")
    page = client.get(url(assessment)).content.decode()
    assert 'value="48, 24"' in page
    assert "Candidate experience" in page


def test_it_refuses_reminders_outside_the_window_and_unknown_text(
    harver_admin_client,  # noqa: F811
) -> None:
    client: Client
    client, assessment = harver_admin_client

    outside = client.post(
        url(assessment),
        change_form(assessment, [], completion_days=1, reminder_hours_before="30"),
    )
    garbled = client.post(
        url(assessment), change_form(assessment, [], reminder_hours_before="two days")
    )
    unknown_language = client.post(url(assessment), change_form(assessment, [], language="xx"))

    assert "outside the completion window: give 1 to 23." in outside.content.decode()
    assert "&#x27;two days&#x27; is not a whole number of hours." in garbled.content.decode()
    assert "Select a valid choice. xx is not one of the available choices." in (
        unknown_language.content.decode()
    )
    assessment.refresh_from_db()
    assert assessment.reminder_hours_before == []
