"""Test settings: the real settings, fed test secrets, with fast hashing and in-memory email."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-0123456789abcdef")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "Q2VyY2xlLXRlc3Qta2V5LTAxMjM0NTY3ODlhYmNkZWY=")
os.environ.setdefault("HTTPS_ONLY", "false")
os.environ.setdefault("VAR_DIR", os.path.join(tempfile.gettempdir(), "harver-test-var"))
os.environ.setdefault("PUBLIC_BASE_URL", "https://integrations.harver.test")

from harver_integration.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405

# Tasks published by the code under test run at once, in-process; the end-to-end tests run real
# workers with their own environment.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The suite enables integrations on acme.workable.com, which tests cannot reach; the tests of the
# verification turn it on against a faked Workable.
WORKABLE_VERIFY_ON_ENABLE = False
# Staff sign in with a password alone unless a test turns two-factor sign-in on.
ADMIN_REQUIRE_2FA = False
