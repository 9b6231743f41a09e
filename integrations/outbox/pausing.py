"""Pausing: an integration whose deliveries wait, without failing and without using up retries.

A 401 from the ATS means every delivery of the integration would be refused the same way, and
only a new credential helps: failing them would lose what the ATS is owed or burn its retries.
So the delivery that met the 401 goes back to pending (its attempt is recorded as `paused`, not
a failure), the integration is marked paused with the reason, and nothing of it is claimed, sent
or published until `requeue.resume` (a working credential was entered) sends them, in order.
Replacing a credential pauses too (`ROTATING`), so deliveries due during the switch wait.
"""

from __future__ import annotations

import logging

from django.db.models import Q
from django.utils import timezone

from harver_integration import history
from integrations.models import Integration, PauseCause
from integrations.transport import CredentialsUnusable, DeliveryError, PermanentError

logger = logging.getLogger(__name__)


def pauses_deliveries(error: DeliveryError) -> bool:
    """Is this the ATS refusing the credentials themselves (HTTP 401)?

    A 403 (a scope missing for one call) and a secret no key decrypts stay failures.
    """
    return (
        isinstance(error, PermanentError)
        and not isinstance(error, CredentialsUnusable)
        and error.credentials_rejected
        and error.exchange.http_status == 401
    )


def pause(integration: Integration, cause: PauseCause, reason: str) -> bool:
    """Mark the integration's deliveries as waiting; False when they already were.

    A pause for refused credentials replaces one for a rotation (the reason that matters to the
    admin), never the other way round.
    """
    now = timezone.now()
    replaceable = Q(deliveries_paused_at__isnull=True)
    if cause == PauseCause.CREDENTIALS_REFUSED:
        replaceable |= Q(pause_cause=PauseCause.ROTATING)
    paused = Integration.objects.filter(replaceable, pk=integration.pk).update(
        deliveries_paused_at=now, pause_cause=cause, paused_reason=reason, updated_at=now
    )
    integration.deliveries_paused_at = integration.deliveries_paused_at or now
    if not paused:
        return False
    integration.pause_cause, integration.paused_reason = cause, reason
    history.record(integration, {"deliveries paused": ("", reason)})
    logger.warning("Integration %s: deliveries paused (%s)", integration.pk, cause)
    return True
