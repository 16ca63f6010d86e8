from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "casebridge.sla"
    label = "sla"
    verbose_name = "Service levels"
