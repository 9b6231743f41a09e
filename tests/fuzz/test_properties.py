"""Property tests of the rules an attacker or a flaky partner probes: generated inputs, fixed laws.

- `callback_url_problem` (checklist S6): whatever the URL, if we accept it, then the host that we
  (urllib's split) and the HTTP client (urllib3's parser, what `requests` connects to) read from it
  is workable.com or one of its subdomains, over https on the default port, without credentials.
- Issued tokens (S3): a minted token is well formed; any single-character change is refused
  before a database query.
- The retry delay of deliveries (F3): never below Retry-After, never above the larger of the
  schedule's step and Retry-After, never negative, and its jitter within [0, JITTER x step].
- Retry-After and rate-limit reset headers: whatever a partner sends (superscript digits, other
  scripts' digits, dates out of range, huge numbers), reading them never raises and gives a
  wait between 0 and a day, or nothing.
- Ids from a request, a query string or the command line: whatever the text, `parse_id` gives
  nothing or the number its ASCII digits spell, between 1 and PostgreSQL's largest bigint.
- Secrets typed into the admin: the form refuses exactly what the command line refuses, in the
  same words, and what both accept holds no whitespace or control character.
"""

from __future__ import annotations

import string
import unicodedata
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.test import override_settings
from hypothesis import event, example, given, settings
from hypothesis import strategies as st
from urllib3.util import parse_url

from harver_integration.ids import MAX_ID, parse_id
from harver_integration.tokens import ATS_TOKEN, BASE62_ALPHABET
from integrations.forms import CredentialFormField
from integrations.http import MAX_RETRY_AFTER_SECONDS, retry_after_seconds
from integrations.outbox.recording import retry_delay
from integrations.provider_types import CredentialField
from workable.callbacks import callback_url_problem

DEFAULT_ALLOW_LIST = override_settings(
    WORKABLE_CALLBACK_ALLOWED_HOSTS=["workable.com", ".workable.com"],
    WORKABLE_CALLBACK_ALLOW_INSECURE=False,
)

# --- Callback URLs ------------------------------------------------------------------------------

URL_CHARACTERS = string.ascii_letters + string.digits + "-._~:/?#[]@!$&'()*+,;=%\\ \t\x00é。"
TRICKY_HOSTS = [
    "workable.com",
    "acme.workable.com",
    "WORKABLE.COM",
    "acme.workable.com.",
    "workable.com.evil.com",
    "evilworkable.com",
    "workable.com@evil.com",
    "evil.com#.workable.com",
    "evil.com\\.workable.com",
    "acme.workable.com\\@evil.com",
    "xn--wrkable-m1a.com",
    "localhost",
    "127.0.0.1",
    "[::1]",
    "[::ffff:127.0.0.1]",
    "2130706433",
    "0x7f.1",
    "169.254.169.254",
    "acme。workable。com",
    "",
]
label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
workable_host = st.builds(
    lambda labels, suffix: ".".join([*labels, suffix]).strip("."),
    st.lists(label, max_size=3),
    st.sampled_from(["workable.com"] * 4 + ["evil.com", "com", "workable.co", ""]),
)
host = st.one_of(
    workable_host,
    workable_host,
    st.sampled_from(TRICKY_HOSTS),
    st.text(URL_CHARACTERS, max_size=20),
)
# Mostly well-formed https URLs around workable.com, so that many are accepted and the property
# is tested on them, with every kind of trick mixed in.
structured_url = st.builds(
    lambda scheme, userinfo, host, port, rest: f"{scheme}://{userinfo}{host}{port}{rest}",
    st.sampled_from(["https"] * 6 + ["HTTPS", "http", "ftp", "javascript", "https:", ""]),
    st.sampled_from([""] * 6 + ["user@", "user:pass@", "@", "acme.workable.com@"]),
    host,
    st.one_of(
        st.just(""),
        st.just(""),
        st.integers(0, 70000).map(lambda port: f":{port}"),
        st.sampled_from([":", ":443", ":0443"]),
    ),
    st.one_of(
        st.text(string.ascii_letters + "/-_.", max_size=20).map(lambda rest: f"/{rest}"),
        st.text(URL_CHARACTERS, max_size=30),
    ),
)


