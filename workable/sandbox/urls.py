"""/sandbox/workable/: the stand-in Workable's pages and, per subdomain, its API."""

from django.urls import path

from workable.sandbox import views
from workable.sandbox.demo import provision_demo
from workable.sandbox.views import candidate_emails

# What the sandbox's shell asks of every provider's sandbox (sandbox.providers).
__all__ = ["candidate_emails", "provision_demo", "urlpatterns"]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/<slug:subdomain>/", views.account, name="account"),
    path(
        "accounts/<slug:subdomain>/candidates/<slug:candidate_id>/",
        views.candidate,
        name="candidate",
    ),
    path("<slug:subdomain>/<path:rest>", views.api, name="api"),
]
