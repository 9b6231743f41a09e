"""The "Harver to ATS" credentials on the command line, for every provider alike.

`integrations set-credentials` takes a provider's fields as one JSON object on standard input
(`--from-json -`), or through the options the providers declare (`CredentialField.cli_flag`: a
value, or for a secret a switch that reads it from standard input), plus `--expires` /
`--clear-expires` when a provider's credentials expire. Secrets never come from the command
line itself (it is visible to other users and kept in shell history), and never go out: `show`
says only whether each is set, its hint, and whether a key can read it.
"""

from __future__ import annotations

import datetime
import getpass
import json
import sys
from dataclasses import dataclass, field
from typing import Any

from django.core.management.base import CommandError, CommandParser

from harver_integration.dates import iso_date
from integrations import registry, services
from integrations.models import AtsCredential
from integrations.provider_types import CredentialField
from integrations.providers import Provider, get_provider

# Options of `set-credentials` that belong to the core, not to a provider.
CORE_FLAGS = ("--from-json", "--expires", "--clear-expires", "--json")
EXPIRES_ON = "expires_on"
JSON_TYPES = {bool: "a boolean", int: "a number", float: "a number", list: "an array"}


def _dest(flag: str) -> str:
    return "credential_" + flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class ProviderFlag:
    """One provider option: which field of which provider it sets."""

    flag: str
    provider: Provider
    credential_field: CredentialField


def provider_flags() -> dict[str, list[ProviderFlag]]:
    """Every registered provider's options, by flag (two providers may share one)."""
    flags: dict[str, list[ProviderFlag]] = {}
    for key in registry.PROVIDERS:
        provider = get_provider(key)
        for credential_field in provider.credential_fields:
            if credential_field.cli_flag:
                flags.setdefault(credential_field.cli_flag, []).append(
                    ProviderFlag(credential_field.cli_flag, provider, credential_field)
                )
    return flags


def _any_expiry() -> bool:
    return any(get_provider(key).expiring_field for key in registry.PROVIDERS)


def add_arguments(parser: CommandParser) -> None:
    parser.add_argument(
        "--from-json",
        choices=["-"],
        metavar="-",
        help="Read the provider's credential fields as one JSON object from standard input, "
        'e.g. {"field": "value", "expires_on": "2027-11-30"}; fields left out keep their value.',
    )
    for flag, uses in provider_flags().items():
        first = uses[0].credential_field
        whose = ", ".join(f"{use.provider.label}'s {use.credential_field.label}" for use in uses)
        if first.secret:
            parser.add_argument(
                flag,
                dest=_dest(flag),
                action="store_true",
                help=f"Read {whose} from standard input (never from the command line).",
            )
        else:
            help_text = f"{whose}. {first.help_text}".replace("%", "%%")
            parser.add_argument(flag, dest=_dest(flag), metavar="VALUE", help=help_text)
    if _any_expiry():
        expiry = parser.add_mutually_exclusive_group()
        expiry.add_argument(
            "--expires",
            type=iso_date,
            metavar="YYYY-MM-DD",
            help="The expiry of the provider's expiring secret (e.g. an API token that ends).",
        )
        expiry.add_argument(
            "--clear-expires",
            action="store_true",
            help="Remove that expiry (a secret that does not expire).",
        )


@dataclass
class CredentialChanges:
    values: dict[str, object] = field(default_factory=dict)
    expires_on: datetime.date | None = None
    clear_expiry: bool = False

    def __bool__(self) -> bool:
        return bool(self.values) or self.expires_on is not None or self.clear_expiry


def changes_from_options(options: dict[str, Any], provider: Provider) -> CredentialChanges:
    """What `set-credentials` was asked to change, from its options or its JSON input."""
    given = {
        flag: uses
        for flag, uses in provider_flags().items()
        if options.get(_dest(flag)) not in (None, False)
    }
    expiry = options.get("expires") is not None or bool(options.get("clear_expires"))
    if options.get("from_json"):
        if given or expiry:
            raise CommandError(
                "Give the credentials either as one JSON object (--from-json -) or as options, "
                "not both."
            )
        return changes_from_json(provider, sys.stdin.read())
    own = {use.flag: use.credential_field for use in _flags_of(provider)}
    strangers = [flag for flag in given if flag not in own]
    if strangers:
        raise CommandError(
            "\n".join(
                f"{flag} is not an option of {provider.label} integrations." for flag in strangers
            )
        )
    changes = CredentialChanges(
        expires_on=options.get("expires"), clear_expiry=bool(options.get("clear_expires"))
    )
    secrets = [own[flag] for flag in given if own[flag].secret]
    if len(secrets) > 1:
        raise CommandError(
            "Only one secret can be read from standard input at a time; give several as one "
            "JSON object with --from-json -."
        )
    for flag in given:
        credential_field = own[flag]
        if credential_field.secret:
            changes.values[credential_field.name] = read_secret(credential_field)
        else:
            changes.values[credential_field.name] = options[_dest(flag)]
    if not changes:
        choices = [*(use.flag for use in _flags_of(provider))]
        if provider.expiring_field is not None:
            choices += ["--expires", "--clear-expires"]
        raise CommandError(f"Nothing to change: give --from-json - or {', '.join(choices)}.")
    return changes


