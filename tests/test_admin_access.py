"""Who may see and change what in the admin: other accounts' rows are 404, configuring is for
the "Harver Admin" group, superusers see everything."""

from __future__ import annotations

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from accounts.models import Account
from assessments.models import Assessment
from integrations import services
from integrations.models import AtsCredential, Integration
from tests import factories
from tests.admin_support import (
    eager_celery,
    integration_url,
    private_cache,  # noqa: F401
    staff_member,
)

pytestmark = pytest.mark.usefixtures("private_cache")

# Every page and action of one integration: (label, method, url name, POST data).
INTEGRATION_ENDPOINTS = [
    ("change page", "GET", "change", {}),
    ("delete page", "GET", "delete", {}),
    ("delete", "POST", "delete", {"post": "yes"}),
    ("history", "GET", "history", {}),
    ("overview", "GET", "overview", {}),
    ("overview ATS to Harver tab", "GET", "overview?credentials=ats-to-harver", {}),
    ("overview Reports tab", "GET", "overview?harver_to_ats=reports", {}),
    ("setup page", "GET", "setup", {}),
    ("setup status", "GET", "setup_status", {}),
    ("setup retry", "POST", "setup_retry", {}),
    ("save pattern", "POST", "pattern", {"pattern": "ats_first_ad_hoc"}),
    ("enable", "POST", "toggle", {"enable": "on"}),
    ("disable", "POST", "toggle", {"enable": "off"}),
    ("save Harver to ATS", "POST", "harver_to_ats", {"subdomain": "evil", "token": "x" * 20}),
    ("rotate confirmation", "GET", "rotate", {}),
    ("rotate", "POST", "rotate", {}),
    ("save Assessments", "POST", "assessments", {}),
    ("refresh Assessments", "POST", "assessments_refresh", {}),
    (
        "save Reports",
        "POST",
        "reports",
        {"signed_report": "on", "results_link": "signed_report", "link_lifetime_days": "5"},
    ),
]
MODEL_ENDPOINTS = [
    ("change page", "GET", "change", {}),
    ("change", "POST", "change", {"name": "Renamed"}),
    ("delete page", "GET", "delete", {}),
    ("delete", "POST", "delete", {"post": "yes"}),
    ("history", "GET", "history", {}),
]


def _integration_endpoint_url(name: str, integration: Integration) -> str:
    name, _, query = name.partition("?")
    if name in ("change", "delete", "history"):
        url = reverse(f"admin:integrations_integration_{name}", args=[integration.pk])
        return f"{url}?{query}" if query else url
    return integration_url(name, integration, query)


def _request(client: Client, method: str, url: str, data: dict[str, str]):
    return client.post(url, data) if method == "POST" else client.get(url)


@pytest.fixture
def account_b(db: None) -> Account:
    account = factories.AccountFactory.create(name="Other Customer")
    factories.AssessmentFactory.create(account=account, name="Other Assessment")
    return account


@pytest.fixture
def integration_b(account_b: Account) -> Integration:
    integration = factories.ready_integration(account_b)
    services.set_ats_credentials(integration, subdomain="other", token="other-workable-token")
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)
    integration.refresh_from_db()
    return integration


@pytest.fixture
def staff_a(client: Client, integration: Integration) -> Client:
    """A Harver Admin of the first account (not of account B), logged in."""
    client.force_login(staff_member(integration.account, username="alice"))
    return client


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [endpoint[1:] for endpoint in INTEGRATION_ENDPOINTS],
    ids=[endpoint[0] for endpoint in INTEGRATION_ENDPOINTS],
)
def test_it_answers_404_for_every_page_and_action_of_another_accounts_integration(
    staff_a, integration_b, method, name, data
):
    # given a Harver Admin of account A and an enabled integration of account B
    token_before = integration_b.inbound_tokens.active().get().token_hash

    # when they open or post to one of its pages
    with eager_celery():
        response = _request(staff_a, method, _integration_endpoint_url(name, integration_b), data)

    # then it does not exist for them, and nothing changed
    assert response.status_code == 404
    integration_b.refresh_from_db()
    assert integration_b.is_enabled
    assert integration_b.inbound_tokens.active().get().token_hash == token_before
    assert AtsCredential.objects.get(integration=integration_b).value("subdomain") == "other"


@pytest.mark.parametrize("model", ["assessment", "account"])
@pytest.mark.parametrize(
    ("method", "name", "data"),
    [endpoint[1:] for endpoint in MODEL_ENDPOINTS],
    ids=[endpoint[0] for endpoint in MODEL_ENDPOINTS],
)
def test_it_answers_404_for_every_page_of_another_accounts_assessment_and_account(
    staff_a, account_b, model, method, name, data
):
    # given a Harver Admin of account A, and account B with an assessment
    assessment = account_b.assessments.get()
    obj = assessment if model == "assessment" else account_b
    app = "assessments" if model == "assessment" else "accounts"
    url = reverse(f"admin:{app}_{model}_{name}", args=[obj.pk])

    # when they open or post to one of its pages
    response = _request(staff_a, method, url, data)

    # then it does not exist for them, and nothing changed
    assert response.status_code == 404
    assert Assessment.objects.filter(pk=assessment.pk, name="Other Assessment").exists()
    assert Account.objects.filter(pk=account_b.pk, name="Other Customer").exists()


