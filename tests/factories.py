"""factory_boy factories for the suite's objects."""

from __future__ import annotations

import datetime
from typing import Any

import factory
from django.contrib.auth.models import Group, User
from django.utils import timezone

from accounts.models import HARVER_ADMIN_GROUP, Account
from assessments.models import Assessment, CandidateAssessment, Competency, QuestionnaireItem
from integrations import services
from integrations.models import Integration

__all__ = ["Account", "Assessment", "Integration"]


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@harver.test")
    is_staff = True
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def harver_admin(self, create: bool, extracted: bool | None, **kwargs: Any) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=HARVER_ADMIN_GROUP))

    @factory.post_generation
    def save_password(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class AccountFactory(factory.django.DjangoModelFactory[Account]):
    class Meta:
        model = Account

    name = factory.Sequence(lambda n: f"Customer {n}")


class AssessmentFactory(factory.django.DjangoModelFactory[Assessment]):
    class Meta:
        model = Assessment
        skip_postgeneration_save = True

    account = factory.SubFactory(AccountFactory)
    name = factory.Sequence(lambda n: f"Assessment {n}")
    job_code = factory.Sequence(lambda n: f"JOB-{n:04d}")

    @factory.post_generation
    def competencies(self, create: bool, extracted: list[str] | None, **kwargs: Any) -> None:
        if create:
            for position, name in enumerate(extracted or ["Conscientiousness"]):
                Competency.objects.create(assessment=self, name=name, position=position)


def ready_integration(account: Account, provider: str = "workable") -> Integration:
    """An integration whose set-up ran, as the admin leaves it before any configuration."""
    integration = services.create_integration(account, provider)
    services.run_setup(integration)
    integration.refresh_from_db()
    return integration


class CandidateAssessmentFactory(factory.django.DjangoModelFactory[CandidateAssessment]):
    class Meta:
        model = CandidateAssessment

    assessment = factory.SubFactory(AssessmentFactory)
    account = factory.SelfAttribute("assessment.account")
    email = factory.Sequence(lambda n: f"candidate{n}@example.com")
    first_name = "Jane"
    last_name = "Doe"
    expires_at = factory.LazyFunction(lambda: timezone.now() + datetime.timedelta(days=14))


def add_questionnaire(
    assessment: Assessment, statements: dict[str, list[tuple[str, bool]]]
) -> list[QuestionnaireItem]:
    """Statements per competency name, (text, reversed); the competencies must exist."""
    items = []
    for competency_name, rows in statements.items():
        competency = assessment.competencies.get(name=competency_name)
        for position, (text, is_reversed) in enumerate(rows):
            items.append(
                QuestionnaireItem.objects.create(
                    assessment=assessment,
                    competency=competency,
                    text=text,
                    is_reversed=is_reversed,
                    position=position,
                )
            )
    return items
