"""Every error the API answers has one shape: ``{"detail", "code", "fields"}``."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.db import DataError
from django.http import Http404, HttpRequest, HttpResponse
from django.http.request import RawPostDataException
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from casebridge.api.parser import not_json
from casebridge.core.errors import DomainError
from casebridge.core.http import body_too_large

#: Where a request's part sits in ninja's error locations; dropped from the field name.
_LOCATION_PARTS = {"body", "query", "path", "header", "cookie", "form", "payload", "filters"}


def _field_name(location: list[Any]) -> str:
    parts = [str(part) for part in location if str(part) not in _LOCATION_PARTS]
    return ".".join(parts) or "__all__"


def error_body(detail: str, code: str, fields: dict[str, list[str]] | None = None) -> dict:
    return {"detail": detail, "code": code, "fields": fields or {}}


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(DomainError)
    def domain_error(request: HttpRequest, error: DomainError) -> HttpResponse:
        response = api.create_response(
            request, error_body(error.detail, error.code, error.fields), status=error.status
        )
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            response["Retry-After"] = str(retry_after)
        return response

    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request: HttpRequest, error: Exception) -> HttpResponse:
        # A number beyond what the database stores (an id or offset of 30 digits, say).
        return api.create_response(
            request,
            error_body(
                "A value in the request is out of range.",
                "out_of_range",
                {"__all__": ["A number is larger or smaller than the database can hold."]},
            ),
            status=422,
        )

    @api.exception_handler(NinjaValidationError)
    def validation_error(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
        fields: dict[str, list[str]] = {}
        for item in error.errors:
            message = str(item.get("msg", "Invalid value.")).removeprefix("Value error, ")
            if item.get("type") == "extra_forbidden":
                message = "Not a field of this operation."
            fields.setdefault(_field_name(list(item.get("loc", []))), []).append(message)
        return api.create_response(
            request,
            error_body("The request is not valid.", "validation_failed", fields),
            status=422,
        )

    @api.exception_handler(AuthenticationError)
    def authentication_error(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request,
            error_body(
                "Sign in, or send an API token as 'Authorization: Bearer <token>'.",
                "not_authenticated",
            ),
            status=401,
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, error: Http404) -> HttpResponse:
        return api.create_response(request, error_body("Not found.", "not_found"), status=404)

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
        if isinstance(error.__cause__, DomainError):  # ninja wraps what the body parser raised
            return domain_error(request, error.__cause__)
        return api.create_response(
            request, error_body(str(error), "http_error"), status=error.status_code
        )

    @api.exception_handler(RawPostDataException)
    def form_body(request: HttpRequest, error: RawPostDataException) -> HttpResponse:
        # A session's CSRF check read a form or multipart body before the JSON was wanted.
        return domain_error(request, not_json(request.content_type or ""))

    @api.exception_handler(RequestDataTooBig)
    def too_big(request: HttpRequest, error: RequestDataTooBig) -> HttpResponse:
        return domain_error(request, body_too_large())
