"""Configuration history (django-auditlog): who changed what and when; secrets never recorded."""

from auditlog.registry import auditlog
from django.apps import apps

SECRET_FIELDS = {
    "integrations.AtsCredential": ["secrets"],
    "integrations.InboundToken": ["token_hash"],
    "engine.EngineApiKey": ["key_hash"],
}
AUDITED_MODELS = [
    "accounts.Account",
    "assessments.Assessment",
    "assessments.Competency",
    "assessments.QuestionnaireItem",
    "engine.EngineApiKey",
    "integrations.Integration",
    "integrations.AtsCredential",
    "integrations.InboundToken",
    "integrations.ReportSettings",
    "integrations.AssessmentFieldMapping",
]


def register_models() -> None:
    for label in AUDITED_MODELS:
        model = apps.get_model(label)
        auditlog.register(
            model,
            exclude_fields=SECRET_FIELDS.get(label, []),
            m2m_fields={"members"} if label == "accounts.Account" else set(),
        )
