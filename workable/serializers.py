"""The bodies Workable sends and receives (contract §2); every field read goes through these."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class BlankableCharField(serializers.CharField):
    """Optional text that Workable may send as null, empty or absent."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("required", False)
        kwargs.setdefault("allow_blank", True)
        kwargs.setdefault("allow_null", True)
        kwargs.setdefault("default", "")
        super().__init__(**kwargs)

    def run_validation(self, data: Any = serializers.empty) -> str:
        if data is None:
            return ""
        return str(super().run_validation(data))


class CandidateSerializer(serializers.Serializer[dict[str, Any]]):
    email = serializers.EmailField(max_length=254)
    first_name = BlankableCharField(max_length=150)
    last_name = BlankableCharField(max_length=150)
    phone = BlankableCharField(max_length=50)
    resume_url = BlankableCharField(max_length=2000)


class TestIdField(serializers.CharField):
    """Workable sends test ids as strings or numbers."""

    def to_internal_value(self, data: Any) -> str:
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            raise serializers.ValidationError("Must be a string or a number.")
        return super().to_internal_value(str(data))


class AssessmentRequestSerializer(serializers.Serializer[dict[str, Any]]):
    test_id = TestIdField(max_length=64)
    callback_url = serializers.CharField(max_length=2000)
    candidate = CandidateSerializer()
    job_shortcode = BlankableCharField(max_length=64)
    job_title = BlankableCharField(max_length=255)
    job_id = BlankableCharField(max_length=64)


class AssessmentCreatedSerializer(serializers.Serializer[dict[str, Any]]):
    assessment_id = serializers.CharField()


class TestSerializer(serializers.Serializer[dict[str, Any]]):
    id = serializers.CharField()
    name = serializers.CharField()


class TestListSerializer(serializers.Serializer[dict[str, Any]]):
    tests = TestSerializer(many=True)


class SharedLinkSerializer(serializers.Serializer[dict[str, Any]]):
    url = serializers.URLField()
    ttl = serializers.CharField(help_text="Minutes until the link stops working, as a string.")
    ttl_units = serializers.ChoiceField(choices=["minutes"])


class ConnectionSerializer(serializers.Serializer[dict[str, Any]]):
    ats = serializers.CharField(help_text="The integration's ATS: `workable`.")
    account = serializers.CharField(help_text="The Harver customer the token belongs to.")
    enabled = serializers.BooleanField(
        help_text="Always true: a disabled integration is answered with 403."
    )


class ErrorSerializer(serializers.Serializer[dict[str, Any]]):
    status = serializers.IntegerField()
    message = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
