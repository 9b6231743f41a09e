"""The admin shapes shared by several apps: read-only record pages and two-state filters."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.utils import timezone

from engine import keys
from engine.admin import ActiveFilter
from engine.models import EngineApiKey, EngineEvent
from integrations.admin import HasErrorFilter
from integrations.admin_deliveries import DeliveryAdmin, DeliveryAttemptInline
from integrations.models import Delivery, Integration
from tests import factories
from tests.admin_support import staff_member


def request_by(user: Any, query: dict[str, str] | None = None) -> Any:
    request = RequestFactory().get("/admin/", query or {})
    request.user = user
    return request


@pytest.fixture
def acme(db: None) -> factories.Account:
    return factories.AccountFactory.create(name="Acme Retail")


def test_deliveries_and_their_attempts_are_never_added_changed_or_deleted(acme) -> None:
    request = request_by(staff_member(acme, username="hannah"))
    deliveries = admin.site._registry[Delivery]
    attempts = DeliveryAttemptInline(Delivery, admin.site)

    assert isinstance(deliveries, DeliveryAdmin)
    for model_admin in (deliveries, attempts):
        assert model_admin.has_add_permission(request) is False
        assert model_admin.has_change_permission(request) is False
        assert model_admin.has_delete_permission(request) is False
        assert model_admin.has_view_permission(request) is True


def test_engine_events_are_read_only_but_a_harver_admin_may_delete_them(acme) -> None:
    events = admin.site._registry[EngineEvent]
    hannah = request_by(staff_member(acme, username="hannah"))
    viewer = request_by(staff_member(acme, username="victor", harver_admin=False))

    assert events.has_add_permission(hannah) is False
    assert events.has_change_permission(hannah) is False
    assert events.has_delete_permission(hannah) is True
    assert events.has_delete_permission(viewer) is False


def filtered(filter_class: Any, model: Any, query: dict[str, str]) -> set[int]:
    request = request_by(None, query)
    params = {name: [value] for name, value in query.items()}
    list_filter = filter_class(request, params, model, admin.site._registry[model])
    assert [value for value, _ in list_filter.lookups(request, None)] == [
        value for value, _, _ in filter_class.states
    ]
    return set(list_filter.queryset(request, model.objects.all()).values_list("pk", flat=True))


def test_a_two_state_filter_shows_either_state_or_all(acme) -> None:
    active = keys.issue_key(acme, name="active").api_key
    revoked = keys.issue_key(acme, name="revoked").api_key
    EngineApiKey.objects.filter(pk=revoked.pk).update(revoked_at=timezone.now())

    assert filtered(ActiveFilter, EngineApiKey, {"state": "active"}) == {active.pk}
    assert filtered(ActiveFilter, EngineApiKey, {"state": "revoked"}) == {revoked.pk}
    assert filtered(ActiveFilter, EngineApiKey, {}) == {active.pk, revoked.pk}


def test_the_error_filter_tells_integrations_with_an_error_from_the_rest(acme) -> None:
    healthy = factories.ready_integration(acme)
    broken = factories.ready_integration(factories.AccountFactory.create())
    Integration.objects.filter(pk=broken.pk).update(last_error="Workable said 401")

    assert filtered(HasErrorFilter, Integration, {"has_error": "yes"}) == {broken.pk}
    assert filtered(HasErrorFilter, Integration, {"has_error": "no"}) == {healthy.pk}
    assert filtered(HasErrorFilter, Integration, {"has_error": "maybe"}) == {
        healthy.pk,
        broken.pk,
    }
