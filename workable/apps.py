"""App configuration for workable."""

from django.apps import AppConfig


class WorkableConfig(AppConfig):
    name = "workable"
    verbose_name = "Workable"
