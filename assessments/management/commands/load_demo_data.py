"""`manage.py load_demo_data`: the demo customer the embedded run starts with; safe to repeat."""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from assessments.demo import DEMO_ACCOUNT, load_demo_data


class Command(BaseCommand):
    help = "Create the demo account, its three assessments and an admin user; print the login."

    def handle(self, *args: Any, **options: Any) -> None:
        login = load_demo_data()
        self.stdout.write(f"Demo account: {DEMO_ACCOUNT} (3 assessments)")
        self.stdout.write(f"Start page:   {settings.PUBLIC_BASE_URL}/")
        self.stdout.write(f"Admin:        {settings.PUBLIC_BASE_URL}/admin/")
        self.stdout.write(f"Login:        {login.username} / {login.password}")
