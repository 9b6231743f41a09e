"""App configuration for engine: the external Harver assessment engine's side door."""

from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "Assessment engine"
