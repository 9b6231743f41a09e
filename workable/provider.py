"""Workable's entry in the provider registry."""

from integrations.providers import Pattern, Provider


class WorkableProvider(Provider):
    key = "workable"
    label = "Workable"
    # Workable invites by email only: the seed guide's "only ATS First Ad-Hoc".
    allowed_patterns = (Pattern.ATS_FIRST_AD_HOC,)
    api_path = "/api/workable"
