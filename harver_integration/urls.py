"""Top-level URLs: the landing page, the admin, the health probes and metrics, the APIs, the
reports and, when enabled, the sandbox."""

from django.conf import settings
from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from harver_integration import health, landing, metrics_endpoint
from integrations.registry import PROVIDERS

admin.site.site_header = "Harver Integrations"
admin.site.site_title = "Harver Integrations"
admin.site.index_title = "Harver platform"
admin.site.site_url = None  # there is no public site to link to

urlpatterns: list[URLPattern | URLResolver] = [
    path("", landing.landing, name="landing"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("metrics", metrics_endpoint.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    # Every ATS's inbound endpoints (what it calls), from the provider registry.
    *(path(f"api/{key}/", include(entry.urls)) for key, entry in PROVIDERS.items() if entry.urls),
    path("api/engine/v1/", include("engine.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its script as a file: the Content-Security-Policy refuses inline ones.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="api-docs"),
    path("assessment/", include("assessments.urls")),
    # The report pages and files: reports/<id>/… behind the login, r/<signed link>/… without.
    path("", include("assessments.report_urls")),
]
if settings.SANDBOX_ENABLED:
    # The stand-in ATSes, to try the whole flow without an ATS account (never in production).
    urlpatterns.insert(1, path("sandbox/", include("sandbox.urls")))

handler400 = "harver_integration.api.bad_request"
handler404 = "harver_integration.api.page_not_found"
handler500 = "harver_integration.api.server_error"