def _flags_of(provider: Provider) -> list[ProviderFlag]:
    return [
        ProviderFlag(credential_field.cli_flag, provider, credential_field)
        for credential_field in provider.credential_fields
        if credential_field.cli_flag
    ]


def read_secret(credential_field: CredentialField) -> str:
    """A secret from standard input: argv would leak it into ps and shell history."""
    if sys.stdin.isatty():
        value = getpass.getpass(f"{credential_field.label} (not echoed): ")
    else:
        value = sys.stdin.read()
    value = value.strip()
    if not value:
        raise CommandError(
            f"No {credential_field.label} on standard input; pipe it in, e.g. "
            f"`manage.py integrations set-credentials ID {credential_field.cli_flag} < secret.txt`."
        )
    return value


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, dict):
        return "an object"
    return JSON_TYPES.get(type(value), type(value).__name__)


def _date_or_none(value: object) -> datetime.date | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        return None


def changes_from_json(provider: Provider, text: str) -> CredentialChanges:
    """The changes one JSON object of field names asks for; every problem named at once."""
    try:
        data = json.loads(text)
    except ValueError as error:
        position = getattr(error, "lineno", None)
        where = f" (line {position})" if position else ""
        raise CommandError(f"Standard input is not JSON{where}: give one JSON object.") from None
    if not isinstance(data, dict) or not data:
        raise CommandError(
            'Standard input must be one JSON object of credential fields, e.g. {"field": "value"}.'
        )
    changes = CredentialChanges()
    problems = []
    if EXPIRES_ON in data:
        expires = data.pop(EXPIRES_ON)
        if provider.expiring_field is None:
            problems.append(f"{EXPIRES_ON}: {provider.label} credentials have no expiry.")
        elif expires is None:
            changes.clear_expiry = True
        else:
            changes.expires_on = _date_or_none(expires)
            if changes.expires_on is None:
                problems.append(f"{EXPIRES_ON}: must be a date in the form YYYY-MM-DD, or null.")
    texts = {name: value for name, value in data.items() if isinstance(value, str)}
    problems += services.credential_input_problems(provider, texts)
    problems += [
        f"{name}: must be text, not {_json_type(value)}."
        for name, value in data.items()
        if not isinstance(value, str)
    ]
    if problems:
        raise CommandError("\n".join(problems))
    changes.values.update(texts)
    return changes


# --- What `show` and `set-credentials` print -----------------------------------------------------


def _date(value: datetime.date | datetime.datetime | None) -> str | None:
    return value.isoformat() if value else None


def credential_data(provider: Provider, credential: AtsCredential | None) -> dict[str, Any]:
    """Each credential field by name: a value, or for a secret whether it is set, never it."""
    unreadable = {item.name for item in credential.unreadable_fields()} if credential else set()
    data: dict[str, Any] = {}
    for credential_field in provider.credential_fields:
        name = credential_field.name
        if not credential_field.secret:
            data[name] = (credential.value(name) if credential else "") or None
            continue
        hint = credential.hint(name) if credential else None
        data[name] = {
            "set": hint is not None,
            "ends_with": (hint.last4 or None) if hint else None,
            "set_at": _date(hint.set_at) if hint else None,
            "readable": None if hint is None else name not in unreadable,
        }
    if provider.expiring_field is not None:
        data[EXPIRES_ON] = _date(credential.expires_on) if credential else None
    data["verified_at"] = _date(credential.verified_at) if credential else None
    return data


def credential_lines(provider: Provider, data: dict[str, Any]) -> list[str]:
    lines = []
    for credential_field in provider.credential_fields:
        value = data[credential_field.name]
        if not credential_field.secret:
            lines.append(f"  {credential_field.label}: {value or 'not set'}")
            continue
        if not value["set"]:
            state = "not set"
        elif not value["readable"]:
            state = "cannot be read: enter it again"
        else:
            state = f"…{value['ends_with']}" if value["ends_with"] else "set"
            state += f" (set {value['set_at']})" if value["set_at"] else ""
        lines.append(f"  {credential_field.label}: {state}")
        if credential_field.expiry_label:
            lines.append(f"  {credential_field.expiry_label}: {data[EXPIRES_ON] or 'not set'}")
    lines.append(f"  last verified: {data['verified_at'] or 'never'}")
    return lines
