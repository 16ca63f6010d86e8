from django.apps import AppConfig


class UiConfig(AppConfig):
    name = "casebridge.ui"
    label = "ui"
    verbose_name = "Portal"
