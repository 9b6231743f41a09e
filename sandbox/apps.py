"""App configuration for sandbox: the built-in stand-in ATSes, served under /sandbox/."""

from django.apps import AppConfig


class SandboxConfig(AppConfig):
    name = "sandbox"
    verbose_name = "Sandbox ATS"

    def ready(self) -> None:
        from sandbox import checks  # noqa: F401  (registers the deploy check)