@pytest.mark.parametrize(
    ("changelist", "action"),
    [
        ("integrations_integration", "disable_selected"),
        ("integrations_integration", "delete_selected"),
        ("assessments_assessment", "delete_selected"),
    ],
)
def test_it_answers_404_to_a_bulk_action_naming_another_accounts_row(
    staff_a, integration, integration_b, changelist, action
):
    # given a Harver Admin of account A selecting their own row and one of account B
    other = (
        integration_b
        if changelist.startswith("integrations")
        else integration_b.account.assessments.get()
    )
    own = (
        integration
        if changelist.startswith("integrations")
        else integration.account.assessments.first()
    )

    # when they run a bulk action on both
    response = staff_a.post(
        reverse(f"admin:{changelist}_changelist"),
        {"action": action, ACTION_CHECKBOX_NAME: [own.pk, other.pk], "index": 0, "post": "yes"},
    )

    # then the whole action is refused as not found, and B's row is untouched
    assert response.status_code == 404
    assert type(other).objects.filter(pk=other.pk).exists()
    integration_b.refresh_from_db()
    assert integration_b.is_enabled


@pytest.mark.parametrize("odd_id", ["²", "٣", "99999999999999999999999", "9" * 400])
def test_it_answers_404_to_a_bulk_action_naming_an_odd_id(staff_a, integration, odd_id):
    # given an enabled integration of a Harver Admin's account
    Integration.objects.filter(pk=integration.pk).update(is_enabled=True)

    # when they run a bulk action on it and on an id that is none
    response = staff_a.post(
        reverse("admin:integrations_integration_changelist"),
        {"action": "disable_selected", ACTION_CHECKBOX_NAME: [integration.pk, odd_id]},
    )

    # then the action is refused as not found, and their row is untouched
    assert response.status_code == 404
    integration.refresh_from_db()
    assert integration.is_enabled


@pytest.mark.parametrize(
    "changelist",
    ["integrations_integration", "assessments_assessment", "accounts_account"],
)
def test_it_lists_only_the_staff_users_own_accounts(
    staff_a, integration, integration_b, changelist
):
    # given integrations, assessments and accounts of A and B

    # when a Harver Admin of A opens a list, also filtered on B's account
    listed = staff_a.get(reverse(f"admin:{changelist}_changelist"))
    filtered = staff_a.get(
        reverse(f"admin:{changelist}_changelist"),
        {
            "account__id__exact"
            if changelist != "accounts_account"
            else "id": integration_b.account_id
        },
    )

    # then only A's rows are there
    assert listed.status_code == 200
    assert integration.account.name in listed.content.decode()
    assert "Other Customer" not in listed.content.decode()
    assert "Other Assessment" not in listed.content.decode()
    assert "Other Customer" not in filtered.content.decode()


def test_it_offers_only_the_staff_users_accounts_when_adding(
    staff_a, integration, integration_b, django_capture_on_commit_callbacks
):
    # given a Harver Admin of A
    before = Integration.objects.count()

    # when they look at the add form and post account B anyway
    page = staff_a.get(reverse("admin:integrations_integration_add"))
    with eager_celery(), django_capture_on_commit_callbacks(execute=True):
        response = staff_a.post(
            reverse("admin:integrations_integration_add"),
            {"account": integration_b.account_id, "provider": "workable"},
        )

    # then B is not offered, the post is refused, and nothing was created
    assert "Other Customer" not in page.content.decode()
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert Integration.objects.count() == before


def test_it_refuses_to_move_an_assessment_into_another_account(staff_a, integration, account_b):
    # given a Harver Admin of A and one of A's assessments
    assessment = integration.account.assessments.first()

    # when they post it with B as its account
    response = staff_a.post(
        reverse("admin:assessments_assessment_change", args=[assessment.pk]),
        {
            "account": account_b.pk,
            "name": assessment.name,
            "job_code": assessment.job_code,
            "is_active": "on",
            "completion_days": 14,
            "competencies-TOTAL_FORMS": 0,
            "competencies-INITIAL_FORMS": 0,
        },
    )

    # then the form refuses it
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assessment.refresh_from_db()
    assert assessment.account_id == integration.account_id


def test_it_ignores_field_mapping_rows_of_another_integration(staff_a, integration, integration_b):
    # given a mapping row of B's integration
    other_row = integration_b.field_mappings.first()

    # when A's Harver Admin posts values for it through A's Assessments tab
    response = staff_a.post(
        integration_url("assessments", integration),
        {f"send_{other_row.pk}": "on", f"field_{other_row.pk}": "hijacked"},
    )

    # then A's tab is saved and B's row is untouched
    assert response.status_code == 302
    other_row.refresh_from_db()
    assert other_row.ats_field_id == ""
    assert not other_row.send_status


