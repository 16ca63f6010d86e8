"""WSGI entry point for gunicorn: ``gunicorn casebridge.config.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casebridge.config.settings")

application = get_wsgi_application()
