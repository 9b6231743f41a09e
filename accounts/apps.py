"""App configuration for accounts."""

from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def ensure_harver_admin_group(using: str = "default", **kwargs: Any) -> None:
    """Recreate the "Harver Admin" group after a flush, as Django recreates its permissions.

    Migration 0002 creates the group; a flush (`manage.py flush`, or the test runner between
    transactional tests) empties the table without re-running migrations, and only
    post_migrate runs afterwards.
    """
    from django.contrib.auth.models import Group

    from accounts.models import HARVER_ADMIN_GROUP

    Group.objects.using(using).get_or_create(name=HARVER_ADMIN_GROUP)


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        post_migrate.connect(ensure_harver_admin_group, sender=self)
