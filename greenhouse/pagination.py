"""Harvest's cursor paging: the next page is the `Link` header's `rel="next"` URL.

Filters go on the first request only; the next URL is followed exactly as given (its cursor
must travel alone), and only when it stays on the API's own scheme, host and path.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from requests.utils import parse_header_links


class OffHostLink(ValueError):
    """A next-page link that leaves the API; it is never followed."""


def next_page_url(link_header: str | None, api_base_url: str) -> str | None:
    """The next page's URL, or None on the last page; raises OffHostLink for a foreign one."""
    if not link_header or not link_header.strip():
        return None
    for link in parse_header_links(link_header):
        rels = link.get("rel", "").lower().split()
        if "next" not in rels:
            continue
        url = link.get("url", "").strip()
        if not url:
            return None
        problem = _foreign(url, api_base_url)
        if problem:
            raise OffHostLink(problem)
        return url
    return None


def _foreign(url: str, api_base_url: str) -> str:
    base = urlsplit(api_base_url)
    parts = urlsplit(url)
    try:
        same_port = parts.port == base.port
    except ValueError:
        same_port = False
    if (
        parts.scheme != base.scheme
        or (parts.hostname or "") != (base.hostname or "")
        or not same_port
        or parts.username is not None
        or parts.password is not None
        or not (parts.path.rstrip("/") + "/").startswith(base.path.rstrip("/") + "/")
    ):
        return f"The next page link leaves {base.scheme}://{base.netloc}{base.path}; not followed."
    return ""
