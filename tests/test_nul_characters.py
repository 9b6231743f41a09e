"""A NUL character in a path or query string is refused with 400 before any view reads it."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_an_api_query_with_a_nul_character_is_answered_400_json(client: Client) -> None:
    response = client.get("/api/workable/tests?page=%00")

    assert response.status_code == 400
    assert response.json() == {"status": 400, "message": "The request could not be understood."}


@pytest.mark.django_db
def test_an_admin_search_with_a_nul_character_is_answered_with_the_400_page(
    admin_client: Client,
) -> None:
    response = admin_client.get("/admin/accounts/account/?q=a%00b")

    assert response.status_code == 400
    assert "Bad request" in response.content.decode()


@pytest.mark.django_db
def test_a_path_with_a_nul_character_is_answered_400(admin_client: Client) -> None:
    assert admin_client.get("/admin/accounts/account/%00/change/").status_code == 400


@pytest.mark.django_db
def test_a_query_without_one_goes_through(admin_client: Client) -> None:
    assert admin_client.get("/admin/accounts/account/?q=a").status_code == 200
