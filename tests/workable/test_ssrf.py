"""Every call to Workable is address-checked (checklist S6): a callback or SPI host on the
allow-list that resolves to a private address receives nothing, and the delivery says why."""

from __future__ import annotations

import socket

import pytest

from integrations.models import Delivery, DeliveryAttempt
from integrations.outbox.outcomes import BatchOutcome
from tests.workable.delivery_support import (
    invited_fixture,  # noqa: F401
    reload,
    run,
)

State = Delivery.State


@pytest.fixture
def private_dns(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """The system resolver answers 10.0.0.1 for acme.workable.com; connects other than to
    loopback (the database, Redis) are recorded and not carried out."""
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    connects: list[object] = []

    def getaddrinfo(host: object, port: object, *args: object, **kwargs: object) -> object:
        if host == "acme.workable.com":
            host = "10.0.0.1"
        return real_getaddrinfo(host, port, *args, **kwargs)  # type: ignore[arg-type]

    def connect(sock: socket.socket, address: object) -> None:
        if isinstance(address, tuple) and str(address[0]).startswith(("127.", "::1")):
            return real_connect(sock, address)
        connects.append(address)
        raise ConnectionRefusedError("recorded, not connected")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return connects


def test_a_callback_host_resolving_to_a_private_address_gets_no_request(invited, private_dns):
    [pending] = invited.deliveries()

    assert run(pending) == BatchOutcome.FAILED_ATTEMPT

    delivery = reload(pending)
    assert delivery.state == State.FAILED
    assert delivery.last_error == (
        "Not sent: acme.workable.com resolves to a private address (10.0.0.1)."
    )
    assert DeliveryAttempt.objects.get(delivery=delivery).http_status is None
    assert private_dns == []


def test_the_spi_base_url_is_checked_too(invited, private_dns):
    invited.complete()
    note = invited.deliveries(kind=Delivery.Kind.COMMENT)[0]

    run(note)

    assert reload(note).last_error == (
        "Not sent: acme.workable.com resolves to a private address (10.0.0.1)."
    )
    assert private_dns == []
