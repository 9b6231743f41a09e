"""The deliveries in the admin: timelines, replays with a count first, health, verification."""

from __future__ import annotations

import datetime
from html import unescape

import pytest
import responses
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Account
from integrations.models import AtsCredential, Delivery, DeliveryAttempt, Integration
from integrations.outbox import health, requeue
from integrations.outbox.outcomes import BatchOutcome
from tests import factories
from tests.admin_support import (  # noqa: F401 (fixtures)
    integration_url,
    private_cache,
    staff_member,
)
from tests.workable.delivery_support import (
    CALLBACK_URL,
    SPI,
    WORKABLE_TOKEN,
    configure,
    invite,
    invited_fixture,  # noqa: F401
    reload,
    run,
)
from tests.workable.test_verification import workable_answers

pytestmark = pytest.mark.usefixtures("private_cache")
State = Delivery.State


@pytest.fixture
def admin_client(client: Client, invited) -> Client:
    client.force_login(staff_member(invited.integration.account, username="hannah"))
    return client


def failed(invited, *, status: int = 500) -> Delivery:
    [pending] = invited.deliveries()
    with responses.RequestsMock() as mock:
        mock.put(CALLBACK_URL, status=status, json={"error": "nope"})
        run(pending)
    delivery = reload(pending)
    Delivery.objects.filter(pk=delivery.pk).update(state=State.FAILED, finished_at=timezone.now())
    return reload(delivery)


def test_the_timeline_shows_each_delivery_attempt_by_attempt(admin_client, invited):
    delivery = failed(invited)
    invited.complete()

    for query in (
        f"integration={invited.integration.pk}",
        f"candidate_assessment={invited.candidate_assessment.pk}",
    ):
        response = admin_client.get(f"{reverse('admin:integrations_delivery_timeline')}?{query}")
        page = response.content.decode()
        assert response.status_code == 200
        assert f"#{delivery.pk} Status pending" in page
        assert "Attempt 1: Failed, will retry" in page
        assert f"PUT {CALLBACK_URL}" in page
        assert "Timeline note" in page
        assert WORKABLE_TOKEN not in page


def test_the_delivery_page_shows_the_body_and_attempts_and_offers_replay(admin_client, invited):
    delivery = failed(invited)

    page = admin_client.get(
        reverse("admin:integrations_delivery_change", args=[delivery.pk])
    ).content.decode()

    assert "&quot;status&quot;: &quot;pending&quot;" in page
    assert 'id="replay-delivery"' in page
    assert "HTTP 500" in page
    assert WORKABLE_TOKEN not in page


def test_replaying_one_delivery_asks_first_then_sends_exactly_one_attempt(admin_client, invited):
    delivery = failed(invited)
    url = reverse("admin:integrations_delivery_replay", args=[delivery.pk])

    confirmation = admin_client.get(url)
    assert confirmation.status_code == 200
    assert "sends it 1 more time" in confirmation.content.decode()
    assert reload(delivery).state == State.FAILED

    admin_client.post(url)
    assert reload(delivery).state == State.PENDING
    with responses.RequestsMock() as mock:
        mock.put(CALLBACK_URL, json={})
        assert run(delivery) == BatchOutcome.SUCCEEDED
        assert len(mock.calls) == 1
    assert reload(delivery).attempts.count() == 2


def test_replaying_failed_since_a_day_shows_the_count_before_confirming(admin_client, invited):
    failed(invited)
    old = Delivery.objects.create(
        integration=invited.integration,
        candidate_assessment=invited.candidate_assessment,
        kind=Delivery.Kind.COMMENT,
        label="Timeline note",
        state=State.FAILED,
        next_attempt_at=timezone.now(),
        finished_at=timezone.now() - datetime.timedelta(days=10),
    )
    url = reverse("admin:integrations_delivery_replay_failed")
    today = timezone.now().date()
    query = {"integration": invited.integration.pk, "since": today.isoformat()}

    counted = admin_client.get(url, query).content.decode()
    assert "1 failed delivery" in counted
    assert Delivery.objects.filter(state=State.FAILED).count() == 2

    admin_client.post(url, {**query, "confirm": "yes"})
    assert Delivery.objects.filter(state=State.FAILED).get() == old


def test_only_harver_admins_replay(client, invited):
    delivery = failed(invited)
    client.force_login(
        staff_member(invited.integration.account, username="viewer", harver_admin=False)
    )

    assert (
        client.post(reverse("admin:integrations_delivery_replay", args=[delivery.pk])).status_code
        == 403
    )
    assert reload(delivery).state == State.FAILED


