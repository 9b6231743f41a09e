"""Every page answers with the Content-Security-Policy, and none of them needs an inline script."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests import factories

POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/admin/login/",
        "/healthz",
        "/api/docs/",
        "/api/schema/",
        "/no-such-page/",
        "/r/not-a-link/",
    ],
)
def test_every_answer_carries_the_policy(client, db, path):
    response = client.get(path)

    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    # the nonce, when a page used one, is the only addition to the fixed policy
    directives = {part.strip() for part in re.sub(r" 'nonce-[^']+'", "", policy).split(";")}
    assert directives == {part.strip() for part in POLICY.split(";")}


def test_admin_pages_have_no_inline_script_or_handler(client, db):
    user = factories.UserFactory.create(username="root", is_superuser=True)
    client.force_login(user)

    for url in (reverse("admin:index"), reverse("admin:auth_user_change", args=[user.pk])):
        page = client.get(url).content.decode()
        inline = [
            tag
            for tag in re.findall(r"<script\b[^>]*>", page)
            if "src=" not in tag and 'type="application/json"' not in tag
        ]
        assert inline == [], url
        assert not re.search(r"\son[a-z]+=", page), url
