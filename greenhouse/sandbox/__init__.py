"""A stand-in Greenhouse: Harvest v3 with its token endpoint, a sender of signed webhooks, and
what a recruiter does in Greenhouse (jobs, applicants, "move stage", the Dev Center).

`harvest`, `webhooks` and `recruiter` are framework-free (standard library and requests, state in
a `sandbox.store` Store), so the end-to-end tests serve them over HTTP on 127.0.0.1 as the
built-in sandbox serves them from the platform (`views`, mounted at /sandbox/greenhouse/).
"""
