"""The project's URLs with the sandbox mounted, as they are with SANDBOX_ENABLED on."""

from django.urls import include, path

from harver_integration import urls as project_urls

urlpatterns = [path("sandbox/", include("sandbox.urls")), *project_urls.urlpatterns]
handler404 = project_urls.handler404
