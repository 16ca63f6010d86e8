"""The production static files build: every file the manifest storage post-processes resolves
(a vendored script naming a source map that is not shipped stops `casebridge serve`)."""

from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

PRODUCTION_STATIC = {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}


def test_collectstatic_with_the_production_storage(tmp_path):
    storages = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC}

    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)

    assert (tmp_path / "staticfiles.json").exists()
    assert list(tmp_path.glob("casebridge/vendor/chart.umd.min.*.js"))


def test_the_api_docs_are_built_from_vendored_files(tmp_path):
    storages = {**settings.STORAGES, "staticfiles": PRODUCTION_STATIC}

    with override_settings(STORAGES=storages, STATIC_ROOT=tmp_path):
        call_command("collectstatic", interactive=False, verbosity=0)

    for name in ("swagger-ui-bundle.*.js", "swagger-ui.*.css"):
        assert list(tmp_path.glob(f"casebridge/vendor/swagger-ui/{name}")), name
    assert list(tmp_path.glob("casebridge/swagger-init.*.js"))
    assert list(tmp_path.glob("rca/print.*.css"))
