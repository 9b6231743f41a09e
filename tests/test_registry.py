"""The provider registry drives the installed apps, the settings and the inbound URLs."""

import re
import sys
import types
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import URLResolver, get_resolver

from integrations import registry
from integrations.registry import ProviderEntry, ProviderSettingsError

PROJECT = Path(__file__).resolve().parent.parent
ENV_READ = re.compile(r"\benv\.\w+\(\s*\"([A-Z0-9_]+)\"")


def test_it_installs_every_registered_providers_app():
    for entry in registry.PROVIDERS.values():
        assert entry.app in settings.INSTALLED_APPS


def test_it_mounts_every_providers_inbound_urls_at_api_key():
    mounted = {
        str(pattern.pattern): getattr(pattern.urlconf_module, "__name__", "")
        for pattern in get_resolver().url_patterns
        if isinstance(pattern, URLResolver)
    }

    for key, entry in registry.PROVIDERS.items():
        if entry.urls:
            assert mounted[f"api/{key}/"] == entry.urls


def test_it_merges_every_providers_settings_into_the_django_settings():
    merged = registry.provider_settings()

    assert merged
    assert set(merged) <= set(dir(settings))


@pytest.fixture
def settings_module(monkeypatch):
    def install(name, **values):
        module = types.ModuleType(name)
        for setting, value in values.items():
            setattr(module, setting, value)
        monkeypatch.setitem(sys.modules, name, module)
        return name

    return install


def test_it_takes_only_the_upper_case_names_of_a_providers_settings_module(settings_module):
    module = settings_module("acme_settings", ACME_TIMEOUT=3.0, env="a helper", _private=1)
    entries = {"acme": ProviderEntry("Acme", "acme.provider.AcmeProvider", "acme", module)}

    assert registry.provider_settings(entries) == {"ACME_TIMEOUT": 3.0}


def test_it_refuses_a_provider_setting_outside_the_providers_prefix(settings_module):
    module = settings_module("acme_settings", ACME_TIMEOUT=3.0, DEBUG=True, SECRET_KEY="x")
    entries = {"acme": ProviderEntry("Acme", "acme.provider.AcmeProvider", "acme", module)}

    with pytest.raises(ProviderSettingsError) as refused:
        registry.provider_settings(entries)

    assert str(refused.value) == (
        "acme_settings may only declare settings starting with ACME_; "
        "it declares DEBUG, SECRET_KEY."
    )


def test_it_skips_a_provider_without_settings_or_urls():
    entries = {"acme": ProviderEntry("Acme", "acme.provider.AcmeProvider", app="acme")}

    assert registry.provider_settings(entries) == {}
    assert registry.installed_apps(entries) == ["acme"]


def settings_files():
    yield PROJECT / "harver_integration" / "settings.py"
    for entry in registry.PROVIDERS.values():
        if entry.settings:
            yield PROJECT / Path(*entry.settings.split(".")).with_suffix(".py")


def test_env_example_documents_every_environment_variable_the_settings_read():
    documented = set(
        re.findall(r"^(?:# )?([A-Z0-9_]+)=", (PROJECT / ".env.example").read_text(), re.M)
    )
    read = {name for path in settings_files() for name in ENV_READ.findall(path.read_text())}

    assert read
    assert sorted(read - documented) == []


# With the sandbox's shell (/sandbox/, its frame, mail page and store): only the registry says
# which providers have a sandbox.
CORE_PACKAGES = (
    "integrations",
    "assessments",
    "accounts",
    "engine",
    "harver_integration",
    "sandbox",
)


def test_the_core_names_no_provider_outside_the_registry():
    names = [re.compile(re.escape(key), re.IGNORECASE) for key in registry.PROVIDERS]
    naming = sorted(
        str(path.relative_to(PROJECT))
        for package in CORE_PACKAGES
        for path in (PROJECT / package).rglob("*.py")
        if "migrations" not in path.parts
        and any(name.search(path.read_text(encoding="utf-8")) for name in names)
    )
    assert naming == ["integrations/registry.py"]
