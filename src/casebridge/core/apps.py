from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "casebridge.core"
    label = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from casebridge.core import checks, jobs  # noqa: F401  (registrations)
