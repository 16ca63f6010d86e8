from django.apps import AppConfig


class BenchConfig(AppConfig):
    name = "casebridge.bench"
    label = "bench"
    verbose_name = "Benchmarks"
