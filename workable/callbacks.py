"""The `callback_url`s we will ever call (contract §3, §6): checked at intake and before sending.

Only `https` URLs on WORKABLE_CALLBACK_ALLOWED_HOSTS (workable.com and its subdomains by
default), on the default port, with no credentials and no IP literal. The sandbox setting
WORKABLE_CALLBACK_ALLOW_INSECURE also lets `http` and loopback addresses through, but only those
on the list. The address the host resolves to is checked when the callback is sent.
"""

from __future__ import annotations

from django.conf import settings

from integrations.hosts import HostAllowList


def callback_url_problem(url: str) -> str | None:
    """Why we would refuse to call `url`, in plain words, or None when it is allowed."""
    allow_list = HostAllowList(
        settings.WORKABLE_CALLBACK_ALLOWED_HOSTS,
        settings.WORKABLE_CALLBACK_ALLOW_INSECURE,
        subject="callback_url",
    )
    return allow_list.problem(url)
