"""Does the ATS reach Harver? The go-live check's token check, sent from outside.

The provider base URL the admin pasted into the ATS must answer on the public address, and its
endpoints must check tokens. Harver keeps only a fingerprint of the active token, so the check
sends a token no integration can have (`Provider.inbound_probe` says where and how; it is not
token-shaped, so no log or leak check mistakes it for one): the endpoint must refuse it with the
provider's status. The request goes through the same address-checked transport as every
outbound call, so for a real integration it proves that the public name resolves to a public
address and is served; only a sandbox integration (or a development machine,
GO_LIVE_PROBE_ALLOW_LOOPBACK) may be reached on a loopback address. Whether the ATS itself holds
the active token shows in its last use, which the step reports.
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from integrations.http import Authorization, ProviderClient, loggable_url
from integrations.models import Integration
from integrations.provider_types import GoLiveStep
from integrations.transport import DeliveryError

NAME = "The inbound token works from outside"
WRONG_TOKEN = "not-a-harver-token"  # noqa: S105 (a token nobody has, by design)
CONNECT_TIMEOUT = 5.0
READ_TIMEOUT = 10.0


class _NoLimit:
    """Our own endpoint: no partner rate limit applies."""

    def take(self) -> None:
        return None

    def block(self, seconds: float) -> None:
        return None

    def close(self) -> None:
        return None


class _HeadersOnly:
    """The probe's token travels as the provider says (a header or the path), not here."""

    def __init__(self, token: str) -> None:
        self.token = token

    def header(self) -> str:
        return ""

    def rejected(self, header: str) -> bool:
        return False

    def secrets(self) -> list[str]:
        return [self.token]


class _Probe(ProviderClient):
    label = "Harver's provider base URL"

    def send(self, method: str, url: str, headers: dict[str, str]) -> None:
        self._request(method, url, headers=headers, authorize=False)


def check_inbound_token(integration: Integration) -> GoLiveStep:
    provider = integration.provider_impl
    active = integration.inbound_tokens.active().first()
    if active is None:
        return GoLiveStep(
            NAME,
            False,
            "No ATS to Harver token has been minted: mint one (Credentials, ATS to Harver) and "
            f"paste it into {provider.label}.",
        )
    wrong_token = WRONG_TOKEN
    probe = provider.inbound_probe(wrong_token)
    if probe is None:
        return GoLiveStep(NAME, True, f"{provider.label} calls no endpoint of Harver's.")
    url = f"{provider.inbound_base_url()}/{probe.path}"
    shown = loggable_url(url).replace(wrong_token, "<token>")
    authorization: Authorization = _HeadersOnly(wrong_token)
    with _Probe(
        base_url=provider.inbound_base_url(),
        budget=_NoLimit(),
        authorization=authorization,
        timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
        allow_loopback=integration.is_sandbox or settings.GO_LIVE_PROBE_ALLOW_LOOPBACK,
    ) as client:
        try:
            client.send(probe.method, url, probe.headers)
        except DeliveryError as error:
            status = error.exchange.http_status
            if status != probe.refused_status:
                return GoLiveStep(
                    NAME,
                    False,
                    f"{probe.method} {shown} did not answer as Harver does: "
                    f"{client.redact(str(error))} Check that {settings.PUBLIC_BASE_URL} is "
                    "Harver's public address and is reachable from the internet.",
                )
        else:
            return GoLiveStep(
                NAME,
                False,
                f"{probe.method} {shown} accepted a token no integration has: it is not "
                "Harver's endpoint. Check PUBLIC_BASE_URL and the proxy in front of Harver.",
            )
    found = f"{shown} answers from outside and refuses a wrong token (HTTP {status})."
    if active.last_used_at is None:
        return GoLiveStep(
            NAME,
            False,
            f"{found} But {provider.label} has not used the active token yet: paste the "
            f"inbound settings (Credentials, ATS to Harver) into {provider.label}, save them "
            "there, and run the check again.",
        )
    when = timezone.localtime(active.last_used_at).strftime("%Y-%m-%d %H:%M")
    return GoLiveStep(NAME, True, f"{found} {provider.label} last used the active token at {when}.")
