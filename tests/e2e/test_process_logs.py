"""The log scan of the end-to-end suite finds a candidate however a log line writes them, and
reads only what the test added to each log (quick: no process is started)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import factories
from tests.e2e.process_logs import ProcessLogs

pytestmark = pytest.mark.django_db


def test_it_names_each_log_that_names_a_candidate_of_the_test(tmp_path: Path) -> None:
    # given a worker log with a line from before the test, and a candidate the test invites
    worker = tmp_path / "w1-1.log"
    worker.write_text("an earlier test's kim.older@example.org\n")
    logs = ProcessLogs(tmp_path)
    factories.CandidateAssessmentFactory.create(
        email="jane.roe@example.com", first_name="Jane", last_name="Roe-Smith"
    )
    logs.add(email="Ann.Lee@Example.org", names=("Ann", "Lee <&>"))
    logs.add(email="kim.older@example.org")

    # when the processes write, the mail backend writes an email, and the test ends
    with worker.open("a") as log:
        log.write('"GET /spi/v3/candidates?email=JANE.ROE%40example.com HTTP/1.1" 200\n')
        log.write("Delivery 7 does not name Smithson or Annabel\n")
    (tmp_path / "gunicorn-8000.log").write_text("Invitation 12 for ann.lee@example.org: 201\n")
    (tmp_path / "beat-1.log").write_text("POST /candidates/cand-SMITH/comments by LEE\n")
    (tmp_path / "mail").mkdir()
    (tmp_path / "mail" / "20261202-1.log").write_text("To: jane.roe@example.com\n\nDear Jane")

    # then each log naming one is reported with what it names, and nothing else is
    assert logs.leaks() == [
        "beat-1.log: lee, smith",
        "gunicorn-8000.log: ann.lee@example.org, ann, lee",
        "w1-1.log: jane.roe@example.com, jane, roe",
    ]


def test_an_email_inside_a_longer_token_is_found(tmp_path: Path) -> None:
    logs = ProcessLogs(tmp_path)
    logs.add(email="jo@example.com")
    (tmp_path / "w2-1.log").write_text("PATCH /candidates/cand-jo%40example.com/update 200\n")

    assert logs.leaks() == ["w2-1.log: jo@example.com"]
