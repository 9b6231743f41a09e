"""The page at `/`: what this server is and where to go from here, for a first run and support.

Each link is listed by URL name and shown only when that URL exists, so the page never links to
a page that is not there. The sandbox ATS has its place here already: its entry appears as soon
as an app registers the `sandbox:home` URL.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_GET


@dataclass(frozen=True)
class Destination:
    url_name: str
    title: str
    description: str


DESTINATIONS = [
    Destination(
        "admin:index",
        "Harver admin",
        "Connect a customer's ATS to Harver assessments, follow every delivery to the ATS.",
    ),
    # The sandbox ATS (a stand-in ATS to try the whole flow without an account) is not built
    # yet; this entry shows once its app registers the URL.
    Destination(
        "sandbox:home",
        "Sandbox ATS",
        "A stand-in ATS: send an assessment to a candidate and watch the result arrive.",
    ),
    Destination(
        "api-docs",
        "API documentation",
        "The endpoints ATSes and the Harver assessment engine call (OpenAPI).",
    ),
]


@dataclass(frozen=True)
class Link:
    url: str
    title: str
    description: str


def available_links() -> list[Link]:
    links = []
    for destination in DESTINATIONS:
        try:
            url = reverse(destination.url_name)
        except NoReverseMatch:
            continue
        links.append(Link(url, destination.title, destination.description))
    return links


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "landing.html", {"links": available_links()})
