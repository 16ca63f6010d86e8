from django.apps import AppConfig


class RasciConfig(AppConfig):
    name = "casebridge.rasci"
    label = "rasci"
    verbose_name = "RASCI matrices"
