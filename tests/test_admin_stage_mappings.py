"""The Assessments tab's stage mappings and ATS pickers, for an ATS that invites by stage."""

from __future__ import annotations

from html import unescape

import pytest
from django.test import Client

from integrations.models import Integration, StageMapping
from integrations.transport import TransientError
from tests import factories
from tests.admin_support import integration_url, private_cache, staff_member  # noqa: F401
from tests.stage_provider import KEY

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("private_cache")]
ASSESSMENTS_TAB = "harver_to_ats=assessments"


@pytest.fixture
def staged(stage_provider, account, assessments):
    return factories.ready_integration(account, provider=KEY)


@pytest.fixture
def admin_client(account):
    client = Client()
    client.force_login(staff_member(account, username="hannah"))
    return client


def test_the_tab_offers_the_ats_stages_jobs_and_fields(admin_client, staged):
    page = admin_client.get(integration_url("overview", staged, ASSESSMENTS_TAB))
    text = unescape(page.content.decode())

    assert page.status_code == 200
    assert "Stages that invite" in text
    assert '<option value="Harver Assessment">' in text
    assert '<option value="3485">Designer</option>' in text
    assert '<option value="field:score">Score (number)</option>' in text
    assert 'list="ats-field-options"' in text
    assert "No stage is mapped yet: enabling needs one." in text


def test_a_stage_mapping_is_added_and_removed(admin_client, staged, assessments):
    url = integration_url("stages", staged, ASSESSMENTS_TAB)
    added = admin_client.post(
        url, {"stage_name": "harver assessment", "job_id": "3485", "assessment": assessments[1].pk}
    )
    assert added.status_code == 302
    mapping = StageMapping.objects.get()
    assert (mapping.stage_name, mapping.job_id, mapping.job_name, mapping.assessment) == (
        "harver assessment",
        "3485",
        "Designer",
        assessments[1],
    )
    page = unescape(admin_client.get(added["Location"]).content.decode())
    assert f"The stage mapping {mapping} was saved." in page
    assert f'data-stage-mapping="{mapping.pk}"' in page
    assert "Designer" in page

    removed = admin_client.post(url, {"remove": mapping.pk})
    assert removed.status_code == 302
    assert not StageMapping.objects.exists()


@pytest.mark.parametrize("mapping_id", ["²", "99999999999999999999999", "abc"])
def test_removing_a_stage_mapping_by_an_odd_id_is_refused(
    admin_client, staged, assessments, mapping_id
):
    url = integration_url("stages", staged, ASSESSMENTS_TAB)

    assert admin_client.post(url, {"remove": mapping_id}).status_code == 403


def test_a_refused_stage_mapping_shows_why(admin_client, staged, assessments):
    url = integration_url("stages", staged, ASSESSMENTS_TAB)
    page = admin_client.post(url, {"stage_name": " ", "assessment": assessments[0].pk})
    assert page.status_code == 200
    assert "This field is required." in page.content.decode()
    assert not StageMapping.objects.exists()


def test_a_listing_that_fails_leaves_the_page_usable(admin_client, staged, stage_provider):
    stage_provider.listing_fails = True
    page = admin_client.get(integration_url("overview", staged, ASSESSMENTS_TAB))
    text = unescape(page.content.decode())
    assert page.status_code == 200
    assert (
        "The Stage ATS stages and fields could not be listed: Stage ATS did not answer within 1 s."
        in text
    )
    assert text.count("could not be listed") == 1
    assert 'id="stage-form"' in text


def test_a_listing_that_fails_alone_is_named_alone(
    admin_client, staged, stage_provider, monkeypatch
):
    def stages_unreachable(integration):
        raise TransientError("the stages are not there.")

    monkeypatch.setattr(stage_provider, "stage_options", stages_unreachable)
    page = admin_client.get(integration_url("overview", staged, ASSESSMENTS_TAB))
    text = unescape(page.content.decode())
    assert page.status_code == 200
    assert "The Stage ATS stages could not be listed: the stages are not there." in text
    assert "fields could not be listed" not in text
    assert '<option value="field:score">Score (number)</option>' in text


def test_an_ats_without_stages_shows_no_stage_section(admin_client, integration):
    page = admin_client.get(integration_url("overview", integration, ASSESSMENTS_TAB))
    assert page.status_code == 200
    assert "Stages that invite" not in page.content.decode()


def test_an_enabled_integration_says_what_makes_it_invite(admin_client, staged, integration):
    Integration.objects.filter(pk__in=[staged.pk, integration.pk]).update(is_enabled=True)

    by_stage = admin_client.get(integration_url("overview", staged)).content.decode()
    by_call = admin_client.get(integration_url("overview", integration)).content.decode()

    assert "an application entering a mapped Stage ATS stage invites its candidate" in by_stage
    assert "can list Harver assessments" not in by_stage
    assert "can list Harver assessments and invite candidates" in by_call


def test_a_job_mapped_while_the_ats_cannot_list_jobs_is_saved_without_its_name(
    admin_client, staged, stage_provider, assessments, monkeypatch
):
    def stages_unreachable(integration):
        raise TransientError("the stages are not there.")

    monkeypatch.setattr(stage_provider, "stage_options", stages_unreachable)
    added = admin_client.post(
        integration_url("stages", staged, ASSESSMENTS_TAB),
        {"stage_name": "Assessment", "job_id": "3485", "assessment": assessments[0].pk},
    )

    assert added.status_code == 302
    assert StageMapping.objects.values_list("job_id", "job_name").get() == ("3485", "")