def test_other_accounts_deliveries_do_not_exist(client, invited):
    delivery = failed(invited)
    stranger = factories.AccountFactory.create(name="Other")
    client.force_login(staff_member(stranger, username="stranger"))

    urls = [
        reverse("admin:integrations_delivery_change", args=[delivery.pk]),
        reverse("admin:integrations_delivery_replay", args=[delivery.pk]),
        f"{reverse('admin:integrations_delivery_timeline')}?integration={invited.integration.pk}",
        f"{reverse('admin:integrations_delivery_timeline')}"
        f"?candidate_assessment={invited.candidate_assessment.pk}",
    ]
    assert [client.get(url).status_code for url in urls] == [404] * 4


def test_the_integration_list_shows_health_and_filters_failing(admin_client, invited):
    failed(invited)
    healthy_account = Account.objects.create(name="Healthy Co")
    healthy_account.members.add(*invited.integration.account.members.all())
    configure(healthy_account, token="wk-other-token-0000")
    url = reverse("admin:integrations_integration_changelist")

    page = admin_client.get(url).content.decode()
    failing = admin_client.get(url, {"failing": "yes"}).context["cl"].result_list

    assert "1 failed attempt(s) in 24 h" in page
    assert "no success yet" in page
    assert [integration.pk for integration in failing] == [invited.integration.pk]
    assert WORKABLE_TOKEN not in page


def test_the_integration_list_costs_the_same_queries_with_many_deliveries(admin_client, invited):
    url = reverse("admin:integrations_integration_changelist")
    admin_client.get(url)
    with CaptureQueriesContext(connection) as few:
        admin_client.get(url)
    for number in range(20):
        candidate = invite(invited.integration, invited.assessment, f"c{number}@example.com")
        DeliveryAttempt.objects.create(
            delivery=Delivery.objects.filter(candidate_assessment=candidate).get(),
            integration=invited.integration,
            number=1,
            started_at=timezone.now(),
            outcome=DeliveryAttempt.Outcome.SUCCEEDED,
        )

    with CaptureQueriesContext(connection) as many:
        response = admin_client.get(url)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert "last success" in response.content.decode()


def test_the_overview_links_to_deliveries_and_verification(admin_client, invited):
    page = admin_client.get(integration_url("overview", invited.integration)).content.decode()

    assert f"?integration={invited.integration.pk}" in page
    assert integration_url("verify", invited.integration) in page


@responses.activate
def test_verify_credentials_names_problems_and_offers_the_member_list(admin_client, invited):
    workable_answers(
        members=[{"id": "m9", "name": "Nina Note", "email": "nina@acme.test"}],
        attributes=[{"key": "harver_c"}],
    )
    url = integration_url("verify", invited.integration)

    page = admin_client.post(url).content.decode()

    assert "2 problems found" in page
    assert "is not a member of this Workable account" in page
    assert "the ATS Field Id &#x27;harver_score&#x27; is not a custom attribute" in page
    assert "Nina Note (nina@acme.test)" in page
    assert WORKABLE_TOKEN not in page
    assert all(str(call.request.url).startswith(SPI) for call in responses.calls)

    # when the admin picks the note author from the list
    admin_client.post(
        integration_url("note_author", invited.integration), {"note_author_member_id": "m9"}
    )

    # then it is saved, and the last check is shown without asking Workable again
    credential = AtsCredential.objects.get(integration=invited.integration)
    assert credential.value("note_author_member_id") == "m9"
    calls = len(responses.calls)
    last = admin_client.get(url)
    assert last.status_code == 200
    assert len(responses.calls) == calls
    checked_at = datetime.datetime.fromisoformat(credential.verification["checked_at"])
    when = date_format(timezone.localtime(checked_at), "DATETIME_FORMAT")
    assert f"Last checked {when}: 2 problems." in unescape(last.content.decode())


def test_a_member_outside_the_list_is_refused(admin_client, invited):
    admin_client.post(
        integration_url("note_author", invited.integration), {"note_author_member_id": "who"}
    )

    credential = AtsCredential.objects.get(integration=invited.integration)
    assert credential.value("note_author_member_id") != "who"


def test_replay_refuses_a_pending_delivery(admin_client, invited):
    [pending] = invited.deliveries()

    response = admin_client.post(
        reverse("admin:integrations_delivery_replay", args=[pending.pk]), follow=True
    )

    assert "Only failed or succeeded deliveries can be replayed" in response.content.decode()
    assert not requeue.replay(pending)


def test_integration_health_annotations_count_only_the_last_day(invited):
    delivery = failed(invited)
    DeliveryAttempt.objects.filter(delivery=delivery).update(
        started_at=timezone.now() - datetime.timedelta(days=2)
    )

    annotated = health.with_delivery_health(Integration.objects.filter(pk=invited.integration.pk))

    assert annotated.get().delivery_failures_24h == 0
