"""Creating accounts and setting their contacts, shared by the command line and anything else
that does so.

The rules (unique name, known members) live here once so every entry point refuses alike.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.models import Account, AccountContact


class AccountError(Exception):
    """A request that cannot be carried out; `problems` says why, one plain sentence each."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = list(problems)
        super().__init__(" ".join(self.problems))


def create_account(name: str, *, member_usernames: Iterable[str] = ()) -> Account:
    """Create an account with these staff members; refuse, naming every problem, otherwise."""
    name = name.strip()
    usernames = list(dict.fromkeys(username.strip() for username in member_usernames))
    problems: list[str] = []
    if not name:
        problems.append("The account name is empty.")
    elif Account.objects.filter(name__iexact=name).exists():
        problems.append(f"An account named '{name}' already exists.")
    members = list(User.objects.filter(username__in=usernames))
    found = {member.username for member in members}
    problems.extend(
        f"No user with username '{username}'." for username in usernames if username not in found
    )
    account = Account(name=name)
    if name:
        try:
            account.full_clean(validate_constraints=False)
        except ValidationError as error:
            problems.extend(
                f"{field}: {message}"
                for field, messages in error.message_dict.items()
                for message in messages
            )
    if problems:
        raise AccountError(problems)
    with transaction.atomic():
        account.save()
        account.members.set(members)
    return account


def set_contacts(account: Account, emails: Iterable[str]) -> list[AccountContact]:
    """Make these addresses the account's contacts (who is told about its integration issues),
    replacing the previous list; each address once, whatever its case. Refuse, naming every bad
    address, otherwise."""
    addresses = list({email.strip().lower(): email.strip() for email in emails}.values())
    problems = []
    for address in addresses:
        try:
            validate_email(address)
        except ValidationError:
            problems.append(f"'{address}' is not an email address.")
    if problems:
        raise AccountError(problems)
    with transaction.atomic():
        account.contacts.all().delete()
        return AccountContact.objects.bulk_create(
            AccountContact(account=account, email=address) for address in addresses
        )
