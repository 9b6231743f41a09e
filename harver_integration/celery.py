"""The Celery app shared by the web processes (which publish) and the workers and scheduler."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "harver_integration.settings")

app = Celery("harver_integration")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
