"""A running worker refuses a pickled task message: it never unpickles what the broker holds.

Whoever can write to the broker could otherwise run code in the worker (a pickle runs whatever
its `__reduce__` names). The worker accepts JSON only (`CELERY_ACCEPT_CONTENT`).
"""

from __future__ import annotations

import os
import pickle
import uuid
from pathlib import Path

import pytest
from kombu import Connection, Exchange, Queue

from tests.processes import celery_worker, platform_env, wait_until

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

REFUSAL = "Refusing to deserialize untrusted content of type pickle"
# A task that exists, so that only the message's encoding can stop it.
TASK = "integrations.tasks.sweep_deliveries"


class TouchesWhenUnpickled:
    """Unpickling this creates `path`: the proof that a process unpickled it."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.mkdir, (str(self.path),))


def _publish_pickled(broker_dir: Path, body: object) -> None:
    queue = Queue("celery", Exchange("celery", type="direct"), routing_key="celery")
    options = {
        "data_folder_in": str(broker_dir / "queue"),
        "data_folder_out": str(broker_dir / "queue"),
        "control_folder": str(broker_dir / "control"),
        "processed_folder": str(broker_dir / "processed"),
        "store_processed": False,
    }
    task_id = str(uuid.uuid4())
    with Connection("filesystem://localhost/", transport_options=options) as connection:
        connection.Producer().publish(
            body,
            serializer="pickle",
            exchange=queue.exchange,
            routing_key="celery",
            declare=[queue],
            headers={"lang": "py", "task": TASK, "id": task_id, "root_id": task_id},
        )


def test_a_running_worker_refuses_a_pickled_message_without_unpickling_it(tmp_path):
    # given a worker of the production settings, on their file broker
    env = platform_env(tmp_path)
    marker = tmp_path / "unpickled"

    with celery_worker(env, concurrency=1):
        log_dir = Path(env["VAR_DIR"])
        started = wait_until(
            lambda: any("ready." in log.read_text() for log in log_dir.glob("worker-*.log")),
            timeout=60,
        )
        assert started, "the worker did not start"

        # when a pickled message for one of its tasks reaches its queue
        _publish_pickled(
            tmp_path / "broker", ((TouchesWhenUnpickled(marker),), {}, {"callbacks": None})
        )

        # then the worker refuses it by its content type, and nothing was unpickled
        refused = wait_until(
            lambda: any(REFUSAL in log.read_text() for log in log_dir.glob("worker-*.log")),
            timeout=30,
        )
    assert refused
    assert not marker.exists()
    # and the payload does what it says when unpickled, so its absence above means something
    control = tmp_path / "unpickled-here"
    pickle.loads(pickle.dumps(TouchesWhenUnpickled(control)))  # noqa: S301
    assert control.exists()
