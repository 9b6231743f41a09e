"""Does the stored "Harver to ATS" token work? Ask Workable (contract §4), name each problem.

Used by the enable checks and by the admin's "Verify credentials" button. Every call goes to the
configured Workable base URL for the integration's subdomain (listings follow `paging.next` only
within it), through the same client, time-outs and per-token rate limit as the deliveries.
What was found is kept on the credential (`verification`, `verified_at`) for the admin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from harver_integration.crypto import SecretDecryptionError
from integrations.http import WaitingBudget
from integrations.models import AssessmentFieldMapping, AtsCredential, Integration
from integrations.provider_types import CheckTopic, CredentialCheck, TopicProblems
from integrations.ratelimit import limiter_key
from integrations.transport import PermanentError, TransientError
from workable.client import WorkableClient, api_base_url, rate_limiter

# Verification runs in the admin's request: it may wait this long, in total, for rate-limit slots.
MAX_WAIT_SECONDS = 10.0
# The readable scopes we check, with the call that needs each (contract §4).
READ_SCOPES = ("r_jobs", "r_candidates", "r_requisitions")
WRITE_SCOPE = "w_candidates"
# The custom attribute types that can hold a score (any score, or a number only).
TEXT_TYPES = frozenset({"free_text"})
NUMBER_TYPES = frozenset({"number"})


def _members(raw: list[dict[str, Any]]) -> list[tuple[str, str]]:
    members = []
    for member in raw:
        member_id = str(member.get("id") or "")
        if member_id:
            name = str(member.get("name") or "").strip()
            email = str(member.get("email") or "").strip()
            label = f"{name} ({email})" if name and email else name or email or member_id
            members.append((member_id, label))
    return members


def _attribute_keys(raw: list[dict[str, Any]]) -> set[str]:
    return {str(item.get("key") or item.get("id") or "") for item in raw} - {""}


def _scope_problem(scope: str, error: PermanentError) -> str:
    if error.exchange.http_status == 403:
        return (
            f"The token lacks the {scope} scope: generate a token with the scopes r_jobs, "
            "r_candidates, w_candidates and r_requisitions."
        )
    return f"Checking the {scope} scope failed: {error}"


def check(integration: Integration) -> CredentialCheck:
    """Ask Workable about the stored credentials and the configuration that depends on them."""
    credential = AtsCredential.objects.filter(integration=integration).first()
    subdomain = credential.value("subdomain") if credential else ""
    if credential is None or not subdomain or not credential.has_secret("token"):
        missing = "Enter the Workable subdomain and API token first (Harver to ATS tab)."
        return CredentialCheck(
            problems=[missing],
            findings=[],
            members=[],
            topic_problems={CheckTopic.CREDENTIALS: [missing]},
        )
    try:
        token = credential.secret("token")
    except SecretDecryptionError as error:
        return CredentialCheck(
            problems=[str(error)],
            findings=[],
            members=[],
            topic_problems={CheckTopic.CREDENTIALS: [str(error)]},
        )
    site = api_base_url(subdomain, sandbox=integration.is_sandbox)
    budget = WaitingBudget(limiter_key(token), rate_limiter(), max_wait=MAX_WAIT_SECONDS)
    problems = TopicProblems()
    confirmed: dict[str, str] = {}
    findings: list[str] = []
    scopes: dict[str, str] = {}
    members: list[tuple[str, str]] = []
    attribute_keys: set[str] | None = None
    with WorkableClient(
        subdomain=subdomain, token=token, budget=budget, sandbox=integration.is_sandbox
    ) as client:
        calls: list[tuple[str, Callable[[], list[dict[str, Any]]]]] = [
            ("r_jobs", lambda: client.list_jobs(limit=1)),
            ("r_candidates", lambda: client.list_candidates(limit=1)),
            ("r_requisitions", lambda: client.list_requisitions(limit=1)),
        ]
        try:
            for scope, call in calls:
                try:
                    call()
                except PermanentError as error:
                    if error.exchange.http_status == 401:
                        problems.add(
                            CheckTopic.CREDENTIALS,
                            "Workable refused the API token (HTTP 401): it is wrong, expired or "
                            "revoked. Generate a new token in Workable and paste it on the "
                            "Harver to ATS tab.",
                        )
                        raise
                    if error.exchange.http_status == 404:
                        problems.add(
                            CheckTopic.CREDENTIALS,
                            f"Workable has no account at {site}: check the subdomain.",
                        )
                        raise
                    scopes[scope] = "missing"
                    problems.add(CheckTopic.SCOPES, _scope_problem(scope, error))
                else:
                    scopes[scope] = "verified"
            findings.append("Workable accepted the API token.")
            confirmed[CheckTopic.CREDENTIALS] = f"Workable accepted the API token at {site}."
            try:
                raw_members = client.list_members()
                members = _members(raw_members)
                findings.append(f"Workable lists {len(members)} member(s) who can author notes.")
            except PermanentError as error:
                raw_members = None
                problems.add(CheckTopic.NOTE_AUTHOR, f"The member list could not be read: {error}")
            try:
                raw_attributes = client.list_custom_attributes()
                attribute_keys = _attribute_keys(raw_attributes)
                findings.append(f"Workable has {len(attribute_keys)} custom attribute(s).")
            except PermanentError as error:
                raw_attributes = None
                problems.add(CheckTopic.FIELDS, f"The custom attributes could not be read: {error}")
        except PermanentError:
            pass
        except TransientError as error:
            problems.add(
                CheckTopic.CREDENTIALS, f"Workable could not be asked: {error} Try again later."
            )
    if scopes and len(scopes) == len(READ_SCOPES):
        present = [scope for scope in READ_SCOPES if scopes[scope] == "verified"]
        if present:
            findings.append(f"Readable scopes present: {', '.join(present)}.")
        previous = (credential.verification or {}).get("scopes") or {}
        scopes[WRITE_SCOPE] = previous.get(WRITE_SCOPE) or "not yet verified"
        findings.append(
            f"{WRITE_SCOPE}: {scopes[WRITE_SCOPE]} (proven by the first note or field written)."
        )
        if present == list(READ_SCOPES):
            confirmed[CheckTopic.SCOPES] = (
                f"The token has {', '.join(READ_SCOPES)}; {WRITE_SCOPE} is "
                f"{scopes[WRITE_SCOPE]} (a note or field written proves it)."
            )
        author = _note_author_problems(credential, raw_members)
        problems.extend(CheckTopic.NOTE_AUTHOR, author.problems)
        if raw_members is not None and not author.problems:
            confirmed[CheckTopic.NOTE_AUTHOR] = author.confirmed
        fields = _field_problems(integration, raw_attributes)
        problems.extend(CheckTopic.FIELDS, fields.problems)
        if raw_attributes is not None and not fields.problems:
            confirmed[CheckTopic.FIELDS] = fields.confirmed
    result = CredentialCheck(
        problems=problems.all,
        findings=findings,
        members=members,
        topic_problems=problems.by_topic,
        confirmed=confirmed,
    )
    _remember(credential, result, scopes, attribute_keys)
    return result


@dataclass(frozen=True)
class TopicResult:
    problems: list[str]
    confirmed: str = ""


def _note_author_problems(
    credential: AtsCredential, raw_members: list[dict[str, Any]] | None
) -> TopicResult:
    """The chosen note author must be a member of the account, and not a deactivated one."""
    note_author = credential.value("note_author_member_id")
    if not note_author:
        return TopicResult(
            ["No timeline note author is chosen: pick a Workable member (Verify credentials)."]
        )
    if raw_members is None:
        return TopicResult([])
    member = next((item for item in raw_members if str(item.get("id")) == note_author), None)
    if member is None:
        return TopicResult(
            [
                f"The timeline note author ({note_author}) is not a member of "
                "this Workable account: pick one from the member list."
            ]
        )
    label = dict(_members([member])).get(note_author, note_author)
    if member.get("active") is False:
        return TopicResult(
            [
                f"The timeline note author {label} is deactivated in Workable: pick an active "
                "member (Verify credentials)."
            ]
        )
    return TopicResult([], f"Timeline notes are written as {label}, an active member.")


def _field_problems(
    integration: Integration, raw_attributes: list[dict[str, Any]] | None
) -> TopicResult:
    """Every mapped ATS Field Id must be a custom attribute that takes the score it is sent."""
    if raw_attributes is None:
        return TopicResult([])
    attributes = {key: item for item in raw_attributes for key in _attribute_keys([item])}
    mappings = (
        AssessmentFieldMapping.objects.filter(integration=integration, send_status=True)
        .exclude(ats_field_id="")
        .select_related("assessment", "competency")
    )
    problems = []
    count = 0
    for mapping in mappings:
        count += 1
        where = f"{mapping.assessment.name}, {mapping.score_label}"
        attribute = attributes.get(mapping.ats_field_id)
        if attribute is None:
            problems.append(
                f"{where}: the ATS Field Id '{mapping.ats_field_id}' is not a custom attribute "
                "in Workable."
            )
            continue
        kind = str(attribute.get("type") or "")
        numeric = mapping.score != AssessmentFieldMapping.Score.RECOMMENDATION
        fitting = TEXT_TYPES | (NUMBER_TYPES if numeric else frozenset())
        if kind and kind not in fitting:  # an attribute listed without a type is taken on trust
            holds = "a number" if numeric else "a word (the recommendation)"
            problems.append(
                f"{where}: the Workable custom attribute '{mapping.ats_field_id}' is of the type "
                f'"{kind}", which cannot hold {holds}: map a free text '
                f"{'or number ' if numeric else ''}attribute."
            )
    if problems:
        return TopicResult(problems)
    if not count:
        return TopicResult([], "No score is mapped to a Workable field; none is written.")
    return TopicResult(
        [], f"All {count} mapped field(s) are Workable custom attributes that take their values."
    )


def _remember(
    credential: AtsCredential,
    result: CredentialCheck,
    scopes: dict[str, str],
    attribute_keys: set[str] | None,
) -> None:
    now = timezone.now()
    verification = {
        "ok": result.ok,
        "problems": result.problems,
        "scopes": scopes,
        "members": [{"id": member_id, "label": label} for member_id, label in result.members],
        "custom_attributes": sorted(attribute_keys or []),
        "checked_at": now.isoformat(),
    }
    AtsCredential.objects.filter(pk=credential.pk).update(
        verification=verification, verified_at=now if result.ok else None
    )
