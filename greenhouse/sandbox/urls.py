"""/sandbox/greenhouse/: the stand-in Greenhouse's pages, its token endpoint and Harvest v3."""

from django.urls import path

from greenhouse.sandbox import views
from greenhouse.sandbox.demo import provision_demo
from greenhouse.sandbox.views import candidate_emails

# What the sandbox's shell asks of every provider's sandbox (sandbox.providers).
__all__ = ["candidate_emails", "provision_demo", "urlpatterns"]

urlpatterns = [
    path("", views.home, name="home"),
    path("applications/<int:application_id>/", views.application, name="application"),
    path("token", views.token_endpoint, name="token"),
    path("v3/<path:rest>", views.harvest_api, name="harvest"),
]
