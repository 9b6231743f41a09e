"""App configuration for integrations."""

from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "integrations"
    verbose_name = "Integrations"

    def ready(self) -> None:
        from assessments.lifecycle import register_batch_status_listener, register_status_listener
        from assessments.personal_data.holders import register_holder
        from assessments.report_content import register_job_source
        from integrations import audit, dispatch, personal_data, report_links

        audit.register_models()
        # The one place where status changes reach the ATS providers (see assessments.lifecycle).
        register_status_listener(dispatch.on_candidate_status_change)
        register_batch_status_listener(dispatch.BATCH)
        # The report pages show the ATS job; only the integrations side knows it.
        register_job_source(report_links.job_of)
        # Exports and erasures of a candidate reach the integrations' rows through this.
        register_holder(personal_data.HOLDER)
