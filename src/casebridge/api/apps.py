from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "casebridge.api"
    label = "api"
    verbose_name = "REST API"
