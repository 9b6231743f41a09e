"""The client's address for the sign-in lockout: the connection's, or a trusted proxy's header.

Any client can send X-Forwarded-For, so the header is read only when CLIENT_IP_HEADER names
it, and then only the entry the nearest trusted proxy wrote: with TRUSTED_PROXY_COUNT proxies
each appending the address they saw, that is the TRUSTED_PROXY_COUNT-th from the right;
anything left of it came from the client. (django-ipware, which django-axes can use, expects
exactly as many entries as proxies and gives no address otherwise.)
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str:
    direct = str(request.META.get("REMOTE_ADDR", ""))
    header = str(settings.CLIENT_IP_HEADER)
    if not header:
        return direct
    value = str(request.META.get("HTTP_" + header.upper().replace("-", "_"), ""))
    entries = [entry.strip() for entry in value.split(",") if entry.strip()]
    count = max(1, int(settings.TRUSTED_PROXY_COUNT))
    if len(entries) < count:
        return direct
    candidate = entries[-count]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return direct
