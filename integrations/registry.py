"""The provider registry: one entry per ATS, the only place the core names a provider.

Everything else follows from an entry: the Django app to install, the provider's settings
module merged into the Django settings, its inbound urlconf mounted at `api/<key>/`, its sandbox
urlconf at `sandbox/<key>/`, and its `Provider` subclass, imported lazily by
`integrations.providers.get_provider`. The settings module imports this one, so nothing here may
import Django.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any


@dataclass(frozen=True)
class ProviderEntry:
    label: str
    provider: str  # dotted path of the Provider subclass
    app: str  # the Django app (package) to install, e.g. the provider's folder
    settings: str = ""  # dotted module whose UPPER_CASE names are merged into Django settings
    urls: str = ""  # dotted urlconf mounted at api/<key>/ (the provider's inbound endpoints)
    # Dotted urlconf of the provider's stand-in ATS, mounted at sandbox/<key>/ when the sandbox
    # is enabled: its API as the platform calls it, and its recruiter pages.
    sandbox: str = ""


PROVIDERS: dict[str, ProviderEntry] = {
    "workable": ProviderEntry(
        "Workable",
        "workable.provider.WorkableProvider",
        app="workable",
        settings="workable.settings",
        urls="workable.urls",
        sandbox="workable.sandbox.urls",
    ),
    "greenhouse": ProviderEntry(
        "Greenhouse",
        "greenhouse.provider.GreenhouseProvider",
        app="greenhouse",
        settings="greenhouse.settings",
        urls="greenhouse.urls",
        sandbox="greenhouse.sandbox.urls",
    ),
}


class ProviderSettingsError(ValueError):
    """A provider's settings module declares a setting outside its own prefix."""


def installed_apps(providers: dict[str, ProviderEntry] | None = None) -> list[str]:
    """The Django apps of the registered providers, in registry order."""
    entries = PROVIDERS if providers is None else providers
    return [entry.app for entry in entries.values()]


def setting_prefix(key: str) -> str:
    """The prefix of a provider's settings and environment variables: `<KEY>_`."""
    return f"{key.upper()}_"


def provider_settings(providers: dict[str, ProviderEntry] | None = None) -> dict[str, Any]:
    """Every registered provider's settings (the UPPER_CASE names of its settings module).

    A provider may only declare settings under its own prefix, so that it can neither override a
    core setting nor another provider's.
    """
    entries = PROVIDERS if providers is None else providers
    merged: dict[str, Any] = {}
    for key, entry in entries.items():
        if not entry.settings:
            continue
        module = import_module(entry.settings)
        prefix = setting_prefix(key)
        names = [name for name in vars(module) if name.isupper()]
        strays = [name for name in names if not name.startswith(prefix)]
        if strays:
            raise ProviderSettingsError(
                f"{entry.settings} may only declare settings starting with {prefix}; "
                f"it declares {', '.join(sorted(strays))}."
            )
        merged.update({name: getattr(module, name) for name in names})
    return merged
