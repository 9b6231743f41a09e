"""A Harver customer account: every integration, assessment and candidate belongs to exactly one."""

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models.functions import Lower

HARVER_ADMIN_GROUP = "Harver Admin"


class AccountQuerySet(models.QuerySet["Account"]):
    def visible_to(self, user: "AbstractBaseUser | AnonymousUser") -> "AccountQuerySet":
        """Superusers see every account; other staff only those they are members of."""
        if getattr(user, "is_superuser", False):
            return self
        if not user.is_authenticated:
            return self.none()
        return self.filter(members__pk=user.pk)


class Account(models.Model):
    name = models.CharField(
        "name", max_length=200, help_text="The customer's name, as Harver knows it."
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        related_name="harver_accounts",
        blank=True,
        help_text="Staff users who may see and configure this account.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = AccountQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(Lower("name"), name="account_name_unique_ci"),
        ]

    def __str__(self) -> str:
        return self.name
