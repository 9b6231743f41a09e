"""The callback_url allow-list (contract §3, §6; checklist S6): refused at intake."""

import pytest

from workable.callbacks import callback_url_problem

NOT_ALLOWED = "is not allowed (allowed: workable.com, .workable.com)."
SSRF_URLS = {
    "http://acme.workable.com/results": "callback_url must be an https URL.",
    "https://workable.com.evil.com/x": f"callback_url host workable.com.evil.com {NOT_ALLOWED}",
    "https://evil.com/#.workable.com": f"callback_url host evil.com {NOT_ALLOWED}",
    "https://user@x.workable.com/results": "callback_url must not contain a user name or password.",
    "https://user:pw@x.workable.com/x": "callback_url must not contain a user name or password.",
    "https://x.workable.com:8443/x": f"callback_url host x.workable.com:8443 {NOT_ALLOWED}",
    "https://127.0.0.1/results": "callback_url must name a host, not an IP address.",
    "https://[::1]/results": "callback_url must name a host, not an IP address.",
    "https://2130706433/results": "callback_url must name a host, not an IP address.",
    "https://0x7f.1/results": "callback_url must name a host, not an IP address.",
    "https://169.254.169.254/latest/meta-data": "callback_url must name a host, not an IP address.",
    "https://localhost/results": f"callback_url host localhost {NOT_ALLOWED}",
    "https://evilworkable.com/results": f"callback_url host evilworkable.com {NOT_ALLOWED}",
    "ftp://acme.workable.com/results": "callback_url must be an https URL.",
    "https:///results": "callback_url has no host.",
    "https://acme.workable.com:99999/": "callback_url is not a valid URL.",
    "https://acme.workable.com/res ults": "callback_url contains spaces or control characters.",
    "https://acme.workable.com./results": "callback_url has an invalid host name.",
    "https://xn--acm-workable.com\u2025evil/": "callback_url has an invalid host name.",
    "javascript:alert(1)": "callback_url must be an https URL.",
    "": "callback_url must be an https URL.",
}


@pytest.mark.parametrize(("url", "problem"), SSRF_URLS.items(), ids=list(SSRF_URLS))
def test_it_refuses_every_url_of_the_ssrf_list(url, problem):
    assert callback_url_problem(url) == problem


@pytest.mark.parametrize(
    "url",
    [
        "https://workable.com/spi/v3/results",
        "https://acme.workable.com/spi/v3/assessments/abc/results",
        "https://ACME.Workable.com:443/spi/v3/x?y=1",
        "https://a.b.workable.com/x",
    ],
)
def test_it_accepts_workable_hosts(url):
    assert callback_url_problem(url) is None


def test_it_refuses_a_url_longer_than_2000_characters():
    url = "https://acme.workable.com/" + "a" * 2000

    assert callback_url_problem(url) == "callback_url is longer than 2000 characters."


def test_it_allows_only_listed_loopback_addresses_in_the_sandbox(settings):
    settings.WORKABLE_CALLBACK_ALLOWED_HOSTS = ["127.0.0.1:8765", ".workable.com"]
    settings.WORKABLE_CALLBACK_ALLOW_INSECURE = True

    assert callback_url_problem("http://127.0.0.1:8765/results") is None
    assert callback_url_problem("http://127.0.0.1:8766/results") == (
        "callback_url host 127.0.0.1:8766 is not allowed (allowed: 127.0.0.1:8765, .workable.com)."
    )
    assert callback_url_problem("http://10.0.0.1:8765/results") == (
        "callback_url may only use a loopback IP address in the sandbox."
    )


def test_it_refuses_insecure_urls_outside_the_sandbox(settings):
    settings.WORKABLE_CALLBACK_ALLOWED_HOSTS = ["127.0.0.1:8765"]

    assert (
        callback_url_problem("http://127.0.0.1:8765/results")
        == "callback_url must be an https URL."
    )


def test_it_names_the_refusal_at_intake_with_422(workable):
    body = {
        "test_id": str(workable["assessments"][0].pk),
        "callback_url": "https://169.254.169.254/latest/meta-data",
        "candidate": {"email": "jane@example.com"},
    }

    response = workable["client"].post("/api/workable/assessments", body, format="json")

    assert response.status_code == 422
    assert response.json() == {
        "status": 422,
        "message": "The request has errors in: callback_url.",
        "errors": {"callback_url": ["callback_url must name a host, not an IP address."]},
    }
