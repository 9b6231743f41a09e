"""A candidate's rights on request: the export of everything held about them, and its erasure.

Both find the candidate by email within one account (every candidate assessment of theirs there,
whatever the case of the address), call every holder, and leave a `PersonalDataRecord` naming
who did it and what came of it. An erasure runs in one transaction: the deliveries not yet sent
are cancelled first (by the integrations' holder, which runs before the assessments' own rows),
then every holder removes what it keeps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Account
from assessments.models import CandidateAssessment, PersonalDataRecord
from assessments.personal_data import candidates, history
from assessments.personal_data.holders import Removal, registered_holders
from assessments.personal_data.redaction import identifying_values

Action = PersonalDataRecord.Action


class NoPersonalData(Exception):
    """The account holds nothing about this email (never did, or it was already removed)."""

    def __init__(self, account: Account, email: str) -> None:
        super().__init__(
            f"{account} holds no personal data for {email}: no candidate assessment has this "
            "email (it may never have been invited, or its data was already erased or "
            "anonymised)."
        )


@dataclass(frozen=True)
class Receipt:
    """What an erasure or export did: the record it left and the rows it changed, by kind."""

    record: PersonalDataRecord
    counts: dict[str, int]

    def lines(self) -> list[str]:
        return [f"  {kind}: {count}" for kind, count in self.counts.items()]


def candidate_assessments_of(account: Account, email: str) -> QuerySet[CandidateAssessment]:
    address = email.strip()
    if not address:
        return CandidateAssessment.objects.none()
    return CandidateAssessment.objects.filter(
        account=account, email__iexact=address, anonymised_at__isnull=True
    )


def candidates_among(
    candidate_assessments: QuerySet[CandidateAssessment],
) -> list[tuple[Account, str]]:
    """The candidates (account, email) of these rows that still have personal data, once each."""
    accounts = {
        account.pk: account
        for account in Account.objects.filter(pk__in=candidate_assessments.values("account_id"))
    }
    seen: dict[tuple[int, str], str] = {}
    for account_id, email in (
        candidate_assessments.filter(anonymised_at__isnull=True)
        .order_by("account_id", "email")
        .values_list("account_id", "email")
    ):
        seen.setdefault((account_id, email.casefold()), email)
    return [(accounts[account_id], email) for (account_id, _), email in seen.items()]


def _ids(account: Account, email: str, *, lock: bool = False) -> list[int]:
    found = candidate_assessments_of(account, email).order_by("pk")
    if lock:
        found = found.select_for_update()
    ids = list(found.values_list("pk", flat=True))
    if not ids:
        raise NoPersonalData(account, email)
    return ids


def export_candidate(account: Account, email: str, *, actor: str) -> dict[str, Any]:
    """Everything held about the candidate, JSON-ready; raises `NoPersonalData`."""
    ids = _ids(account, email)
    data: dict[str, Any] = {
        "account": {"id": account.pk, "name": account.name},
        "email": email.strip(),
        "exported_at": timezone.now().isoformat(),
        "candidate_assessments": candidates.export(
            CandidateAssessment.objects.filter(pk__in=ids).order_by("pk")
        ),
    }
    for holder in registered_holders():
        data[holder.name] = holder.export(ids)
    data["history"] = history.export(ids)
    PersonalDataRecord.objects.create(
        account=account,
        action=Action.EXPORT,
        actor=actor,
        candidate_assessment_ids=ids,
        counts={"candidate assessments exported": len(ids)},
    )
    return data


def values_of(candidate_assessments: QuerySet[CandidateAssessment]) -> list[str]:
    """The candidates' identifying values: emails, names (whole and in parts), phones, resumes."""
    texts: list[str] = []
    for email, first, last, phone, resume in candidate_assessments.values_list(
        "email", "first_name", "last_name", "phone", "resume_url"
    ):
        texts += [email, first, last, f"{first} {last}", phone, resume]
    return identifying_values(*texts)


def remove(removal: Removal) -> dict[str, int]:
    """Every holder's removal, then the history's and the assessments' own; counts by kind."""
    counts: dict[str, int] = {}
    for holder in registered_holders():
        counts.update(holder.remove(removal))
    counts.update(history.remove(removal))
    counts.update(candidates.remove(removal))
    return counts


def erase_candidate(account: Account, email: str, *, actor: str) -> Receipt:
    """Erase everything personal about the candidate; raises `NoPersonalData`."""
    with transaction.atomic():
        ids = _ids(account, email, lock=True)
        removal = Removal(
            account=account,
            candidate_assessment_ids=ids,
            values=identifying_values(
                email, *values_of(CandidateAssessment.objects.filter(pk__in=ids))
            ),
            erasure=True,
            now=timezone.now(),
        )
        counts = remove(removal)
        record = PersonalDataRecord.objects.create(
            account=account,
            action=Action.ERASURE,
            actor=actor,
            candidate_assessment_ids=ids,
            counts=counts,
        )
    return Receipt(record=record, counts=counts)
