"""App configuration for integrations."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from assessments.lifecycle import register_status_listener
        from integrations import audit, dispatch

        audit.register_models()
        # The one place where status changes reach the ATS providers (see assessments.lifecycle).
        register_status_listener(dispatch.on_candidate_status_change)
