"""HTTP limits that hold for every interface.

* A request body larger than ``CASEBRIDGE_MAX_REQUEST_BYTES`` is refused with 413 and says so.
  The middleware refuses it by its Content-Length before anything reads it; the 400 handler
  turns the ``RequestDataTooBig`` Django raises while parsing a multipart form into the same
  413 (Django alone answers 400 in production, and the API 500 under DEBUG).
* A path or query string with a NUL character is refused with 400: PostgreSQL cannot compare
  text with a NUL, so a search for one was a 500. (Form fields refuse NUL through Django's
  forms, JSON bodies through the API's parser, text through ``core.validation``.)"""

from __future__ import annotations

import json
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.views import defaults

from casebridge.core.errors import PayloadTooLarge
from casebridge.core.validation import parse_digits


def body_too_large() -> PayloadTooLarge:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return PayloadTooLarge(
        f"The request body is larger than {limit:,} bytes.",
        fields={"__all__": f"At most {limit:,} bytes (CASEBRIDGE_MAX_REQUEST_BYTES)."},
    )


def _over_the_limit(request: HttpRequest) -> bool:
    """A body Django would refuse to read: longer than the limit and not multipart (whose
    files are limited per upload, by CASEBRIDGE_MAX_UPLOAD_BYTES, not here)."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None or request.content_type == "multipart/form-data":
        return False
    length = parse_digits(request.META.get("CONTENT_LENGTH"))
    return length is not None and length > limit


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413: the API's ``{detail, code, fields}`` under ``/api/``, a short text elsewhere."""
    error = body_too_large()
    if request.path.startswith("/api/"):
        body = {"detail": error.detail, "code": error.code, "fields": error.fields}
        return HttpResponse(json.dumps(body), status=413, content_type="application/json")
    return HttpResponse(f"{error.detail} Send less at once.", status=413, content_type="text/plain")


def _holds_nul(request: HttpRequest) -> bool:
    """A NUL in the path or the query: no text column can hold one (PostgreSQL refuses it even
    in a lookup), so no address of ours has one."""
    if "\x00" in request.path:
        return True
    return any(
        "\x00" in key or any("\x00" in value for value in values)
        for key, values in request.GET.lists()
    )


def nul_response(request: HttpRequest) -> HttpResponse:
    detail = "The address holds a NUL character; no address of casebridge does."
    if request.path.startswith("/api/"):
        body = {"detail": detail, "code": "bad_request", "fields": {"__all__": [detail]}}
        return HttpResponse(json.dumps(body), status=400, content_type="application/json")
    return HttpResponse(detail, status=400, content_type="text/plain")


class RequestLimitsMiddleware:
    """Refuse, before anything reads them, a body over the limit (413) and a path or query
    with a NUL character (400)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _over_the_limit(request):
            return too_large_response(request)
        if _holds_nul(request):
            return nul_response(request)
        return self.get_response(request)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 400 handler, except that a body over the limit found while parsing (the
    fields of a multipart form) is the 413 it is."""
    if isinstance(exception, RequestDataTooBig):
        return too_large_response(request)
    return defaults.bad_request(request, exception)
