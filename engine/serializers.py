"""The engine's event body, checked field by field; every problem is named in the 422."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from rest_framework import serializers

from assessments.models import CandidateAssessment
from engine.models import EngineEvent

# How far an engine's clock may run ahead of ours before `occurred_at` is refused.
CLOCK_SKEW = datetime.timedelta(minutes=5)


class ResultSerializer(serializers.Serializer[dict[str, Any]]):
    score = serializers.IntegerField(
        min_value=0, max_value=100, help_text="Overall matching score, 0-100."
    )
    recommendation = serializers.ChoiceField(choices=CandidateAssessment.Recommendation.choices)
    competency_scores = serializers.DictField(
        child=serializers.IntegerField(min_value=0, max_value=100),
        help_text="Competency name → score 0-100; names are the assessment's competencies.",
    )
    summary = serializers.CharField(
        max_length=1000,
        required=False,
        help_text="One sentence for the recruiter; built from the result when left out.",
    )
    duration = serializers.DurationField(
        required=False,
        min_value=datetime.timedelta(0),
        help_text="Time the candidate took, 'HH:MM:SS' or ISO 8601 ('PT41M17S'); when left out, "
        "the time from the start to this event.",
    )

    def validate_competency_scores(self, scores: dict[str, int]) -> dict[str, int]:
        """Names are matched to the assessment's competencies regardless of case."""
        candidate_assessment: CandidateAssessment = self.context["candidate_assessment"]
        catalog = list(
            candidate_assessment.assessment.competencies.order_by("position", "name").values_list(
                "name", flat=True
            )
        )
        by_key = {name.casefold(): name for name in catalog}
        unknown = [name for name in scores if name.casefold() not in by_key]
        if unknown:
            raise serializers.ValidationError(
                f"Not competencies of this assessment: {', '.join(sorted(unknown))}. "
                f"It scores: {', '.join(catalog)}."
            )
        given = {by_key[name.casefold()]: score for name, score in scores.items()}
        return {name: given[name] for name in catalog if name in given}


class EngineEventSerializer(serializers.Serializer[dict[str, Any]]):
    event_id = serializers.CharField(
        max_length=200,
        help_text="Unique per event within the account; a repeat is answered as the first time.",
    )
    type = serializers.ChoiceField(choices=EngineEvent.Type.choices)
    occurred_at = serializers.DateTimeField(
        required=False, help_text="When it happened (ISO 8601); now when left out."
    )
    result = ResultSerializer(required=False, help_text="Required for, and only for, completed.")

    def validate_occurred_at(self, value: datetime.datetime) -> datetime.datetime:
        if value > timezone.now() + CLOCK_SKEW:
            raise serializers.ValidationError("This is in the future.")
        invited_at = self.context["candidate_assessment"].created_at
        if value < invited_at - CLOCK_SKEW:
            raise serializers.ValidationError(
                f"This is before the candidate was invited ({invited_at.isoformat()})."
            )
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        completed = attrs["type"] == EngineEvent.Type.COMPLETED
        if completed and "result" not in attrs:
            raise serializers.ValidationError({"result": ["A completed event needs its result."]})
        if not completed and "result" in attrs:
            raise serializers.ValidationError(
                {"result": ["Only a completed event carries a result."]}
            )
        return attrs


class EventOutcomeSerializer(serializers.Serializer[dict[str, Any]]):
    event_id = serializers.CharField()
    assessment_id = serializers.UUIDField()
    type = serializers.ChoiceField(choices=EngineEvent.Type.choices)
    status = serializers.ChoiceField(
        choices=CandidateAssessment.Status.choices,
        help_text="The candidate assessment's status after the event.",
    )
    changed = serializers.BooleanField(
        help_text="False when the assessment already had this status: nothing changed."
    )


class EngineErrorSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.IntegerField()
    message = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
