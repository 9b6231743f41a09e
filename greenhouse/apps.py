"""App configuration for greenhouse."""

from django.apps import AppConfig


class GreenhouseConfig(AppConfig):
    name = "greenhouse"
    verbose_name = "Greenhouse"
