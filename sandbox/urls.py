"""/sandbox/: the shell's pages, and each stand-in ATS the registry declares at <key>/."""

from django.urls import URLPattern, URLResolver, include, path

from sandbox import views
from sandbox.providers import sandbox_atses

app_name = "sandbox"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("mail/", views.mail_page, name="mail"),
    *(path(f"{ats.key}/", include((ats.urls, ats.key))) for ats in sandbox_atses()),
]
