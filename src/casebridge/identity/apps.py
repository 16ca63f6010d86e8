from django.apps import AppConfig


class IdentityConfig(AppConfig):
    name = "casebridge.identity"
    label = "identity"
    verbose_name = "Sign-in and access"

    def ready(self) -> None:
        from casebridge.identity import audit_hooks  # noqa: F401  (allauth's MFA signals)
