"""Settings for linting migrations: the ordinary ones, with django-migration-linter installed
(a development tool, never part of a deployment)."""

from casebridge.config.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "django_migration_linter"]  # noqa: F405
