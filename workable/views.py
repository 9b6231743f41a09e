"""The endpoints Workable calls (contract §2): list our tests, create invitations, share a link.

`GET connection` is ours, not the contract's: support (and the benchmark's baseline) use it to
check that a token works, through exactly the authentication, permission and throttle of the rest.

Each view authenticates with the integration's token, validates with a serializer, does only
the writes that must be durable before answering, and answers; the rest runs after commit.
"""

from __future__ import annotations

import math
import uuid
from typing import Any, cast

from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed, NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assessments.invitations import issue_link
from assessments.models import CandidateAssessment, CandidateLink
from integrations import inbound
from integrations.authentication import AtsTokenAuthentication, IsEnabledIntegration
from integrations.models import Integration
from integrations.throttling import IntegrationRateThrottle
from workable.callbacks import callback_url_problem
from workable.invitations import invitation_refs
from workable.provider import WorkableProvider
from workable.serializers import (
    AssessmentCreatedSerializer,
    AssessmentRequestSerializer,
    ConnectionSerializer,
    ErrorSerializer,
    SharedLinkSerializer,
    TestListSerializer,
)

ERROR_RESPONSES = {
    401: OpenApiResponse(
        ErrorSerializer,
        description="Missing or unknown token, or the token of another ATS's integration.",
    ),
    403: OpenApiResponse(ErrorSerializer, description="The integration is disabled."),
    429: OpenApiResponse(ErrorSerializer, description="Too many requests; see Retry-After."),
}


class OtherAtsToken(AuthenticationFailed):
    default_detail = "The token is not valid for any Workable integration."


class IsEnabledWorkableIntegration(IsEnabledIntegration):
    """IsEnabledIntegration, and 401 for the token of an integration with another ATS: it opens
    that ATS's API, not Workable's."""

    def has_permission(self, request: Request, view: Any) -> bool:
        integration = request.auth
        if isinstance(integration, Integration) and integration.provider != WorkableProvider.key:
            raise OtherAtsToken()
        return super().has_permission(request, view)


class WorkableView(APIView):
    authentication_classes = [AtsTokenAuthentication]
    permission_classes = [IsEnabledWorkableIntegration]
    throttle_classes = [IntegrationRateThrottle]

    def integration(self, request: Request) -> Integration:
        """The authenticated integration; the permission has already checked it exists."""
        return cast(Integration, request.auth)


