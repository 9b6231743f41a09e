"""App configuration for engine: the external Harver assessment engine's side door."""

from django.apps import AppConfig


class EngineConfig(AppConfig):
    name = "engine"
    verbose_name = "Assessment engine"

    def ready(self) -> None:
        from assessments.personal_data.holders import register_holder
        from engine import personal_data

        register_holder(personal_data.HOLDER)