def _on_allow_list(host: str | None) -> bool:
    host = (host or "").lower()
    return host == "workable.com" or host.endswith(".workable.com")


@DEFAULT_ALLOW_LIST
@settings(max_examples=10_000, deadline=None)
@given(st.one_of(structured_url, st.text(URL_CHARACTERS, max_size=60)))
@example("https://acme.workable.com/spi/v3/assessments/abc/results")
@example("https://acme.workable.com\\@evil.com/")
@example("https://evil.com\\.workable.com/")
def test_every_accepted_callback_url_goes_to_workable(url: str) -> None:
    accepted = callback_url_problem(url) is None
    event("accepted" if accepted else "refused")  # shown by --hypothesis-show-statistics
    if not accepted:
        return
    ours = urlsplit(url)
    theirs = parse_url(url)
    assert ours.scheme == "https"
    assert _on_allow_list(ours.hostname), url
    assert _on_allow_list(theirs.host), url
    assert ours.port in (None, 443)
    assert theirs.port in (None, 443)
    assert ours.username is None
    assert ours.password is None
    assert theirs.auth is None


@DEFAULT_ALLOW_LIST
def test_the_allow_list_accepts_workable_callbacks() -> None:
    # the property above would hold for a validator that refuses everything
    assert callback_url_problem("https://acme.workable.com/spi/v3/assessments/abc/results") is None
    assert callback_url_problem("https://workable.com/x") is None


# --- Tokens -------------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_a_minted_token_is_well_formed_and_any_single_change_is_refused(
    data: st.DataObject,
) -> None:
    token = ATS_TOKEN.mint()
    assert ATS_TOKEN.is_well_formed(token)
    assert token.startswith("hvr_ats_")
    assert len(token) == 54
    assert all(character in BASE62_ALPHABET for character in token[len("hvr_ats_") :])

    position = data.draw(st.integers(0, len(token) - 1), label="position")
    change = data.draw(st.sampled_from(["replace", "insert", "delete"]), label="change")
    replacement = data.draw(
        st.one_of(st.sampled_from(BASE62_ALPHABET + "_-"), st.characters()).filter(
            lambda character: change != "replace" or character != token[position]
        ),
        label="character",
    )
    if change == "replace":
        changed = token[:position] + replacement + token[position + 1 :]
    elif change == "insert":
        changed = token[:position] + replacement + token[position:]
    else:
        changed = token[:position] + token[position + 1 :]

    assert not ATS_TOKEN.is_well_formed(changed), (token, changed)


# --- Retry delays -------------------------------------------------------------------------------


@settings(max_examples=500, deadline=None)
@given(
    schedule=st.lists(st.floats(0, 86400, allow_nan=False), min_size=1, max_size=12),
    jitter=st.floats(0, 1),
    failures=st.integers(1, 40),
    retry_after=st.one_of(st.none(), st.floats(0, 7 * 86400, allow_nan=False)),
)
def test_the_retry_delay_honours_retry_after_the_schedule_and_the_jitter(
    schedule: list[float], jitter: float, failures: int, retry_after: float | None
) -> None:
    with override_settings(DELIVERY_RETRY_SCHEDULE=schedule, DELIVERY_RETRY_JITTER=jitter):
        delay = retry_delay(failures, retry_after)

    step = schedule[min(failures, len(schedule)) - 1]
    assert delay >= 0
    assert delay >= (retry_after or 0)
    assert delay <= max(step, retry_after or 0)
    assert delay <= max(max(schedule), retry_after or 0)
    if retry_after is None or retry_after <= step * (1 - jitter):
        # the jitter alone decides: it takes between nothing and JITTER of the step
        assert 0 <= step - delay <= step * jitter + 1e-9


# --- Retry-After and reset headers ----------------------------------------------------------

