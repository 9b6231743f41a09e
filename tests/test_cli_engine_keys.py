"""`manage.py engine_keys`: support creates, lists and revokes the engine's API keys."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from engine.keys import ENGINE_KEY, key_for
from engine.models import EngineApiKey
from harver_integration.tokens import hash_token
from tests import factories


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("engine_keys", *args, stdout=out)
    return out.getvalue()


def run_json(*args: str) -> Any:
    return json.loads(run(*args, "--json"))


def test_it_creates_a_key_and_shows_it_once(account: factories.Account) -> None:
    output = run_json("create", "--account", str(account.pk), "--name", "Harver engine EU")

    api_key = EngineApiKey.objects.get()
    assert ENGINE_KEY.is_well_formed(output["key"])
    assert output["key"].startswith("hvr_eng_")
    assert api_key.key_hash == hash_token(output["key"])
    assert output == {
        "id": api_key.pk,
        "account_id": account.pk,
        "account": account.name,
        "name": "Harver engine EU",
        "key": output["key"],
        "key_last4": output["key"][-4:],
        "active": True,
        "created_at": api_key.created_at.isoformat(),
        "last_used_at": None,
        "revoked_at": None,
    }
    assert key_for(output["key"]) == api_key
    # the key itself is nowhere in what is stored or listed
    assert output["key"] not in json.dumps(list(EngineApiKey.objects.values()), default=str)
    assert output["key"] not in run("list")


def test_it_prints_the_key_in_plain_text_too(account: factories.Account) -> None:
    output = run("create", "--account", str(account.pk))

    api_key = EngineApiKey.objects.get()
    assert f"Created engine API key {api_key.pk} for {account.name}." in output
    assert "Key (shown only now): hvr_eng_" in output


def test_it_lists_keys_without_their_secret(account: factories.Account) -> None:
    other = factories.AccountFactory.create(name="Northwind")
    mine = run_json("create", "--account", str(account.pk), "--name", "EU")
    run_json("create", "--account", str(other.pk))

    listed = run_json("list", "--account", str(account.pk))
    everything = run_json("list")

    assert [row["id"] for row in listed["keys"]] == [mine["id"]]
    assert "key" not in listed["keys"][0]
    assert listed["keys"][0]["key_last4"] == mine["key"][-4:]
    assert len(everything["keys"]) == 2
    assert f"…{mine['key'][-4:]} of {account.name}" in run("list")


def test_it_revokes_a_key_at_once(account: factories.Account) -> None:
    created = run_json("create", "--account", str(account.pk))

    revoked = run_json("revoke", str(created["id"]))
    again = run_json("revoke", str(created["id"]))

    assert revoked["active"] is False
    assert revoked["revoked_now"] is True
    assert again["revoked_now"] is False
    assert again["revoked_at"] == revoked["revoked_at"]
    assert key_for(created["key"]) is None
    assert "was already revoked" in run("revoke", str(created["id"]))


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["create", "--account", "999"], "No account with id 999.", id="create"),
        pytest.param(["list", "--account", "999"], "No account with id 999.", id="list"),
        pytest.param(["revoke", "999"], "No engine API key with id 999.", id="revoke"),
    ],
)
def test_it_names_what_does_not_exist(db: None, args: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args)


@pytest.mark.parametrize("key_id", ["abc", "²", "99999999999999999999999"])
def test_it_refuses_an_id_that_is_not_a_number(db: None, key_id: str) -> None:
    with pytest.raises(CommandError, match=f"'{key_id}' is not an id"):
        run("revoke", key_id)
