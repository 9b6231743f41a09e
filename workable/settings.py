"""Workable's settings (contract §6), read from the WORKABLE_* environment variables.

Merged into the Django settings through the provider registry, so code reads them as
`django.conf.settings.WORKABLE_*` and tests override them there. The defaults are the real
values; a sandbox changes them (see `.env.example`).
"""

import environ

env = environ.Env()

# {subdomain} is filled in per integration.
WORKABLE_API_BASE_URL = env.str(
    "WORKABLE_API_BASE_URL", default="https://{subdomain}.workable.com/spi/v3"
)
# Hosts we may call back (the results PUT); a leading dot allows subdomains.
WORKABLE_CALLBACK_ALLOWED_HOSTS = env.list(
    "WORKABLE_CALLBACK_ALLOWED_HOSTS", default=["workable.com", ".workable.com"]
)
# Allows http:// and loopback hosts that are on the list above: sandbox only.
WORKABLE_CALLBACK_ALLOW_INSECURE = env.bool("WORKABLE_CALLBACK_ALLOW_INSECURE", default=False)
# Timeouts of every call to Workable: connecting, then waiting for the answer (seconds).
WORKABLE_CONNECT_TIMEOUT = env.float("WORKABLE_CONNECT_TIMEOUT", default=5.0)
WORKABLE_READ_TIMEOUT = env.float("WORKABLE_READ_TIMEOUT", default=20.0)
# Workable's limit per account token (contract §5), shared by every worker process. The margin
# widens our window so that requests reserved just inside it still arrive inside Workable's.
WORKABLE_RATE_LIMIT_REQUESTS = env.int("WORKABLE_RATE_LIMIT_REQUESTS", default=10)
WORKABLE_RATE_LIMIT_WINDOW_SECONDS = env.float("WORKABLE_RATE_LIMIT_WINDOW_SECONDS", default=10.0)
WORKABLE_RATE_LIMIT_MARGIN_SECONDS = env.float("WORKABLE_RATE_LIMIT_MARGIN_SECONDS", default=0.5)
# A worker waits in place for a rate-limit slot at most this far off; a later one postpones the
# delivery (it waits in the database, the worker moves on).
WORKABLE_RATE_LIMIT_WAIT_SECONDS = env.float("WORKABLE_RATE_LIMIT_WAIT_SECONDS", default=0.5)
# Workable roles that may read our timeline notes (the comment "policy"; admins always can).
WORKABLE_COMMENT_POLICY = env.list(
    "WORKABLE_COMMENT_POLICY", default=["recruiter", "hiring_manager", "recruiting_admin", "admin"]
)
# Enabling asks Workable whether the token works (contract §4); only the test suite turns it off.
WORKABLE_VERIFY_ON_ENABLE = env.bool("WORKABLE_VERIFY_ON_ENABLE", default=True)
