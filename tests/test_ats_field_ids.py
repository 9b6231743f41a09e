"""A provider may refuse ATS Field Ids that cannot name one of its fields."""

import pytest

from integrations import services
from integrations.services import IntegrationError
from tests import factories
from tests.stage_provider import KEY

pytestmark = pytest.mark.django_db


def test_a_provider_refuses_a_field_id_of_the_wrong_shape(stage_provider, account, assessments):
    integration = factories.ready_integration(account, provider=KEY)
    with pytest.raises(IntegrationError) as refused:
        services.map_field(
            integration, assessment=assessments[0], score="overall", ats_field_id="harver_score"
        )
    assert refused.value.problems == [
        'A Stage ATS field id starts with "field:"; got "harver_score".'
    ]
    mapping = services.map_field(
        integration, assessment=assessments[0], score="overall", ats_field_id="field:score"
    )
    assert mapping.ats_field_id == "field:score"


def test_switching_a_mapping_off_needs_no_valid_field_id(stage_provider, account, assessments):
    integration = factories.ready_integration(account, provider=KEY)
    mapping = services.map_field(
        integration, assessment=assessments[0], score="overall", ats_field_id="", send_status=False
    )
    assert not mapping.send_status
