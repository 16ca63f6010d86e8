from django.apps import AppConfig


class PartiesConfig(AppConfig):
    name = "casebridge.parties"
    label = "parties"
    verbose_name = "Parties"

    def ready(self) -> None:
        from casebridge.parties import jobs  # noqa: F401  (registers the parties' periodic jobs)
