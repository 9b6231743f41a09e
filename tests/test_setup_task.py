"""The background set-up task: records its progress, keeps the token for one display, and is
harmless when delivered twice or after a worker died."""

from __future__ import annotations

import datetime
import logging
from unittest import mock

import pytest
from django.contrib.auth.models import AnonymousUser, User
from django.utils import timezone

from harver_integration.tokens import hash_token
from integrations import services, tasks, token_reveal
from integrations.models import InboundToken, Integration
from tests.admin_support import private_cache  # noqa: F401
from tests.factories import UserFactory

pytestmark = pytest.mark.usefixtures("private_cache")


@pytest.fixture
def new_integration(account, assessments) -> Integration:
    return services.create_integration(account, "workable")


@pytest.fixture
def hannah(db) -> User:
    """The Harver Admin who added the integration."""
    return UserFactory.create(username="hannah", harver_admin=True)


def test_it_runs_every_step_and_keeps_the_token_for_one_display(new_integration, hannah, caplog):
    # given a new integration whose set-up has not run
    seen: list[str] = []
    record = tasks.record_setup_step

    def spy(integration_id: int, key: str, label: str) -> None:
        record(integration_id, key, label)
        seen.append(Integration.objects.get(pk=integration_id).setup_step)

    # when the task runs
    with mock.patch.object(tasks, "record_setup_step", spy), caplog.at_level(logging.DEBUG):
        tasks.run_integration_setup(new_integration.pk, hannah.pk)

    # then each step was recorded as it started, and the token waits, unlogged, for its display
    assert seen == [key for key, _ in services.SETUP_STEPS]
    new_integration.refresh_from_db()
    assert new_integration.setup_state == Integration.SetupState.READY
    token = token_reveal.pop(new_integration, hannah)
    assert token is not None
    assert hash_token(token) == InboundToken.objects.active().get().token_hash
    assert token not in caplog.text
    assert token_reveal.pop(new_integration, hannah) is None


def test_the_token_of_a_setup_waits_only_for_the_admin_who_asked_for_it(new_integration, hannah):
    # given a set-up Hannah started, and another Harver Admin
    tasks.run_integration_setup(new_integration.pk, hannah.pk)
    other = UserFactory.create(username="oscar", harver_admin=True)

    # then the other admin never gets the token, and Hannah still does
    assert token_reveal.pop(new_integration, other) is None
    assert token_reveal.pop(new_integration, AnonymousUser()) is None
    assert token_reveal.pop(new_integration, hannah) is not None


def test_it_does_nothing_when_delivered_again(new_integration):
    # given a set-up that already ran
    tasks.run_integration_setup(new_integration.pk)
    token_before = InboundToken.objects.get(integration=new_integration).token_hash

    # when the broker delivers the task again
    tasks.run_integration_setup(new_integration.pk)

    # then nothing was minted or changed
    assert list(InboundToken.objects.values_list("token_hash", flat=True)) == [token_before]


def test_it_leaves_a_running_setup_to_its_worker(new_integration):
    # given a set-up another worker is running right now
    Integration.objects.filter(pk=new_integration.pk).update(
        setup_state=Integration.SetupState.RUNNING, updated_at=timezone.now()
    )

    # when a second delivery arrives
    tasks.run_integration_setup(new_integration.pk)

    # then it stays out of the way
    assert not InboundToken.objects.filter(integration=new_integration).exists()


def test_it_takes_over_a_setup_abandoned_by_a_dead_worker(new_integration, settings):
    # given a set-up marked running long past the task time limit
    long_ago = timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 1)
    Integration.objects.filter(pk=new_integration.pk).update(
        setup_state=Integration.SetupState.RUNNING, updated_at=long_ago
    )

    # when the task is delivered again
    tasks.run_integration_setup(new_integration.pk)

    # then it finishes the set-up
    new_integration.refresh_from_db()
    assert new_integration.setup_state == Integration.SetupState.READY


def test_it_marks_the_setup_failed_at_the_failing_step(new_integration, hannah, caplog):
    # given listing the assessments breaks
    with (
        mock.patch.object(services, "sync_field_mappings", side_effect=RuntimeError("boom")),
        caplog.at_level(logging.ERROR),
    ):
        # when the task runs
        tasks.run_integration_setup(new_integration.pk, hannah.pk)

    # then the set-up is failed at that step, and the failure is logged without the token
    new_integration.refresh_from_db()
    assert new_integration.setup_state == Integration.SetupState.FAILED
    assert new_integration.setup_step == "assessments"
    assert f"Set-up of integration {new_integration.pk} failed" in caplog.text
    token = token_reveal.pop(new_integration, hannah)
    assert token is not None
    assert token not in caplog.text
