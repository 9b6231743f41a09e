"""Django's admin app, made to build its default site from accounts.admin_site."""

from django.contrib.admin.apps import AdminConfig


class HarverAdminConfig(AdminConfig):
    default_site = "accounts.admin_site.HarverAdminSite"
