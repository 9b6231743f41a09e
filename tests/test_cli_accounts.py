"""`manage.py accounts`: support creates and lists customer accounts from a shell."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from accounts.models import Account
from tests import factories


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


@pytest.mark.django_db
def test_it_creates_an_account_with_its_members() -> None:
    # given two staff users
    factories.UserFactory.create(username="ana")
    factories.UserFactory.create(username="bob")

    # when support creates an account with both as members
    output = run_json("accounts", "create", "Acme Logistics", "--member", "bob", "--member", "ana")

    # then the account exists with those members, and the JSON says so
    account = Account.objects.get(name="Acme Logistics")
    assert output == {"id": account.pk, "name": "Acme Logistics", "members": ["ana", "bob"]}
    assert sorted(account.members.values_list("username", flat=True)) == ["ana", "bob"]


@pytest.mark.django_db
def test_it_prints_readable_lines_without_json() -> None:
    # when an account is created without --json
    output = run("accounts", "create", "Acme")

    # then the output is a sentence, not JSON
    account = Account.objects.get(name="Acme")
    assert output.splitlines() == [f"Created account {account.pk}: Acme", "members: none"]


@pytest.mark.django_db
def test_it_lists_every_account_with_its_counts(integration: factories.Integration) -> None:
    # given an account with two assessments and one integration, and an empty one
    empty = factories.AccountFactory.create(name="Zeta")

    # when the accounts are listed as JSON
    output = run_json("accounts", "list")

    # then both appear, with their counts
    rows = {row["id"]: row for row in output["accounts"]}
    assert rows[integration.account_id]["integrations"] == 1
    assert rows[integration.account_id]["assessments"] == 2
    assert rows[empty.pk] == {
        "id": empty.pk,
        "name": "Zeta",
        "members": [],
        "integrations": 0,
        "assessments": 0,
    }


@pytest.mark.django_db
def test_it_refuses_unknown_members_naming_each() -> None:
    # given one existing user
    factories.UserFactory.create(username="ana")

    # when an account is created with two usernames nobody has
    with pytest.raises(CommandError) as refusal:
        run("accounts", "create", "Acme", "--member", "ana", "--member", "zed", "--member", "yan")

    # then both are named and no account was created
    assert "No user with username 'zed'." in str(refusal.value)
    assert "No user with username 'yan'." in str(refusal.value)
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_it_refuses_a_name_already_taken_in_any_case() -> None:
    # given an account named Acme
    factories.AccountFactory.create(name="Acme")

    # when another is created as ACME
    with pytest.raises(CommandError, match=r"An account named 'ACME' already exists\."):
        run("accounts", "create", "ACME", "--json")

    # then there is still one
    assert Account.objects.count() == 1


@pytest.mark.django_db
def test_it_refuses_an_empty_name() -> None:
    with pytest.raises(CommandError, match=r"The account name is empty\."):
        run("accounts", "create", "  ")