ODD_VALUES = [
    "²",
    "1²",
    "٣",  # Arabic-Indic three: isdigit() and int() accept it, a header parser must not care
    "⁹⁹",
    "1.5",
    "1.",
    ".5",
    "-5",
    "1e400",
    "9" * 400,
    "inf",
    "nan",
    "Wed, 21 Oct 2015 07:28:00 GMT",
    "Wed, 21 Oct 99999 07:28:00 GMT",
    "Mon, 32 Foo 2024 25:61:61 +9999",
    "Fri, 31 Dec 9999 23:59:59 -2359",
    "Mon, 01 Jan 0001 00:00:00 +2359",
    "  7  ",
    "",
]
header_value = st.one_of(
    st.sampled_from(ODD_VALUES),
    st.text(max_size=40),
    st.text(string.digits + "²³¹⁰٠١٢.-+e ", max_size=30),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.integers(-(10**30), 10**30).map(str),
    st.datetimes().map(lambda moment: moment.strftime("%a, %d %b %Y %H:%M:%S GMT")),
)


@settings(max_examples=2_000, deadline=None)
@given(
    retry_after=st.one_of(st.none(), header_value),
    reset=st.one_of(st.none(), header_value),
    reset_header=st.sampled_from(["X-RateLimit-Reset", "X-Rate-Limit-Reset"]),
)
@example(retry_after="²", reset=None, reset_header="X-Rate-Limit-Reset")
@example(retry_after=None, reset="²", reset_header="X-Rate-Limit-Reset")
def test_odd_retry_after_and_reset_headers_never_raise(
    retry_after: str | None, reset: str | None, reset_header: str
) -> None:
    headers = {}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    if reset is not None:
        headers[reset_header] = reset

    seconds = retry_after_seconds(headers, reset_header)

    assert seconds is None or 0 <= seconds <= MAX_RETRY_AFTER_SECONDS
    if retry_after is not None and retry_after.strip().isascii() and retry_after.strip().isdigit():
        assert seconds == min(float(retry_after), MAX_RETRY_AFTER_SECONDS)


# --- Ids ----------------------------------------------------------------------------------------

ODD_IDS = ["²", "1²", "٣", "\uff11", "⁹⁹", "0", "-1", "+1", " 1", "1e3", "9" * 400, "1\x00", ""]
id_text = st.one_of(
    st.sampled_from(ODD_IDS),
    st.text(max_size=30),
    st.text(string.digits + "²³¹⁰٠١٢٣\uff11 -+\x00", max_size=25),
    st.integers(-(2**70), 2**70).map(str),
)


@settings(max_examples=3_000, deadline=None)
@given(id_text)
@example(str(MAX_ID))
@example(str(MAX_ID + 1))
def test_an_id_is_ascii_digits_within_bigint_or_nothing(text: str) -> None:
    value = parse_id(text)

    if value is not None:
        assert text.isascii()
        assert text.isdigit()
        assert int(text) == value
        assert 1 <= value <= MAX_ID
    plain = text.isascii() and text.isdigit() and not text.startswith("0")
    if plain and int(text) <= MAX_ID:
        assert value == int(text)


# --- Secrets typed into the admin ---------------------------------------------------------------

SECRET_FIELD = CredentialField(name="token", label="API token", secret=True)
secret_text = st.one_of(
    st.text(max_size=40),
    st.text(string.ascii_letters + " \t\r\n\x00\x1b\u00a0\u200b\u2028", max_size=20),
)


@settings(max_examples=3_000, deadline=None)
@given(secret_text)
@example("wk live")
@example("wk\x00live")
def test_the_admin_secret_field_refuses_what_the_command_line_refuses(text: str) -> None:
    # the command line reads a secret through the field's own rule (services.set_ats_credentials)
    command_line = SECRET_FIELD.problem(SECRET_FIELD.clean(text))
    try:
        cleaned = CredentialFormField(SECRET_FIELD).clean(text)
    except ValidationError as refusal:
        form = refusal.messages
    else:
        form = []

    if not text.strip():
        # a blank secret keeps the stored one on the form; the command line asks for one
        assert form == []
        return
    assert form == ([command_line] if command_line else [])
    if not form:
        assert cleaned == text.strip()
        assert not any(character.isspace() for character in cleaned)
        assert all(unicodedata.category(character)[0] != "C" for character in cleaned)
