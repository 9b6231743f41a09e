"""`POST /api/engine/v1/assessments/{assessment_id}/events`: the external engine reports progress.

Authenticate the key, find the candidate assessment within the key's account (any other is a
404: its existence is not confirmed), validate the body, apply the event once.
"""

from __future__ import annotations

import uuid
from typing import cast

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.models import CandidateAssessment
from engine import events
from engine.authentication import EngineKeyAuthentication, HasEngineKey
from engine.models import EngineApiKey
from engine.serializers import EngineErrorSerializer, EngineEventSerializer, EventOutcomeSerializer
from engine.throttling import EngineKeyRateThrottle

REPLAYED_HEADER = "Idempotent-Replayed"


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(EngineErrorSerializer, description=description)


class EventsView(APIView):
    authentication_classes = [EngineKeyAuthentication]
    permission_classes = [HasEngineKey]
    throttle_classes = [EngineKeyRateThrottle]

    @extend_schema(
        operation_id="engine_post_event",
        summary="Report that a candidate started, completed, let expire or was rejected",
        tags=["engine"],
        parameters=[
            OpenApiParameter(
                "assessment_id",
                OpenApiTypes.UUID,
                OpenApiParameter.PATH,
                description="The candidate assessment's id (the one the ATS knows it by).",
            )
        ],
        request=EngineEventSerializer,
        responses={
            200: OpenApiResponse(
                EventOutcomeSerializer,
                description="Applied; or a repeated event_id, answered as the first time (with "
                f"`{REPLAYED_HEADER}: true`).",
            ),
            400: _error("The body is not JSON."),
            401: _error("Missing, unknown or revoked engine API key."),
            404: _error("No such assessment in the key's account."),
            409: _error(
                "The event would move the status backwards or out of a final status, or its "
                "event_id was already used for a different event. Nothing changed."
            ),
            413: _error("The body is too large."),
            415: _error("The body is not JSON."),
            422: _error("A field is missing or wrong; `errors` names each."),
            429: _error(
                "Too many requests with this engine API key (ENGINE_RATE_LIMIT); nothing was "
                "recorded. Retry-After says in how many seconds to send it again."
            ),
        },
        examples=[
            OpenApiExample(
                "Completed",
                {
                    "event_id": "evt_01HZX3K9Q2",
                    "type": "completed",
                    "occurred_at": "2026-11-28T14:03:17Z",
                    "result": {
                        "score": 82,
                        "recommendation": "great_fit",
                        "competency_scores": {"Conscientiousness": 88, "Agreeableness": 79},
                        "summary": "Great fit. Strongest: Conscientiousness (88).",
                        "duration": "00:41:17",
                    },
                },
                request_only=True,
            ),
            OpenApiExample(
                "Started", value={"event_id": "evt_01HZX2", "type": "started"}, request_only=True
            ),
            OpenApiExample(
                "Applied",
                {
                    "event_id": "evt_01HZX3K9Q2",
                    "assessment_id": "5f0c1b9e-2f43-4d8a-9a59-0c8f0b2f4e11",
                    "type": "completed",
                    "status": "completed",
                    "changed": True,
                },
                response_only=True,
                status_codes=["200"],
            ),
            OpenApiExample(
                "Backwards",
                {
                    "status": 409,
                    "message": "The assessment is completed; it cannot become started.",
                },
                response_only=True,
                status_codes=["409"],
            ),
            OpenApiExample(
                "Missing result",
                {
                    "status": 422,
                    "message": "The request has errors in: result.",
                    "errors": {"result": ["A completed event needs its result."]},
                },
                response_only=True,
                status_codes=["422"],
            ),
        ],
    )
    def post(self, request: Request, assessment_id: str) -> Response:
        api_key = cast(EngineApiKey, request.auth)
        candidate_assessment = self._candidate_assessment(api_key, assessment_id)
        serializer = EngineEventSerializer(
            data=request.data, context={"candidate_assessment": candidate_assessment}
        )
        serializer.is_valid(raise_exception=True)
        outcome = events.apply_event(
            api_key, candidate_assessment, serializer.validated_data, request.data
        )
        headers = {REPLAYED_HEADER: "true"} if outcome.replayed else None
        return Response(outcome.body, status=outcome.status, headers=headers)

    def _candidate_assessment(
        self, api_key: EngineApiKey, assessment_id: str
    ) -> CandidateAssessment:
        missing = NotFound(f"No assessment {assessment_id} in this account.")
        try:
            public_id = uuid.UUID(assessment_id)
        except ValueError:
            raise missing from None
        candidate_assessment = (
            CandidateAssessment.objects.select_related("assessment")
            .filter(public_id=public_id, account_id=api_key.account_id)
            .first()
        )
        if candidate_assessment is None:
            raise missing
        return candidate_assessment
