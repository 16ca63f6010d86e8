from django.apps import AppConfig


class InstalledBaseConfig(AppConfig):
    name = "casebridge.installed_base"
    label = "installed_base"
    verbose_name = "Installed base"

    def ready(self) -> None:
        from casebridge.installed_base import jobs  # noqa: F401  (registers the notices job)
