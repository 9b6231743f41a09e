"""The web hook endpoint Greenhouse calls: `POST /api/greenhouse/webhooks/<token>`.

The URL token names the integration; the `Signature` header (an HMAC of the raw body with the
Secret Key) proves that Greenhouse sent it. Greenhouse counts anything but HTTP 200 as a failure
and sends it again later, so a call is answered 200 whenever sending it again would change
nothing (a ping, a repeat, an action we ignore, a stage that is not mapped, a disabled
integration), and otherwise with the reason: 400 not a web hook body, 401 unsigned or wrongly
signed (nothing is done, so the retries land once the Secret Key is corrected), 404 unknown
token, 413 too large. A stage change worth inviting for is stored and answered at once; a worker
does the rest (`greenhouse.webhooks`). Every answer is `{"status": <code>, "message": "…"}`.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from greenhouse import webhooks
from greenhouse.payloads import Ping, StageChange, WebhookBodyError, parse_webhook
from greenhouse.signatures import SecretKeys, signature_matches
from greenhouse.unconfirmed import PING_NEEDS_SIGNATURE
from harver_integration.crypto import SecretDecryptionError
from integrations import inbound
from integrations.models import AtsCredential, InboundEvent, Integration

logger = logging.getLogger(__name__)

State = InboundEvent.State
PROVIDER_KEY = "greenhouse"


def answer(status: int, message: str) -> JsonResponse:
    return JsonResponse({"status": status, "message": message}, status=status)


def secret_keys(integration: Integration) -> list[str]:
    """The Secret Keys a delivery may be signed with now: the current one, and the one it
    replaced during the grace period. [] when none is set or none can be read."""
    credential = AtsCredential.objects.filter(integration=integration).first()
    if credential is None:
        return []
    try:
        current = credential.secret("webhook_secret")
    except SecretDecryptionError:
        logger.error("Integration %s: the webhook Secret Key cannot be decrypted", integration.pk)
        return []
    previous = credential.previous_secret("webhook_secret")
    keys = SecretKeys(
        current=current,
        previous=previous.value if previous else "",
        replaced_at=previous.replaced_at if previous else None,
    )
    return keys.accepted(timezone.now(), settings.GREENHOUSE_SECRET_GRACE_SECONDS)


def _read_body(request: HttpRequest, limit: int) -> bytes | None:
    """The raw body, or None when it is larger than `limit` (read no further than that)."""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if declared.isascii() and declared.isdigit() and int(declared) > limit:
        return None
    body = request.read(limit + 1)
    return None if len(body) > limit else body


@method_decorator(csrf_exempt, name="dispatch")
class WebhookView(View):
    """The URL's token first (an unknown one is 404 whatever the method), then the method."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        integration = inbound.integration_for_token(str(kwargs.get("token", "")))
        if integration is None or integration.provider != PROVIDER_KEY:
            return answer(404, "No Greenhouse integration has this web hook URL.")
        if request.method != "POST":
            response = answer(405, "Greenhouse web hooks are POSTed.")
            response["Allow"] = "POST"
            return response
        return self.deliver(request, integration)

    def deliver(self, request: HttpRequest, integration: Integration) -> JsonResponse:
        limit = settings.GREENHOUSE_WEBHOOK_MAX_BODY_BYTES
        body = _read_body(request, limit)
        if body is None:
            return answer(413, f"The body is larger than {limit} bytes.")
        try:
            webhook = parse_webhook(body)
        except WebhookBodyError as error:
            logger.warning("Integration %s: web hook refused: %s", integration.pk, error)
            return answer(400, str(error))
        event_id = request.headers.get("Greenhouse-Event-ID", "").strip()[:128]
        signed = signature_matches(body, request.headers.get("Signature"), secret_keys(integration))
        if isinstance(webhook, Ping) and (signed or not PING_NEEDS_SIGNATURE):
            webhooks.record_ping(integration, webhook, event_id=event_id, signed=signed, body=body)
            return answer(200, "Pong: Harver received the ping.")
        if not signed:
            logger.warning(
                "Integration %s: web hook %s refused: %s Signature",
                integration.pk,
                event_id or "without an event id",
                "a wrong" if request.headers.get("Signature") else "no",
            )
            return answer(
                401,
                "The Signature header is missing or does not match the Secret Key; nothing was "
                "done.",
            )
        recorded = webhooks.record_delivery(integration, webhook, event_id=event_id, body=body)
        if not recorded.created:
            return answer(200, "A repeat of a delivery already received; nothing more was done.")
        if recorded.event.state == State.RECEIVED and isinstance(webhook, StageChange):
            return answer(200, "Received: the invitation is on its way.")
        return answer(200, f"Ignored: {recorded.event.outcome}")
