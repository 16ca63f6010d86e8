from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "casebridge.cases"
    label = "cases"
    verbose_name = "Cases"

    def ready(self) -> None:
        from casebridge.cases import jobs  # noqa: F401  (registers the SLA sweep and repair)