@pytest.fixture
def viewer(client: Client, integration: Integration) -> Client:
    """A staff member of the account who is not in the "Harver Admin" group, logged in."""
    client.force_login(staff_member(integration.account, username="victor", harver_admin=False))
    return client


@pytest.mark.parametrize(
    ("method", "name", "data"),
    [endpoint[1:] for endpoint in INTEGRATION_ENDPOINTS if endpoint[1] == "POST"]
    + [("GET", "rotate", {}), ("GET", "delete", {})],
    ids=[endpoint[0] for endpoint in INTEGRATION_ENDPOINTS if endpoint[1] == "POST"]
    + ["rotate confirmation", "delete page"],
)
def test_it_refuses_changes_to_staff_outside_the_harver_admin_group(
    viewer, integration, method, name, data
):
    # given a staff member of the account outside "Harver Admin"
    token_before = integration.inbound_tokens.active().get().token_hash

    # when they post to any action of the account's integration
    with eager_celery():
        response = _request(viewer, method, _integration_endpoint_url(name, integration), data)

    # then they are refused and nothing changed
    assert response.status_code == 403
    integration.refresh_from_db()
    assert not integration.is_enabled
    assert integration.inbound_tokens.active().get().token_hash == token_before
    assert not AtsCredential.objects.get(integration=integration).value("subdomain")


def test_it_shows_the_overview_read_only_to_staff_outside_the_harver_admin_group(
    viewer, integration
):
    # given a staff member of the account outside "Harver Admin"

    # when they open the list, the add page and the overview
    listed = viewer.get(reverse("admin:integrations_integration_changelist"))
    add = viewer.get(reverse("admin:integrations_integration_add"))
    page = viewer.get(integration_url("overview", integration))

    # then they see the integration, cannot add one, and get no way to change it
    assert listed.status_code == 200
    assert "Add new integration" not in listed.content.decode()
    assert add.status_code == 403
    assert page.status_code == 200
    content = page.content.decode()
    assert "only members of the Harver Admin group can configure it" in content
    assert 'id="rotate-token"' not in content
    assert 'type="submit" class="default" value="Save"' not in content


def test_it_refuses_assessment_changes_to_staff_outside_the_harver_admin_group(viewer, integration):
    # given a staff member outside "Harver Admin" and one of their account's assessments
    assessment = integration.account.assessments.first()

    # when they post a change
    response = viewer.post(
        reverse("admin:assessments_assessment_change", args=[assessment.pk]),
        {"account": integration.account_id, "name": "Renamed", "job_code": "X"},
    )

    # then they are refused
    assert response.status_code == 403
    assessment.refresh_from_db()
    assert assessment.name != "Renamed"


def test_it_shows_every_account_to_a_superuser(client, integration, integration_b):
    # given a superuser in no account
    superuser = factories.UserFactory.create(username="root", is_superuser=True)
    client.force_login(superuser)

    # when they open the list and B's overview
    listed = client.get(reverse("admin:integrations_integration_changelist"))
    overview = client.get(integration_url("overview", integration_b))

    # then both accounts' integrations are there
    assert integration.account.name in listed.content.decode()
    assert "Other Customer" in listed.content.decode()
    assert overview.status_code == 200


def test_it_sends_anonymous_visitors_to_the_login_page(client, integration):
    # given nobody logged in

    # when they open an integration page
    response = client.get(integration_url("overview", integration))

    # then they are asked to log in
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


def test_it_keeps_the_raw_audit_log_for_superusers(staff_a):
    # given a Harver Admin who is not a superuser

    # when they open the unscoped audit log
    response = staff_a.get(reverse("admin:auditlog_logentry_changelist"))

    # then it is not theirs to read
    assert response.status_code == 403


def test_the_candidate_lists_account_filter_offers_and_lists_only_the_staff_users_accounts(
    staff_a, integration, account_b
):
    # given a candidate of A and one of B
    factories.CandidateAssessmentFactory.create(
        assessment__account=integration.account, email="mine@example.com"
    )
    factories.CandidateAssessmentFactory.create(
        assessment=account_b.assessments.get(), email="theirs@example.com"
    )
    url = reverse("admin:assessments_candidateassessment_changelist")

    # when a Harver Admin of A opens the list, then filters it on A, on B and on an odd id
    listed = staff_a.get(url)
    own = staff_a.get(url, {"account": integration.account_id})
    other = staff_a.get(url, {"account": account_b.pk})
    odd = staff_a.get(url, {"account": "1 OR 1=1"})

    # then the filter offers A only, and no filter shows B's candidate
    choices = [choice["display"] for choice in _account_choices(listed)]
    assert choices == ["All", integration.account.name]
    assert "mine@example.com" in own.content.decode()
    for response in (listed, own, other, odd):
        assert response.status_code == 200
        assert "theirs@example.com" not in response.content.decode()
    assert "mine@example.com" not in odd.content.decode()


def _account_choices(response) -> list[dict[str, object]]:
    account_filter = next(
        spec for spec in response.context["cl"].filter_specs if spec.title == "account"
    )
    return list(account_filter.choices(response.context["cl"]))
