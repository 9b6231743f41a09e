"""Re-invitation and withdrawal end to end: real `celery worker` processes and the scheduler,
PostgreSQL, a private Redis broker and the stand-in Workable on 127.0.0.1.

An invitation expires, an admin re-invites the candidate (a fresh link by email, the old link a
clear 410, Workable told `pending` again after `expired`), then withdraws it (the new link says
so, Workable told `rejected`). The emails are the files the workers' mail backend writes.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from assessments import candidate_actions, lifecycle
from assessments.models import CandidateAssessment
from tests.e2e.test_deliveries import (  # noqa: F401 (fixtures)
    Run,
    infra,
    run,
    workable,
)
from tests.processes import wait_until

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]
Status = CandidateAssessment.Status


def emailed_links(run: Run, email: str) -> list[str]:  # noqa: F811
    """The candidate links in the emails the workers sent to `email`, oldest first."""
    mail = Path(run.infra.cluster.env["EMAIL_FILE_PATH"])
    if not mail.exists():
        return []
    links = []
    for path in sorted(mail.iterdir(), key=lambda path: path.stat().st_mtime_ns):
        text = path.read_text(errors="replace")
        if f"To: {email}" in text:
            links += re.findall(r"https?://\S+?(/assessment/[\w-]+/)", text)[:1]
    return links


def put_statuses(run: Run, email: str) -> list[str]:  # noqa: F811
    callback = f"/cb/{email.split('@')[0]}"
    return [
        arrival.body["status"]
        for arrival in run.workable.requests(method="PUT")
        if arrival.path == callback
    ]


def test_reinvite_then_withdraw_with_a_real_worker_and_workable(run: Run) -> None:  # noqa: F811
    # given an invitation emailed by a worker, Workable told `pending`, then expired
    integration, assessment, _ = run.integration()
    candidate = run.invite(integration, assessment)
    email = candidate.email
    assert wait_until(lambda: len(emailed_links(run, email)) == 1, timeout=30)
    assert wait_until(lambda: put_statuses(run, email) == ["pending"], timeout=30)
    lifecycle.record_status(candidate.pk, Status.EXPIRED, source="expiry")
    assert wait_until(lambda: put_statuses(run, email) == ["pending", "expired"], timeout=30)
    (old_link,) = emailed_links(run, email)
    client = Client()
    assert client.get(old_link).status_code == 410

    # when an admin re-invites the candidate
    candidate.refresh_from_db()
    outcome = candidate_actions.reinvite([candidate])
    assert outcome.done == [candidate]

    # then a worker emails a fresh link, Workable hears `pending` after `expired`,
    # the new link opens the assessment and the old one says it was replaced
    assert wait_until(lambda: len(emailed_links(run, email)) == 2, timeout=30)
    assert wait_until(
        lambda: put_statuses(run, email) == ["pending", "expired", "pending"], timeout=30
    )
    new_link = emailed_links(run, email)[-1]
    assert new_link != old_link
    assert client.get(new_link).status_code == 200
    replaced = client.get(old_link)
    assert (replaced.status_code, "This link has been replaced" in replaced.content.decode()) == (
        410,
        True,
    )

    # when the admin then withdraws it
    candidate.refresh_from_db()
    assert candidate_actions.withdraw([candidate]).done == [candidate]

    # then Workable hears `rejected` last, and the link says the invitation was withdrawn
    assert wait_until(
        lambda: put_statuses(run, email) == ["pending", "expired", "pending", "rejected"],
        timeout=30,
    )
    withdrawn = client.get(new_link)
    assert withdrawn.status_code == 410
    assert "This invitation has been withdrawn" in withdrawn.content.decode()
