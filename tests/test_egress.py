"""The address-checked transport (checklist S6): resolved once, refused before any connect,
connected to the checked address, TLS verified for the host name."""

from __future__ import annotations

import datetime
import http.server
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from integrations.egress import AddressRefused, CheckedAddressAdapter, address_problem

REFUSED = {
    "10.0.0.1": "a private address",
    "172.16.5.4": "a private address",
    "192.168.1.1": "a private address",
    "127.0.0.1": "a loopback address",
    "127.8.9.10": "a loopback address",
    "169.254.169.254": "a link-local address",
    "0.0.0.0": "an unspecified address",  # noqa: S104
    "224.0.0.251": "a multicast address",
    "240.0.0.1": "a reserved address",
    "100.64.0.1": "a non-public address",
    "::1": "a loopback address",
    "::": "an unspecified address",
    "fe80::1": "a link-local address",
    "fc00::1": "a private address",
    "fd12:3456::1": "a private address",
    "ff02::1": "a multicast address",
    "::ffff:10.0.0.1": "a private address",
    "::ffff:127.0.0.1": "a loopback address",
    "::ffff:169.254.169.254": "a link-local address",
    "2002:a00:1::": "a private address",  # 6to4 of 10.0.0.1
}


@pytest.mark.parametrize(("address", "kind"), REFUSED.items(), ids=list(REFUSED))
def test_it_refuses_every_non_public_address(address, kind):
    assert address_problem(ipaddress.ip_address(address), allow_loopback=False) == kind


@pytest.mark.parametrize("address", ["93.184.215.14", "8.8.8.8", "2606:4700:4700::1111"])
def test_it_accepts_public_addresses(address):
    assert address_problem(ipaddress.ip_address(address), allow_loopback=False) is None


def test_the_sandbox_allows_loopback_and_nothing_else():
    allowed = [a for a in REFUSED if address_problem(ipaddress.ip_address(a), allow_loopback=True)]

    assert set(REFUSED) - set(allowed) == {"127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"}


@dataclass
class Resolver:
    """A test resolver: answers from a script, one answer list per lookup, counting them."""

    answers: list[list[str]]
    lookups: list[tuple[str, int]] = field(default_factory=list)

    def __call__(self, host: str, port: int) -> list[str]:
        self.lookups.append((host, port))
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Every socket connect attempted, none carried out."""
    attempted: list[object] = []

    def record(sock: socket.socket, address: object) -> None:
        attempted.append(address)
        raise ConnectionRefusedError("recorded, not connected")

    monkeypatch.setattr(socket.socket, "connect", record)
    return attempted


def session(resolver: Resolver, *, allow_loopback: bool = False) -> requests.Session:
    http_session = requests.Session()
    http_session.trust_env = False
    adapter = CheckedAddressAdapter(allow_loopback=allow_loopback, resolver=resolver)
    http_session.mount("https://", adapter)
    http_session.mount("http://", adapter)
    return http_session


@pytest.mark.parametrize(
    "answer", ["10.0.0.1", "127.0.0.1", "169.254.169.254", "::1", "::ffff:10.0.0.1"]
)
def test_a_name_resolving_to_a_refused_address_is_refused_before_any_connect(answer, connects):
    resolver = Resolver([[answer]])

    with pytest.raises(AddressRefused, match=rf"^api\.example\.com resolves to a .*\({answer}\)"):
        session(resolver).get("https://api.example.com/x", timeout=1)

    assert connects == []
    assert resolver.lookups == [("api.example.com", 443)]


def test_one_refused_address_among_public_ones_refuses_the_name(connects):
    resolver = Resolver([["93.184.215.14", "10.0.0.1"]])

    with pytest.raises(AddressRefused, match="a private address"):
        session(resolver).get("https://api.example.com/x", timeout=1)

    assert connects == []


def test_a_rebinding_name_is_looked_up_once_and_only_the_checked_address_is_connected(
    connects, monkeypatch
):
    # first a public address, then (too late) a private one
    resolver = Resolver([["93.184.215.14"], ["10.0.0.1"]])
    http_session = session(resolver)
    system_lookups: list[object] = []
    real_getaddrinfo = socket.getaddrinfo

    def recording_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        system_lookups.append(host)
        return real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "getaddrinfo", recording_getaddrinfo)

    for _ in range(3):
        with pytest.raises(requests.ConnectionError):
            http_session.get("https://api.example.com/x", timeout=1)

    assert resolver.lookups == [("api.example.com", 443)]
    assert connects == [("93.184.215.14", 443)] * 3
    # and the connection code only ever parsed the checked address, never the name
    assert set(system_lookups) == {"93.184.215.14"}


def test_an_ip_literal_is_checked_like_a_resolved_name(connects):
    with pytest.raises(AddressRefused, match="link-local"):
        session(Resolver([["169.254.169.254"]])).get("http://169.254.169.254/latest", timeout=1)

    assert connects == []


# --- TLS to the pinned address still verifies the host name -------------------------------------


@dataclass(frozen=True)
class Certificates:
    authority: Path
    chain: Path
    key: Path


def _certificates(directory: Path, name: str) -> Certificates:
    now = datetime.datetime.now(tz=datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test authority")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    leaf = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    files = Certificates(directory / "ca.pem", directory / "leaf.pem", directory / "leaf.key")
    files.authority.write_bytes(ca.public_bytes(pem))
    files.chain.write_bytes(leaf.public_bytes(pem))
    files.key.write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return files


@dataclass
class TlsServer:
    authority: str  # the CA bundle that trusts its certificate
    port: int = 0
    server_names: list[str | None] = field(default_factory=list)
    hosts: list[str] = field(default_factory=list)


@pytest.fixture
def tls_server(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[TlsServer]:
    """An HTTPS server on 127.0.0.1 whose certificate names `request.param`."""
    certificates = _certificates(tmp_path, request.param)
    seen = TlsServer(authority=str(certificates.authority))

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as the partners' servers

        def do_GET(self) -> None:
            seen.hosts.append(self.headers.get("Host", ""))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, format: str, *args: object) -> None:
            return

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificates.chain, certificates.key)
    context.sni_callback = lambda sock, name, ctx: seen.server_names.append(name)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    seen.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield seen
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("tls_server", ["api.example.test"], indirect=True)
def test_tls_to_the_pinned_address_sends_and_verifies_the_host_name(tls_server):
    resolver = Resolver([["127.0.0.1"]])
    http_session = session(resolver, allow_loopback=True)
    url = f"https://api.example.test:{tls_server.port}/x"

    for _ in range(2):
        response = http_session.get(url, verify=tls_server.authority, timeout=5)
        assert response.text == "ok"

    assert set(tls_server.server_names) == {"api.example.test"}
    assert tls_server.hosts == [f"api.example.test:{tls_server.port}"] * 2
    assert resolver.lookups == [("api.example.test", tls_server.port)]


@pytest.mark.parametrize("tls_server", ["other.example.test"], indirect=True)
def test_a_certificate_for_another_name_is_refused(tls_server):
    http_session = session(Resolver([["127.0.0.1"]]), allow_loopback=True)

    with pytest.raises(requests.exceptions.SSLError, match=r"(?i)hostname|match"):
        http_session.get(
            f"https://api.example.test:{tls_server.port}/x",
            verify=tls_server.authority,
            timeout=5,
        )

    assert tls_server.hosts == []
