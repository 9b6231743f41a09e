"""Where an outbound connection may go: resolve the host once, check the addresses, pin one.

A host name on an allow-list proves nothing about the address it resolves to: a name can point
at 10.0.0.1 or at the cloud metadata service. `CheckedAddressAdapter` (a `requests` transport
adapter) resolves the host when the request is sent; refuses private, loopback, link-local,
multicast, reserved and unspecified addresses, IPv4 and IPv6 alike (an IPv6 address that embeds
an IPv4 one, mapped, 6to4 or Teredo, is refused when that one is); and hands urllib3 a connection
pool for the checked address itself, so there is no second lookup and no window for the name to
be rebound. TLS still verifies the host name: the pool sends it as SNI and checks the
certificate against it (`server_hostname`), and the request carries it as `Host`. A sandbox may
allow loopback addresses (local stand-ins), never the others.

A host is resolved once per adapter, that is once per client session (a batch): every request
of the session goes to the address checked first. Through an HTTPS proxy the tunnel is opened to
the checked address; a plain-HTTP proxy (sandbox only) connects by name itself.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests.utils import select_proxy
from urllib3.connectionpool import ConnectionPool

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
# (host, port) → the addresses it resolves to, in the order to try them.
Resolver = Callable[[str, int], Sequence[str]]
DEFAULT_PORTS = {"https": 443, "http": 80}


class AddressRefused(requests.RequestException):
    """The host resolves to an address we never connect to; nothing was sent."""


class HostUnresolved(requests.ConnectionError):
    """The host name could not be resolved (worth trying again later)."""


def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for `host`, without duplicates."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses a 6to4 or Teredo address reaches through its relay (NAT64's prefix
    is reserved, so refused anyway)."""
    embedded = [address.sixtofour, *(address.teredo or ())]
    return [ipv4 for ipv4 in embedded if ipv4 is not None]


def address_problem(address: Address, *, allow_loopback: bool) -> str | None:
    """What kind of address we refuse `address` as, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address_problem(address.ipv4_mapped, allow_loopback=allow_loopback)
        for ipv4 in _embedded_ipv4(address):
            problem = address_problem(ipv4, allow_loopback=False)
            if problem is not None:
                return problem
    if address.is_loopback:
        return None if allow_loopback else "a loopback address"
    checks = (
        (address.is_unspecified, "an unspecified address"),
        (address.is_link_local, "a link-local address"),
        (address.is_multicast, "a multicast address"),
        (address.is_reserved, "a reserved address"),
        (address.is_private, "a private address"),
        (isinstance(address, ipaddress.IPv6Address) and address.is_site_local, "a private address"),
        (not address.is_global, "a non-public address"),
    )
    return next((kind for refused, kind in checks if refused), None)


class CheckedAddressAdapter(HTTPAdapter):
    """A `requests` adapter that connects only to checked, public addresses (see module doc)."""

    def __init__(self, *, allow_loopback: bool, resolver: Resolver = system_resolver) -> None:
        super().__init__(max_retries=0)
        self.allow_loopback = allow_loopback
        self.resolver = resolver
        self._checked: dict[tuple[str, int], str] = {}

    def checked_address(self, host: str, port: int) -> str:
        """The address to connect to for `host`: resolved at most once, every answer checked."""
        known = self._checked.get((host, port))
        if known is not None:
            return known
        try:
            answers = list(self.resolver(host, port))
        except (OSError, UnicodeError) as error:
            kind = type(error).__name__
            raise HostUnresolved(f"{host} could not be resolved ({kind}).") from None
        if not answers:
            raise HostUnresolved(f"{host} could not be resolved (no address).")
        for answer in answers:
            try:
                address = ipaddress.ip_address(answer)
            except ValueError:
                raise AddressRefused(f"{host} resolves to {answer!r}, not an address.") from None
            problem = address_problem(address, allow_loopback=self.allow_loopback)
            if problem is not None:
                raise AddressRefused(f"{host} resolves to {problem} ({answer}).")
        self._checked[(host, port)] = answers[0]
        return answers[0]

    def get_connection_with_tls_context(
        self,
        request: requests.PreparedRequest,
        verify: bool | str | None,
        proxies: Mapping[str, str] | None = None,
        cert: tuple[str, str] | str | None = None,
    ) -> ConnectionPool:
        """The pool for the checked address of the request's host, verifying TLS for the name."""
        named, tls = self.build_connection_pool_key_attributes(
            request, True if verify is None else verify, cert
        )
        host, scheme = str(named["host"] or ""), str(named["scheme"])
        port = named["port"] or DEFAULT_PORTS.get(scheme, 443)
        address = self.checked_address(host, port)
        pool_kwargs: dict[str, Any] = dict(tls)
        if scheme == "https":
            pool_kwargs["server_hostname"] = host
        pinned = {"scheme": scheme, "host": address, "port": port, "pool_kwargs": pool_kwargs}
        proxy = select_proxy(str(request.url), proxies)
        if proxy:
            proxy = proxy if "://" in proxy else f"http://{proxy}"
            return self.proxy_manager_for(proxy).connection_from_host(**pinned)
        return self.poolmanager.connection_from_host(**pinned)

    def add_headers(self, request: requests.PreparedRequest, **kwargs: Any) -> None:
        """The connection is to an address: the host name travels in `Host`."""
        netloc = urlsplit(str(request.url)).netloc.rpartition("@")[2]
        request.headers.setdefault("Host", netloc)
