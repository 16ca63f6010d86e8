"""The REST API at ``/api/v1/``; OpenAPI at ``/api/openapi.json``, docs at ``/api/docs``."""

from __future__ import annotations

from typing import Any

from ninja import NinjaAPI
from ninja.openapi.schema import OpenAPISchema

from casebridge import __version__
from casebridge.api.auth import authentication, document_scopes
from casebridge.api.cases import router as cases_router
from casebridge.api.docs import VendoredSwagger
from casebridge.api.errors import install_error_handlers
from casebridge.api.identity import router as identity_router
from casebridge.api.installed_base import router as installed_base_router
from casebridge.api.macros import router as macros_router
from casebridge.api.notifications import router as notifications_router
from casebridge.api.parser import JsonParser
from casebridge.api.parties import router as parties_router
from casebridge.api.rasci import router as rasci_router
from casebridge.api.rca import router as rca_router
from casebridge.api.reports import router as reports_router
from casebridge.api.saved_views import router as saved_views_router
from casebridge.api.search import router as search_router
from casebridge.api.sla import router as sla_router


class CasebridgeAPI(NinjaAPI):
    """The API, whose OpenAPI document also states each operation's token scope."""

    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        document_scopes(schema, "#/components/schemas/ErrorOut")
        return schema


api = CasebridgeAPI(
    title="casebridge API",
    version=f"v1 ({__version__})",
    description=(
        "Support operations between a vendor, its partners and their customers. "
        "Authenticate with a bearer token (`Authorization: Bearer cb_...`) or the browser "
        "session; a token acts within its scopes (`read`, `write`, `exchange`), which each "
        "operation lists. Errors answer `{detail, code, fields}`; lists are paginated with "
        "`limit` and `offset`."
    ),
    auth=authentication,
    docs=VendoredSwagger(),
    parser=JsonParser(),
    urls_namespace="api",
)
install_error_handlers(api)
api.add_router("/v1/", parties_router)
api.add_router("/v1/", rasci_router)
api.add_router("/v1/", installed_base_router)
api.add_router("/v1/", cases_router)
api.add_router("/v1/", sla_router)
api.add_router("/v1/", rca_router)
api.add_router("/v1/", notifications_router)
api.add_router("/v1/", saved_views_router)
api.add_router("/v1/", macros_router)
api.add_router("/v1/", search_router)
api.add_router("/v1/", identity_router)
api.add_router("/v1/", reports_router)
