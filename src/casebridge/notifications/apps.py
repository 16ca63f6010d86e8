from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "casebridge.notifications"
    label = "notifications"
    verbose_name = "Notifications and integrations"

    def ready(self) -> None:
        from casebridge.notifications import checks, jobs  # noqa: F401  (registrations)
