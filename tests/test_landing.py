"""The page at `/`: links to what exists, and only to that."""

from __future__ import annotations

import re

from django.http import HttpResponse
from django.test import Client, override_settings
from django.urls import include, path

from harver_integration import urls as project_urls


def linked_paths(page: str) -> list[str]:
    return re.findall(r'href="([^"]+)"', page)


def test_it_links_to_the_admin_and_the_api_docs(client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert linked_paths(response.content.decode()) == ["/admin/", "/api/docs/"]


def test_every_link_it_shows_answers(client: Client, admin_client: Client) -> None:
    for url in linked_paths(client.get("/").content.decode()):
        assert admin_client.get(url).status_code == 200, url


def test_it_shows_no_sandbox_while_there_is_none(client: Client) -> None:
    assert "Sandbox" not in client.get("/").content.decode()


def sandbox_home(request: object) -> HttpResponse:
    return HttpResponse("sandbox")


sandbox_patterns = ([path("", sandbox_home, name="home")], "sandbox")
urlpatterns = [path("sandbox/", include(sandbox_patterns)), *project_urls.urlpatterns]


@override_settings(ROOT_URLCONF=__name__)
def test_the_sandbox_appears_once_its_url_exists(client: Client) -> None:
    response = client.get("/")

    assert linked_paths(response.content.decode()) == ["/admin/", "/sandbox/", "/api/docs/"]


def test_it_refuses_anything_but_get(client: Client) -> None:
    assert client.post("/").status_code == 405
