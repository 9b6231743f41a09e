"""Workable's references of an invitation, and what makes a live one unique (contract §2)."""

from collections.abc import Mapping


def invitation_refs(
    *, callback_url: str, job_shortcode: str = "", job_id: str = "", job_title: str = ""
) -> dict[str, str]:
    """What an invitation keeps of Workable's request: where results go, and for which job."""
    return {
        "callback_url": callback_url,
        "job_shortcode": job_shortcode,
        "job_id": job_id,
        "job_title": job_title,
    }


def invitation_identity(refs: Mapping[str, str], email: str) -> str:
    """One live invitation per job and candidate email: Workable repeats a request for both.

    An email holds no line break, so the pair reads back one way only.
    """
    return f"{refs.get('job_shortcode', '')}\n{email.lower()}"


def job_label(refs: Mapping[str, str]) -> str:
    """The job as "Title (shortcode)", or whichever of the two Workable sent."""
    title, shortcode = refs.get("job_title", ""), refs.get("job_shortcode", "")
    if title and shortcode:
        return f"{title} ({shortcode})"
    return title or shortcode
