"""The `callback_url`s we will ever call (contract §3, §6): checked at intake and before sending.

Only `https` URLs on WORKABLE_CALLBACK_ALLOWED_HOSTS (workable.com and its subdomains by
default), on the default port, with no credentials and no IP literal. The sandbox setting
WORKABLE_CALLBACK_ALLOW_INSECURE also lets `http` and loopback addresses through, but only those
on the list. The address the host resolves to is checked when the callback is sent.

An integration connected to the built-in sandbox calls back only the sandbox's own Workable
(under SANDBOX_BASE_URL), never a host on the list: it can never deliver to a real Workable.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from integrations.hosts import HostAllowList

SANDBOX_PATH = "workable"


def sandbox_root() -> str:
    """The sandbox's stand-in Workable, as the platform reaches it."""
    return f"{str(settings.SANDBOX_BASE_URL).rstrip('/')}/{SANDBOX_PATH}"


def sandbox_api_base_url() -> str:
    """The SPI v3 base of the sandbox's Workable, `{subdomain}` to be filled in."""
    return f"{sandbox_root()}/{{subdomain}}/spi/v3"


def _sandbox_problem(url: str) -> str | None:
    root = sandbox_root()
    if not url.startswith(f"{root}/"):
        return (
            f"callback_url must be under the sandbox's Workable ({root}/): this integration is "
            "connected to the sandbox."
        )
    parts = urlsplit(root)
    allow_list = HostAllowList(
        [parts.netloc], allow_insecure=parts.scheme == "http", subject="callback_url"
    )
    return allow_list.problem(url)


def callback_url_problem(url: str, *, sandbox: bool = False) -> str | None:
    """Why we would refuse to call `url`, in plain words, or None when it is allowed.

    `sandbox`: the integration is connected to the sandbox, whose Workable alone it may call.
    """
    if sandbox:
        return _sandbox_problem(url)
    allow_list = HostAllowList(
        settings.WORKABLE_CALLBACK_ALLOWED_HOSTS,
        settings.WORKABLE_CALLBACK_ALLOW_INSECURE,
        subject="callback_url",
    )
    return allow_list.problem(url)
