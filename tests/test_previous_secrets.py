"""A secret that `keeps_previous` keeps the value it replaced, with when, for a grace period."""

import datetime

import pytest
from django.utils import timezone

from integrations import services
from integrations.models import AtsCredential
from tests import factories
from tests.stage_provider import KEY

pytestmark = pytest.mark.django_db


@pytest.fixture
def staged(stage_provider, account, assessments):
    return factories.ready_integration(account, provider=KEY)


def credential(integration):
    return AtsCredential.objects.get(integration=integration)


def test_a_replaced_signing_key_stays_readable_with_the_moment_it_was_replaced(staged):
    services.set_ats_credentials(staged, signing_key="first-signing-key-0001")
    before = timezone.now()
    services.set_ats_credentials(staged, signing_key="second-signing-key-0002")

    stored = credential(staged)
    previous = stored.previous_secret("signing_key")
    assert stored.secret("signing_key") == "second-signing-key-0002"
    assert previous is not None
    assert previous.value == "first-signing-key-0001"
    assert before <= previous.replaced_at <= timezone.now()
    assert "first-signing-key-0001" not in str(stored.secrets)


def test_saving_the_same_value_replaces_nothing(staged):
    services.set_ats_credentials(staged, signing_key="first-signing-key-0001")
    services.set_ats_credentials(staged, signing_key="first-signing-key-0001")
    assert credential(staged).previous_secret("signing_key") is None


def test_only_the_last_replaced_value_is_kept(staged):
    for value in ("key-one-000000001", "key-two-000000002", "key-three-0000003"):
        services.set_ats_credentials(staged, signing_key=value)
    previous = credential(staged).previous_secret("signing_key")
    assert previous is not None
    assert previous.value == "key-two-000000002"
    assert previous.replaced_at <= timezone.now() + datetime.timedelta(seconds=1)


def test_other_secrets_keep_nothing(staged):
    services.set_ats_credentials(staged, api_key="api-key-one-00000001")
    services.set_ats_credentials(staged, api_key="api-key-two-00000002")
    assert credential(staged).previous_secret("api_key") is None
