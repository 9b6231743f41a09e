"""The logs carry no personal data: a candidate's whole journey through real processes (gunicorn,
a Celery worker with the scheduler, a stand-in Workable on 127.0.0.1), at DEBUG, then every line
the processes wrote is searched for the candidate's email, names, phone and resume URL.

The journey: Workable's invitation (and a refused one), the invitation email, the candidate's
pages from the link to the submit, a wrong link, the deliveries of the result to Workable, and
the erasure on request from the command line.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from assessments.models import CandidateAssessment
from integrations import services
from integrations.models import Delivery
from tests import factories
from tests.e2e.delivery_harness import stand_in
from tests.personal_data.support import ZEPHYRINE
from tests.processes import celery_worker, gunicorn, manage, platform_env, wait_until
from tests.workable.delivery_support import configure

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
LINK = re.compile(r"^https?://[^/\s]+(/assessment/[^/\s]+/)$", re.MULTILINE)


def mailed_path(var_dir: Path) -> str | None:
    """The path of the personal link in the emails written so far."""
    mail_dir = var_dir / "mail"
    if not mail_dir.is_dir():
        return None
    found = LINK.search("".join(path.read_text() for path in sorted(mail_dir.iterdir())))
    return found.group(1) if found else None


def post_form(session: requests.Session, url: str, data: dict[str, str]) -> requests.Response:
    page = session.get(url, timeout=30)
    token = CSRF.search(page.text)
    assert token, url
    return session.post(
        url,
        data={"csrfmiddlewaretoken": token.group(1), **data},
        timeout=30,
        headers={"Referer": url},
    )


def take_the_assessment(link: str) -> None:
    session = requests.Session()
    assert session.get(link, timeout=30).status_code == 200
    answered = post_form(session, f"{link}terms/", {"accept": "yes"})
    page = 1
    while "/questions/" in answered.url:
        items = sorted(set(re.findall(r'name="(item-\d+)"', answered.text)))
        answered = post_form(
            session, f"{link}questions/{page}/", {**dict.fromkeys(items, "4"), "action": "next"}
        )
        page += 1
    assert answered.url.endswith("/review/"), answered.url
    done = post_form(session, f"{link}review/", {})
    assert done.url.endswith("/done/"), done.url


def test_a_candidates_journey_leaves_none_of_their_details_in_any_log(tmp_path):
    with stand_in() as workable:
        account = factories.AccountFactory.create(name="Acme Retail")
        integration, assessment = configure(account)
        factories.add_questionnaire(
            assessment,
            {
                "Conscientiousness": [("I finish what I start.", False)],
                "Agreeableness": [("I listen before I answer.", False)],
            },
        )
        inbound_token = services.rotate_inbound_token(integration)
        env = platform_env(
            tmp_path,
            LOG_LEVEL="DEBUG",
            WORKABLE_API_BASE_URL=f"{workable.base}/{{subdomain}}/spi/v3",
            WORKABLE_CALLBACK_ALLOWED_HOSTS=workable.host,
            WORKABLE_CALLBACK_ALLOW_INSECURE="true",
            INVITATION_SWEEP_SECONDS="1",
            DELIVERY_SWEEP_SECONDS="1",
        )
        server_log = tmp_path / "gunicorn.log"
        candidate = {
            "email": ZEPHYRINE.email,
            "first_name": ZEPHYRINE.first_name,
            "last_name": ZEPHYRINE.last_name,
            "phone": ZEPHYRINE.phone,
            "resume_url": ZEPHYRINE.resume_url,
        }
        body = {
            "test_id": str(assessment.pk),
            "callback_url": f"{workable.base}/cb/zq",
            "candidate": candidate,
            "job_shortcode": "A1B2C3",
            "job_title": "Store Associate",
        }
        headers = {"Authorization": f"Bearer {inbound_token}"}
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        with gunicorn(env, log_path=server_log) as base_url, celery_worker(env, beat=True):
            api = f"{base_url}/api/workable/assessments"
            # a refused invitation carrying the candidate's details, then the real one
            refused = {**body, "test_id": "999999"}
            assert requests.post(api, json=refused, headers=headers, timeout=30).status_code == 422
            assert requests.post(api, json=body, headers=headers, timeout=30).status_code == 201
            assert wait_until(lambda: mailed_path(tmp_path) is not None, timeout=30)
            link = f"{base_url}{mailed_path(tmp_path)}"
            take_the_assessment(link)
            wrong = f"{base_url}/assessment/not-a-token/?email={ZEPHYRINE.email}"
            assert requests.get(wrong, timeout=30).status_code == 404
            assert wait_until(
                lambda: Delivery.objects.filter(state=Delivery.State.SUCCEEDED).count() >= 3,
                timeout=60,
            ), list(Delivery.objects.values_list("label", "state", "last_error"))
            erased = manage(
                env, "candidates", "erase", "--email", ZEPHYRINE.email, "--account", str(account.pk)
            )
            assert erased.startswith("Erased the personal data of 1 candidate")
            assert (
                requests.get(
                    link.replace("http://127.0.0.1:8000", base_url), timeout=30
                ).status_code
                == 410
            )

    assert CandidateAssessment.objects.get().status == "completed"
    logs = {path.name: path.read_text(errors="replace") for path in tmp_path.glob("*.log")}
    everything = "\n".join(logs.values())
    # the logs are there and say what happened, at DEBUG
    assert "Invitation" in everything
    assert len(everything.splitlines()) > 50
    for value in ZEPHYRINE.values:
        leaks = [name for name, text in logs.items() if value.lower() in text.lower()]
        assert leaks == [], f"{value!r} is in {leaks}"
