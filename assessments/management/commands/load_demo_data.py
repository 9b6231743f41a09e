"""`manage.py load_demo_data`: the demo customer the embedded run starts with; safe to repeat.

With the sandbox on, the customer also gets an integration per sandbox ATS, ready to try.
"""

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from accounts.models import Account
from assessments.demo import DEMO_ACCOUNT, load_demo_data
from sandbox.demo import provision_demo


class Command(BaseCommand):
    help = (
        "Create the demo account, its three assessments and an admin user, and with the sandbox "
        "on an integration per sandbox ATS; print the login."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        login = load_demo_data()
        starts = provision_demo(Account.objects.get(name=DEMO_ACCOUNT))
        self.stdout.write(f"Demo account: {DEMO_ACCOUNT} (3 assessments)")
        self.stdout.write(f"Start page:   {settings.PUBLIC_BASE_URL}/")
        self.stdout.write(f"Admin:        {settings.PUBLIC_BASE_URL}/admin/")
        for start in starts:
            self.stdout.write(f"Sandbox:      {start.url} ({start.label}, no account needed)")
        self.stdout.write(f"Login:        {login.username} / {login.password}")
