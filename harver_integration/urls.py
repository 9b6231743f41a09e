"""Top-level URLs: the admin, the health probes and the APIs."""

from django.contrib import admin
from django.urls import path

from harver_integration import health

admin.site.site_header = "Harver Integrations"
admin.site.site_title = "Harver Integrations"
admin.site.index_title = "Harver platform"
admin.site.site_url = None  # there is no public site to link to

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
]
