"""The `callback_url`s we will ever call (contract §3, §6): checked at intake and before sending.

Only `https` URLs on the allow-list (workable.com and its subdomains by default), on the default
port, with no credentials and no IP literal. The sandbox setting WORKABLE_CALLBACK_ALLOW_INSECURE
also lets `http` and loopback addresses through, but only those on the list.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from django.conf import settings

MAX_URL_LENGTH = 2000
HOSTNAME = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$"
)
DEFAULT_PORTS = {"https": 443, "http": 80}


def _ip_literal(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _looks_numeric(host: str) -> bool:
    """Hosts such as 2130706433 or 0x7f.1 that resolvers read as IP addresses."""
    labels = host.split(".")
    return all(re.fullmatch(r"(0x[0-9a-f]*|[0-9]+)", label) for label in labels if label)


def _allowed_entries() -> list[tuple[str, int | None]]:
    entries: list[tuple[str, int | None]] = []
    for raw in settings.WORKABLE_CALLBACK_ALLOWED_HOSTS:
        entry = raw.strip().lower()
        if not entry:
            continue
        name, _, port = entry.rpartition(":")
        if name and port.isdigit() and not entry.startswith("["):
            entries.append((name, int(port)))
        else:
            entries.append((entry, None))
    return entries


def _host_on_list(host: str, port: int | None, scheme: str) -> bool:
    for name, entry_port in _allowed_entries():
        if entry_port is not None:
            port_ok = port == entry_port
        else:
            port_ok = port in (None, DEFAULT_PORTS[scheme])
        name_ok = host.endswith(name) if name.startswith(".") else host == name
        if port_ok and name_ok:
            return True
    return False


def _split(url: str) -> tuple[SplitResult, int | None] | str:
    if len(url) > MAX_URL_LENGTH:
        return f"callback_url is longer than {MAX_URL_LENGTH} characters."
    if any(character.isspace() or ord(character) < 32 for character in url):
        return "callback_url contains spaces or control characters."
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return "callback_url is not a valid URL."
    return parts, port


def callback_url_problem(url: str) -> str | None:
    """Why we would refuse to call `url`, in plain words, or None when it is allowed."""
    split = _split(url)
    if isinstance(split, str):
        return split
    parts, port = split
    insecure = settings.WORKABLE_CALLBACK_ALLOW_INSECURE
    allowed_schemes = ("https", "http") if insecure else ("https",)
    if parts.scheme not in allowed_schemes:
        return "callback_url must be an https URL."
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return "callback_url must not contain a user name or password."
    host = (parts.hostname or "").lower()
    if not host:
        return "callback_url has no host."
    address = _ip_literal(host)
    if address is not None or _looks_numeric(host):
        if not insecure:
            return "callback_url must name a host, not an IP address."
        if address is None or not address.is_loopback:
            return "callback_url may only use a loopback IP address in the sandbox."
    elif not HOSTNAME.fullmatch(host):
        return "callback_url has an invalid host name."
    if not _host_on_list(host, port, parts.scheme):
        listed = ", ".join(settings.WORKABLE_CALLBACK_ALLOWED_HOSTS)
        shown = f"{host}:{port}" if port is not None else host
        return f"callback_url host {shown} is not allowed (allowed: {listed})."
    return None
