from django.apps import AppConfig


class RcaConfig(AppConfig):
    name = "casebridge.rca"
    label = "rca"
    verbose_name = "Root-cause analyses"

    def ready(self) -> None:
        from casebridge.rca import jobs  # noqa: F401  (opening, reassigning, overdue RCAs)
