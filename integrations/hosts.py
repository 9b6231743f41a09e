"""The URLs handed to us that we will ever call: a host allow-list, checked as text.

Only `https` URLs on the list, on the default port (or the port an entry names), with no user
name or password and no IP literal. An entry is a host (`example.com`), a suffix for its
subdomains (`.example.com`), either with an optional `:port`. A sandbox (`allow_insecure`) also
lets `http` and loopback IP literals through, but only those on the list. What the name resolves
to is checked when the request is sent (`integrations.egress`).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import SplitResult, urlsplit

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


def _entry(raw: str) -> tuple[str, int | None] | None:
    entry = raw.strip().lower()
    if not entry:
        return None
    name, _, port = entry.rpartition(":")
    if name and port.isascii() and port.isdigit() and not entry.startswith("["):
        return name, int(port)
    return entry, None


class HostAllowList:
    """`problem(url)` says why we would refuse to call `url`, or None when it is allowed.

    `subject` names the URL in those sentences (the field it came in, e.g. "callback_url").
    """

    def __init__(self, hosts: Iterable[str], allow_insecure: bool, subject: str = "url") -> None:
        self.hosts = [raw for raw in hosts if raw.strip()]
        self.entries = [entry for entry in map(_entry, self.hosts) if entry is not None]
        self.allow_insecure = allow_insecure
        self.subject = subject

    def _on_list(self, host: str, port: int | None, scheme: str) -> bool:
        for name, entry_port in self.entries:
            if entry_port is not None:
                port_ok = port == entry_port
            else:
                port_ok = port in (None, DEFAULT_PORTS[scheme])
            name_ok = host.endswith(name) if name.startswith(".") else host == name
            if port_ok and name_ok:
                return True
        return False

    def _split(self, url: str) -> tuple[SplitResult, int | None] | str:
        if len(url) > MAX_URL_LENGTH:
            return f"{self.subject} is longer than {MAX_URL_LENGTH} characters."
        if any(character.isspace() or ord(character) < 32 for character in url):
            return f"{self.subject} contains spaces or control characters."
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            return f"{self.subject} is not a valid URL."
        return parts, port

    def problem(self, url: str) -> str | None:
        subject = self.subject
        split = self._split(url)
        if isinstance(split, str):
            return split
        parts, port = split
        allowed_schemes = ("https", "http") if self.allow_insecure else ("https",)
        if parts.scheme not in allowed_schemes:
            return f"{subject} must be an https URL."
        if parts.username is not None or parts.password is not None or "@" in parts.netloc:
            return f"{subject} must not contain a user name or password."
        host = (parts.hostname or "").lower()
        if not host:
            return f"{subject} has no host."
        address = _ip_literal(host)
        if address is not None or _looks_numeric(host):
            if not self.allow_insecure:
                return f"{subject} must name a host, not an IP address."
            if address is None or not address.is_loopback:
                return f"{subject} may only use a loopback IP address in the sandbox."
        elif not HOSTNAME.fullmatch(host):
            return f"{subject} has an invalid host name."
        if not self._on_list(host, port, parts.scheme):
            listed = ", ".join(self.hosts)
            shown = f"{host}:{port}" if port is not None else host
            return f"{subject} host {shown} is not allowed (allowed: {listed})."
        return None