class ConnectionView(WorkableView):
    @extend_schema(
        operation_id="workable_connection",
        summary="Check a token: which account's integration it opens, and that it is enabled",
        description="Answers without touching anything but the token check, so support and "
        "Workable can tell 'the token works' apart from any problem with tests or invitations.",
        responses={200: ConnectionSerializer, **ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "Connected",
                value={"ats": "workable", "account": "Acme Retail", "enabled": True},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        integration = self.integration(request)
        return Response(
            {
                "ats": integration.provider,
                "account": integration.account.name,
                "enabled": integration.is_enabled,
            }
        )


class TestsView(WorkableView):
    @extend_schema(
        operation_id="workable_list_tests",
        summary="The assessments this integration offers Workable",
        responses={200: TestListSerializer, **ERROR_RESPONSES},
        examples=[
            OpenApiExample(
                "Tests",
                value={"tests": [{"id": "12", "name": "Store Associate Assessment"}]},
                response_only=True,
            )
        ],
    )
    def get(self, request: Request) -> Response:
        tests = [
            {"id": str(assessment.pk), "name": assessment.name}
            for assessment in inbound.offered_assessments(self.integration(request))
        ]
        return Response({"tests": tests})


class AssessmentsView(WorkableView):
    @extend_schema(
        operation_id="workable_create_assessment",
        summary="Invite a candidate to an assessment",
        request=AssessmentRequestSerializer,
        responses={
            201: OpenApiResponse(AssessmentCreatedSerializer, description="A new invitation."),
            200: OpenApiResponse(
                AssessmentCreatedSerializer, description="A repeat of a live invitation."
            ),
            400: OpenApiResponse(ErrorSerializer, description="The body is not JSON."),
            413: OpenApiResponse(ErrorSerializer, description="The body is too large."),
            415: OpenApiResponse(ErrorSerializer, description="The body is not JSON."),
            422: OpenApiResponse(ErrorSerializer, description="A field is missing or refused."),
            **ERROR_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "Invitation",
                value={
                    "test_id": "12",
                    "callback_url": "https://acme.workable.com/spi/v3/assessments/abc/results",
                    "candidate": {
                        "email": "jane.doe@example.com",
                        "first_name": "Jane",
                        "last_name": "Doe",
                        "phone": "+31 20 123 4567",
                    },
                    "job_shortcode": "A1B2C3",
                    "job_title": "Store Associate",
                },
                request_only=True,
            ),
            OpenApiExample(
                "Created",
                value={"assessment_id": "5f0c1b9e-2f43-4d8a-9a59-0c8f0b2f4e11"},
                response_only=True,
                status_codes=["201", "200"],
            ),
            OpenApiExample(
                "Missing field",
                value={
                    "status": 422,
                    "message": "The request has errors in: candidate.email.",
                    "errors": {"candidate.email": ["This field is required."]},
                },
                response_only=True,
                status_codes=["422"],
            ),
        ],
    )
    def post(self, request: Request) -> Response:
        integration = self.integration(request)
        serializer = AssessmentRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        assessment = inbound.offered_assessment(integration, data["test_id"])
        problems: dict[str, list[str]] = {}
        if assessment is None:
            problems["test_id"] = [
                f"No test with id {data['test_id']} is offered by this integration."
            ]
        url_problem = callback_url_problem(data["callback_url"], sandbox=integration.is_sandbox)
        if url_problem:
            problems["callback_url"] = [url_problem]
        if problems or assessment is None:
            raise ValidationError(problems)
        candidate = data["candidate"]
        outcome = inbound.invite(
            integration,
            inbound.InvitationRequest(
                assessment=assessment,
                email=candidate["email"],
                refs=invitation_refs(
                    callback_url=data["callback_url"],
                    job_shortcode=data["job_shortcode"],
                    job_id=data["job_id"],
                    job_title=data["job_title"],
                ),
                first_name=candidate["first_name"],
                last_name=candidate["last_name"],
                phone=candidate["phone"],
                resume_url=candidate["resume_url"],
            ),
        )
        return Response(
            {"assessment_id": str(outcome.candidate_assessment.public_id)},
            status=status.HTTP_201_CREATED if outcome.created else status.HTTP_200_OK,
        )


class SharedLinkView(WorkableView):
    @extend_schema(
        operation_id="workable_shared_link",
        summary="The candidate's personal assessment link",
        description="Each call hands out a new link (only a hash of each is stored, so a link "
        "cannot be read back); every link handed out opens the same assessment until it closes.",
        responses={
            200: SharedLinkSerializer,
            404: OpenApiResponse(ErrorSerializer, description="No such assessment here."),
            **ERROR_RESPONSES,
        },
        examples=[
            OpenApiExample(
                "Link",
                value={
                    "url": "https://integrations.harver.com/assessment/Qm9v…/",
                    "ttl": "20160",
                    "ttl_units": "minutes",
                },
                response_only=True,
            )
        ],
    )
    def get(self, request: Request, assessment_id: str) -> Response:
        try:
            public_id = uuid.UUID(assessment_id)
        except ValueError:
            raise NotFound(f"No assessment {assessment_id} here.") from None
        candidate_assessment = CandidateAssessment.objects.filter(
            public_id=public_id, ats_invitation__integration=self.integration(request)
        ).first()
        if candidate_assessment is None:
            raise NotFound(f"No assessment {assessment_id} here.")
        remaining = (candidate_assessment.expires_at - timezone.now()).total_seconds() / 60
        return Response(
            {
                "url": issue_link(candidate_assessment, CandidateLink.IssuedTo.ATS),
                "ttl": str(max(0, math.floor(remaining))),
                "ttl_units": "minutes",
            }
        )
