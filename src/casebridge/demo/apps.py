from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "casebridge.demo"
    label = "demo"
    verbose_name = "Demo data"
