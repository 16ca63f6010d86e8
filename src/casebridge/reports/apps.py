from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "casebridge.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from casebridge.reports import jobs  # noqa: F401  (the rollup handler of case events)
