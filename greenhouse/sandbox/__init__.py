"""A stand-in Greenhouse: Harvest v3 with its token endpoint, and a sender of signed webhooks.

Framework-free (standard library and requests), so the end-to-end tests serve it over HTTP on
127.0.0.1 and a built-in sandbox can serve the same code from the platform.
"""
