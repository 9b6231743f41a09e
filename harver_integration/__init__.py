"""Harver's ATS integration platform: project package (settings, URLs, the Celery app)."""

from harver_integration.celery import app as celery_app

__all__ = ["celery_app"]
