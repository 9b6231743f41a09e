"""Greenhouse's settings, read from the GREENHOUSE_* environment variables.

Merged into the Django settings through the provider registry, so code reads them as
`django.conf.settings.GREENHOUSE_*` and tests override them there. The defaults are the real
values; a sandbox points the base and token URLs at a local stand-in.
"""

import environ

from greenhouse import unconfirmed

env = environ.Env()

# Harvest v3; the `Link` next-page URLs must stay on its scheme and host.
GREENHOUSE_API_BASE_URL = env.str(
    "GREENHOUSE_API_BASE_URL", default="https://harvest.greenhouse.io/v3"
)
# Where the client credentials become a short-lived access token.
GREENHOUSE_TOKEN_URL = env.str("GREENHOUSE_TOKEN_URL", default="https://auth.greenhouse.io/token")
# Allows http:// and loopback base and token URLs: sandbox only.
GREENHOUSE_API_ALLOW_INSECURE = env.bool("GREENHOUSE_API_ALLOW_INSECURE", default=False)
# Requests per window assumed until an answer carries X-RateLimit-Limit, and that window.
GREENHOUSE_RATE_LIMIT_DEFAULT = env.int("GREENHOUSE_RATE_LIMIT_DEFAULT", default=50)
GREENHOUSE_RATE_LIMIT_WINDOW_SECONDS = env.float(
    "GREENHOUSE_RATE_LIMIT_WINDOW_SECONDS", default=30.0
)
# Widens our window so that requests reserved just inside it still arrive inside Greenhouse's.
GREENHOUSE_RATE_LIMIT_MARGIN_SECONDS = env.float(
    "GREENHOUSE_RATE_LIMIT_MARGIN_SECONDS", default=0.5
)
# A worker waits in place for a rate-limit slot at most this far off; a later one postpones.
GREENHOUSE_RATE_LIMIT_WAIT_SECONDS = env.float("GREENHOUSE_RATE_LIMIT_WAIT_SECONDS", default=0.5)
# Timeouts of every call to Greenhouse: connecting, then waiting for the answer (seconds).
GREENHOUSE_CONNECT_TIMEOUT = env.float("GREENHOUSE_CONNECT_TIMEOUT", default=5.0)
GREENHOUSE_READ_TIMEOUT = env.float("GREENHOUSE_READ_TIMEOUT", default=20.0)
# Webhook deliveries larger than this are answered 413.
GREENHOUSE_WEBHOOK_MAX_BODY_BYTES = env.int("GREENHOUSE_WEBHOOK_MAX_BODY_BYTES", default=2097152)
# How long a rotated-out webhook Secret Key still verifies.
GREENHOUSE_SECRET_GRACE_SECONDS = env.float("GREENHOUSE_SECRET_GRACE_SECONDS", default=86400.0)
# Who may read the activity-feed note of a result: public, private or admin_only.
GREENHOUSE_NOTE_VISIBILITY = env.str(
    "GREENHOUSE_NOTE_VISIBILITY", default=unconfirmed.DEFAULT_NOTE_VISIBILITY
)
# Enabling asks Greenhouse whether the credentials work; only the test suite turns it off.
GREENHOUSE_VERIFY_ON_ENABLE = env.bool("GREENHOUSE_VERIFY_ON_ENABLE", default=True)
