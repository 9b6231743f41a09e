"""The admin site: Django's, with the two-factor pages and the lockout-aware sign-in.

Registering models is unchanged (`@admin.register` uses this site: see accounts.admin_config).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, path
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from accounts import two_factor, two_factor_views


class HarverAdminSite(admin.AdminSite):
    def has_permission(self, request: HttpRequest) -> bool:
        """Staff whose session still owes its second factor are not in yet."""
        return super().has_permission(request) and two_factor.pending_step(request) is None

    def get_urls(self) -> list[URLResolver | URLPattern]:
        def page(view: Any) -> Any:
            return never_cache(csrf_protect(partial(view, self)))

        return [
            path(
                "two-factor/verify/",
                page(two_factor_views.verify),
                name="two_factor_verify",
            ),
            path(
                "two-factor/setup/",
                page(two_factor_views.enrol),
                name="two_factor_enrol",
            ),
            *super().get_urls(),
        ]
