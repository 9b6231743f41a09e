"""Demo data for the embedded run: one customer, three assessments, one Harver admin."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth.models import Group, User
from django.db import transaction

from accounts.models import HARVER_ADMIN_GROUP, Account
from assessments.models import Assessment, Competency

DEMO_ACCOUNT = "Acme Retail"
DEMO_ADMIN_USERNAME = "admin"
DEMO_ASSESSMENTS: list[tuple[str, str, list[tuple[str, int]]]] = [
    (
        "Store Associate Assessment",
        "ACME-STORE-01",
        [("Conscientiousness", 3), ("Agreeableness", 2), ("Customer focus", 3)],
    ),
    (
        "Customer Service Representative",
        "ACME-CSR-02",
        [("Customer focus", 3), ("Resilience", 2), ("Verbal reasoning", 1)],
    ),
    (
        "Warehouse Team Lead",
        "ACME-WH-03",
        [("Numerical reasoning", 2), ("Leadership", 3), ("Conscientiousness", 2)],
    ),
]


@dataclass
class DemoLogin:
    username: str
    password: str


@transaction.atomic
def load_demo_data() -> DemoLogin:
    """Create what is missing; reset the admin's password so the printed login always works."""
    account, _ = Account.objects.get_or_create(name=DEMO_ACCOUNT)
    for name, job_code, competencies in DEMO_ASSESSMENTS:
        assessment, _ = Assessment.objects.get_or_create(
            account=account, job_code=job_code, defaults={"name": name}
        )
        for position, (competency, weight) in enumerate(competencies):
            Competency.objects.get_or_create(
                assessment=assessment,
                name=competency,
                defaults={"weight": weight, "position": position},
            )
    admin, _ = User.objects.get_or_create(
        username=DEMO_ADMIN_USERNAME,
        defaults={"email": "admin@harver.test", "is_staff": True, "is_superuser": True},
    )
    password = secrets.token_urlsafe(12)
    admin.set_password(password)
    admin.save()
    admin.groups.add(Group.objects.get(name=HARVER_ADMIN_GROUP))
    account.members.add(admin)
    return DemoLogin(username=admin.username, password=password)
